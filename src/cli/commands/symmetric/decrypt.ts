import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';

export default {
  path: ['key', 'decrypt'],
  summary: 'Decrypt a Strongbox ciphertext with an aes256 key',
  usage: '<key> --ciphertext HEX [--aad HEX]',
  options: {
    ciphertext: { type: 'string', value: 'HEX', description: 'the ciphertext key encrypt returned, 0x-hex; required' },
    aad: { type: 'string', value: 'HEX', description: 'the additional authenticated data given to encrypt, 0x-hex', default: 'none' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const aad = optionalString(args, 'aad');
    const result = await clientFrom(args, io).decrypt(args.positionals[0]!, { ciphertext: requireString(args, 'ciphertext'), ...(aad === undefined ? {} : { aad }) });
    return output(args, io, result, (r) => r.plaintext);
  },
} satisfies Command;
