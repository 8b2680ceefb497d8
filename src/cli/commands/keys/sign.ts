import { clientFrom, clientOptions, optionalString, output, type CommandArgs, type Command } from '../../command.js';
import type { SignParams } from '../../../sdk/client.js';
import type { HashName, RsaPadding, SignatureEncoding } from '../../../protocol/types.js';

export const payloadOptions = { digest: { type: 'string' }, message: { type: 'string' }, hash: { type: 'string' }, encoding: { type: 'string' }, padding: { type: 'string' } } as const;

export function payloadFrom(args: CommandArgs): SignParams {
  const out: SignParams = {};
  const digest = optionalString(args, 'digest');
  const message = optionalString(args, 'message');
  const hash = optionalString(args, 'hash');
  const encoding = optionalString(args, 'encoding');
  const padding = optionalString(args, 'padding');
  if (digest !== undefined) out.digest = digest;
  if (message !== undefined) out.message = message;
  if (hash !== undefined) out.hash = hash as HashName;
  if (encoding !== undefined) out.encoding = encoding as SignatureEncoding;
  if (padding !== undefined) out.padding = padding as RsaPadding;
  return out;
}

export default {
  path: ['key', 'sign'],
  summary: 'Sign a digest or a message with a key',
  usage: '<key> (--digest HEX | --message HEX) [--hash sha256|keccak256|sha384|sha512] [--encoding der|raw|recoverable] [--padding pss|pkcs1]',
  options: { ...clientOptions, ...payloadOptions },
  positionals: ['key'],
  async run(args, io) {
    const result = await clientFrom(args, io).sign(args.positionals[0]!, payloadFrom(args));
    return output(args, io, result, (r) => (r.recoveryId === undefined ? r.signature : `${r.signature}\nrecoveryId ${r.recoveryId}`));
  },
} satisfies Command;
