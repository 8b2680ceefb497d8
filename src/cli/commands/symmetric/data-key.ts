import { clientFrom, clientOptions, optionalString, output, parseIntegerFlag, type Command } from '../../command.js';

export default {
  path: ['key', 'data-key'],
  summary: 'Generate a data key wrapped under an aes256 key',
  usage: '<key> [--bytes N] [--aad HEX] [--without-plaintext]',
  options: { ...clientOptions, bytes: { type: 'string' }, aad: { type: 'string' }, 'without-plaintext': { type: 'boolean' } },
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
