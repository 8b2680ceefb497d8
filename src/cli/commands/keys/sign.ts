import { clientFrom, clientOptions, optionalString, output, type CommandArgs, type Command, type OptionSpec } from '../../command.js';
import type { SignParams } from '../../../sdk/client.js';
import type { HashName, RsaPadding, SignatureEncoding } from '../../../protocol/types.js';

export const payloadOptions = {
  digest: { type: 'string', value: 'HEX', description: 'a digest, 0x-hex: 32 bytes (secp256k1, p256), or the --hash output (RSA)' },
  message: { type: 'string', value: 'HEX', description: 'a message, 0x-hex: hashed with --hash (secp256k1, p256), or signed as is (ed25519)' },
  hash: { type: 'string', value: 'sha256|keccak256|sha384|sha512', description: 'how --message is hashed (keccak256: secp256k1 only); for RSA keys also the hash that made --digest', default: 'sha256' },
  encoding: { type: 'string', value: 'der|raw|recoverable', description: "the signature's encoding: DER, r||s, or r||s||v (recoverable: secp256k1)", default: 'der; ed25519: raw' },
  padding: { type: 'string', value: 'pss|pkcs1', description: 'RSA keys: PSS (salt = hash length) or PKCS#1 v1.5', default: 'pss' },
} as const satisfies OptionSpec;

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
  options: { ...payloadOptions, ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    const result = await clientFrom(args, io).sign(args.positionals[0]!, payloadFrom(args));
    return output(args, io, result, (r) => (r.recoveryId === undefined ? r.signature : `${r.signature}\nrecoveryId ${r.recoveryId}`));
  },
} satisfies Command;
