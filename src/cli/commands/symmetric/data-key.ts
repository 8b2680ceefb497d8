import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, type Command } from '../../command.js';

export default {
  path: ['key', 'data-key'],
  summary: 'Generate a data key wrapped under an aes256 key',
  usage: '<key> [--bytes N] [--aad HEX] [--without-plaintext]',
  options: {
    bytes: { type: 'string', value: 'N', description: 'length of the data key in bytes (16-64)', default: '32' },
    aad: { type: 'string', value: 'HEX', description: 'additional authenticated data, 0x-hex: decrypting needs the same', default: 'none' },
    'without-plaintext': { type: 'boolean', description: 'return only the wrapped data key, not its plaintext' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const bytes = parseIntegerFlag(args, 'bytes');
    const aad = optionalString(args, 'aad');
    const result = await clientFrom(args, io).generateDataKey(args.positionals[0]!, {
      ...(bytes === undefined ? {} : { bytes }),
      ...(aad === undefined ? {} : { aad }),
      ...(args.values['without-plaintext'] ? { withoutPlaintext: true } : {}),
    });
    return output(args, io, result, (r) => [r.plaintext ? `plaintext  ${r.plaintext}` : undefined, `ciphertext ${r.ciphertext}`].filter(Boolean).join('\n'));
  },
} satisfies Command;
