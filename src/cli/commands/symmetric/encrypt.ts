import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';

export default {
  path: ['key', 'encrypt'],
  summary: 'Encrypt hex plaintext with an aes256 key',
  usage: '<key> --plaintext HEX [--aad HEX]',
  options: { ...clientOptions, plaintext: { type: 'string' }, aad: { type: 'string' } },
  positionals: ['key'],
  async run(args, io) {
    const aad = optionalString(args, 'aad');
    const result = await clientFrom(args, io).encrypt(args.positionals[0]!, { plaintext: requireString(args, 'plaintext'), ...(aad === undefined ? {} : { aad }) });
    return output(args, io, result, (r) => r.ciphertext);
  },
} satisfies Command;
