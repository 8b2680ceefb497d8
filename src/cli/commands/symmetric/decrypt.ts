import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';

export default {
  path: ['key', 'decrypt'],
  summary: 'Decrypt a Strongbox ciphertext with an aes256 key',
  usage: '<key> --ciphertext HEX [--aad HEX]',
  options: { ...clientOptions, ciphertext: { type: 'string' }, aad: { type: 'string' } },
  positionals: ['key'],
  async run(args, io) {
    const aad = optionalString(args, 'aad');
    const result = await clientFrom(args, io).decrypt(args.positionals[0]!, { ciphertext: requireString(args, 'ciphertext'), ...(aad === undefined ? {} : { aad }) });
    return output(args, io, result, (r) => r.plaintext);
  },
} satisfies Command;
