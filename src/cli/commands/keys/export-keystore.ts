import { writeFileSync } from 'node:fs';
import { clientFrom, clientOptions, requireString, UsageError, type Command, readStdin } from '../../command.js';

export default {
  path: ['key', 'export-keystore'],
  summary: 'Export an exportable secp256k1 key as an Ethereum keystore v3 file; passphrase from STRONGBOX_KEYSTORE_PASSPHRASE or stdin',
  usage: '<key> --out FILE',
  options: {
    out: { type: 'string', value: 'FILE', description: 'the keystore file to write (mode 0600; must not exist); required' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const out = requireString(args, 'out');
    // A secret: never taken from argv (it would show in `ps` and shell history).
    let passphrase = io.env['STRONGBOX_KEYSTORE_PASSPHRASE'];
    if (passphrase === undefined) passphrase = (await readStdin()).replace(/\r?\n$/, '');
    if (passphrase === '') throw new UsageError('give the passphrase in STRONGBOX_KEYSTORE_PASSPHRASE or on stdin');
    const keystore = await clientFrom(args, io).exportKeystore(args.positionals[0]!, passphrase);
    writeFileSync(out, JSON.stringify(keystore) + '\n', { mode: 0o600, flag: 'wx' });
    io.stdout(args.values['json'] ? JSON.stringify({ out, address: keystore.address, id: keystore.id }) + '\n' : `wrote the keystore of 0x${keystore.address} to ${out}\n`);
    return 0;
  },
} satisfies Command;
