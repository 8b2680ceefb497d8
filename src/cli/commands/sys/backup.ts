import { writeFileSync } from 'node:fs';
import { clientFrom, clientOptions, requireString, type Command } from '../../command.js';

export default {
  path: ['operator', 'backup'],
  summary: 'Download a backup file (needs sys:backup); useless without the unseal shares or the HSM/KMS key',
  usage: '--out FILE',
  options: {
    out: { type: 'string', value: 'FILE', description: 'the backup file to write (mode 0600; must not exist); required' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const out = requireString(args, 'out');
    const bytes = await clientFrom(args, io).backup();
    writeFileSync(out, bytes, { mode: 0o600, flag: 'wx' });
    io.stdout(args.values['json'] ? JSON.stringify({ out, bytes: bytes.byteLength }) + '\n' : `wrote ${bytes.byteLength} bytes to ${out}\n`);
    return 0;
  },
} satisfies Command;
