import { writeFileSync } from 'node:fs';
import { clientFrom, clientOptions, optionalString, type Command } from '../../command.js';

export default {
  path: ['key', 'wrapping-key'],
  summary: 'Print (or write to --out) the RSA-4096 public key to wrap key material to for key import-wrapped',
  usage: '[--out FILE]',
  options: {
    out: { type: 'string', value: 'FILE', description: 'write the PEM public key to FILE (must not exist)', default: 'print it' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const result = await clientFrom(args, io).getWrappingKey();
    const out = optionalString(args, 'out');
    if (out !== undefined) writeFileSync(out, result.publicKey, { flag: 'wx' });
    if (args.values['json']) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else io.stdout(out === undefined ? result.publicKey : `wrote the ${result.algorithm} public key to ${out}\n`);
    return 0;
  },
} satisfies Command;
