import { clientFrom, clientOptions, output, requireString, type Command } from '../../command.js';
import { payloadFrom, payloadOptions } from './sign.js';

export default {
  path: ['key', 'verify'],
  summary: 'Verify a signature with a key; exits 1 when it is not valid',
  usage: '<key> --signature HEX (--digest HEX | --message HEX) [--hash H] [--encoding E] [--padding pss|pkcs1]',
  options: { signature: { type: 'string', value: 'HEX', description: 'the signature to check, 0x-hex in --encoding' }, ...payloadOptions, ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    const result = await clientFrom(args, io).verify(args.positionals[0]!, { ...payloadFrom(args), signature: requireString(args, 'signature') });
    output(args, io, result, (r) => (r.valid ? 'valid' : 'invalid'));
    return result.valid ? 0 : 1;
  },
} satisfies Command;
