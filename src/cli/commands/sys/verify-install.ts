/**
 * `strongbox verify-install`: the server's start-up measurement, offline (docs/attestation.md). Exit 0
 * when every file matches the manifest; 1 naming each changed, missing or added file, or when the
 * manifest is missing or its signature is bad or untrusted; with --strict also when it is unsigned.
 */
import { readFileSync } from 'node:fs';
import { describeMeasurement, INSTALL_ROOT, measureInstall, parseReleasePublicKey, shippedReleaseKey } from '../../../service/sys/install-integrity.js';
import { optionalString, UsageError, type Command } from '../../command.js';

export function readReleaseKeys(file: string | undefined, root: string): ReturnType<typeof parseReleasePublicKey>[] {
  if (file === undefined) return [shippedReleaseKey(root)].filter((k) => k !== undefined);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--release-public-key: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
  try {
    return [parseReleasePublicKey(pem, '--release-public-key')];
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export default {
  path: ['verify-install'],
  summary: 'Check this installation\'s files against its signed release manifest (dist/manifest.json); exit 0 only when they match',
  usage: '[--release-public-key PEM] [--strict] [--json]',
  options: {
    'release-public-key': { type: 'string', value: 'PEM', description: 'the Ed25519 release public key to trust (STRONGBOX_RELEASE_PUBLIC_KEY)', default: 'the shipped release/strongbox-release-ed25519.pub.pem' },
    strict: { type: 'boolean', description: 'also fail when the manifest is not signed by a trusted key (as --integrity strict does)' },
    json: { type: 'boolean', description: 'print the measurement as JSON' },
  },
  positionals: [],
  async run(args, io) {
    const keyFile = optionalString(args, 'release-public-key') ?? io.env['STRONGBOX_RELEASE_PUBLIC_KEY'];
    const m = measureInstall(INSTALL_ROOT, readReleaseKeys(keyFile, INSTALL_ROOT));
    const filesOk = m.manifest !== 'missing' && m.manifest !== 'invalid' && m.changed.length + m.missing.length + m.added.length === 0;
    const signatureOk = m.manifest === 'verified' || (m.manifest === 'unsigned' && args.values['strict'] !== true);
    const ok = filesOk && signatureOk;
    if (args.values['json'] === true) io.stdout(JSON.stringify({ ok, ...m }, null, 2) + '\n');
    else {
      io.stdout(`${ok ? 'installation intact' : 'INSTALLATION NOT INTACT'}: ${describeMeasurement(m)}\n`);
      for (const p of m.changed) io.stdout(`  changed: ${p}\n`);
      for (const p of m.missing) io.stdout(`  missing: ${p}\n`);
      for (const p of m.added) io.stdout(`  added:   ${p}\n`);
      if (m.manifest === 'unsigned') io.stderr('warning: the manifest is not signed (a development build); --integrity strict refuses it\n');
    }
    return ok ? 0 : 1;
  },
} satisfies Command;
