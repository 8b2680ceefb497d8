import { readFileSync, writeFileSync } from 'node:fs';
import { clientFrom, clientOptions, optionalString, requireString, type Command } from '../../command.js';

export default {
  path: ['key', 'export'],
  summary: 'Export an exportable key wrapped to your RSA public key (RSA_AES_KEY_WRAP_SHA_256); --out writes the raw wrapped bytes',
  usage: '<key> --wrapping-key-file PEM [--out FILE]',
  options: {
    'wrapping-key-file': { type: 'string', value: 'PEM', description: 'your RSA public key (2048-4096 bits, PEM) to wrap the key to; required' },
    out: { type: 'string', value: 'FILE', description: 'write the raw wrapped bytes to FILE (mode 0600; must not exist)', default: 'print 0x-hex' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const wrappingKey = readFileSync(requireString(args, 'wrapping-key-file'), 'utf8');
    const out = optionalString(args, 'out');
    const result = await clientFrom(args, io).exportKey(args.positionals[0]!, { wrappingKey });
    if (out !== undefined) {
      const bytes = Buffer.from(result.wrappedKey.slice(2), 'hex');
      writeFileSync(out, bytes, { mode: 0o600, flag: 'wx' });
      io.stdout(args.values['json'] ? JSON.stringify({ out, bytes: bytes.byteLength, algorithm: result.algorithm, keyVersion: result.keyVersion }) + '\n' : `wrote ${bytes.byteLength} bytes (${result.algorithm}, key version ${result.keyVersion}) to ${out}\n`);
      return 0;
    }
    io.stdout(args.values['json'] ? JSON.stringify(result, null, 2) + '\n' : result.wrappedKey + '\n');
    return 0;
  },
} satisfies Command;
