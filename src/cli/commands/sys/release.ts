/**
 * For maintainers (docs/attestation.md): `strongbox release manifest` writes dist/manifest.json for this
 * tree (npm run build runs it); `strongbox release sign --key FILE` signs it with the Ed25519 release
 * key into dist/manifest.sig. The private key never needs to be on a server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildManifest, INSTALL_ROOT, MANIFEST_PATH, MANIFEST_SIGNATURE_PATH, serializeManifest, signManifest } from '../../../service/sys/install-integrity.js';
import { optionalString, UsageError, type Command } from '../../command.js';

export const releaseManifest = {
  path: ['release', 'manifest'],
  summary: 'Write dist/manifest.json: the SHA-256 of every file Strongbox runs (npm run build does this)',
  usage: '',
  options: {},
  positionals: [],
  async run(_args, io) {
    const text = serializeManifest(buildManifest(INSTALL_ROOT));
    writeFileSync(join(INSTALL_ROOT, MANIFEST_PATH), text);
    io.stdout(`wrote ${MANIFEST_PATH} (${JSON.parse(text).files.length} files)\n`);
    return 0;
  },
} satisfies Command;

export const releaseSign = {
  path: ['release', 'sign'],
  summary: 'Sign dist/manifest.json with the Ed25519 release key into dist/manifest.sig',
  usage: '--key FILE',
  options: {
    key: { type: 'string', value: 'FILE', description: 'the release private key, PEM PKCS#8 (openssl genpkey -algorithm ed25519)' },
  },
  positionals: [],
  async run(args, io) {
    const keyFile = optionalString(args, 'key');
    if (keyFile === undefined) throw new UsageError('--key FILE is required');
    let pem: string;
    let manifest: Buffer;
    try {
      pem = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--key: cannot read ${keyFile} (${(err as NodeJS.ErrnoException).code})`);
    }
    try {
      manifest = readFileSync(join(INSTALL_ROOT, MANIFEST_PATH));
    } catch {
      throw new UsageError(`${MANIFEST_PATH} is missing: run npm run build (or strongbox release manifest) first`);
    }
    let sig;
    try {
      sig = signManifest(manifest, pem);
    } catch (err) {
      throw new UsageError(`--key: ${(err as Error).message}`);
    }
    writeFileSync(join(INSTALL_ROOT, MANIFEST_SIGNATURE_PATH), JSON.stringify(sig, null, 2) + '\n');
    io.stdout(`signed ${MANIFEST_PATH} as ${sig.signer}: ${MANIFEST_SIGNATURE_PATH}\n`);
    return 0;
  },
} satisfies Command;
