import { clientFrom, clientOptions, optionalString, output, requireString, type Command } from '../../command.js';

export default {
  path: ['key', 'encrypt'],
  summary: 'Encrypt hex plaintext with an aes256 key',
  usage: '<key> --plaintext HEX [--aad HEX]',
  options: {
    plaintext: { type: 'string', value: 'HEX', description: 'the data to encrypt, 0x-hex; required' },
    aad: { type: 'string', value: 'HEX', description: 'additional authenticated data, 0x-hex: decrypting needs the same', default: 'none' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const aad = optionalString(args, 'aad');
    const result = await clientFrom(args, io).encrypt(args.positionals[0]!, { plaintext: requireString(args, 'plaintext'), ...(aad === undefined ? {} : { aad }) });
    return output(args, io, result, (r) => r.ciphertext);
  },
} satisfies Command;
