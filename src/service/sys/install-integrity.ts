/**
 * A measured installation (issue 19, part 3; docs/attestation.md). `npm run build` writes
 * dist/manifest.json — the SHA-256 of every file Strongbox runs: dist/src/**, dist/ui/**, package.json, the lockfile,
 * the compiled native addons (better-sqlite3, secp256k1, pkcs11js, and Strongbox's peercred addon) —
 * sorted by path, with no timestamps, so two builds of one tree give the same bytes. A release signs those
 * bytes with its Ed25519 key (dist/manifest.sig, `strongbox release sign`). At start the server measures
 * its files against the manifest; `strongbox verify-install` runs the same check offline.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstallMeasurement, ManifestStatus } from '../shared/context.js';

/** The installation root: this file is dist/src/service/sys/install-integrity.js. */
export const INSTALL_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MANIFEST_PATH = 'dist/manifest.json';
export const MANIFEST_SIGNATURE_PATH = 'dist/manifest.sig';
/** The release public key shipped with Strongbox (PEM SubjectPublicKeyInfo); docs/attestation.md. */
export const SHIPPED_RELEASE_KEY_PATH = 'release/strongbox-release-ed25519.pub.pem';
/** The packages whose compiled addons Strongbox loads. */
const NATIVE_PACKAGES = ['better-sqlite3', 'secp256k1', 'pkcs11js'];

export interface InstallManifest {
  v: 1;
  name: string;
  version: string;
  files: { path: string; sha256: string }[];
}

export type { InstallMeasurement, ManifestStatus };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Paths in the manifest use '/', whatever the platform. */
const toPosix = (p: string) => p.split(sep).join('/');

function walk(dir: string, skip: (name: string) => boolean = () => false): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const p = join(dir, entry.name);
    // statSync follows links: node_modules may be a symlink, a package a linked directory.
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p, skip));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The files Strongbox runs, relative to the root, sorted. */
export function installedFiles(root: string): string[] {
  const files = walk(join(root, 'dist', 'src')).map((p) => toPosix(relative(root, p)));
  // the web console the server serves at /ui/ (code that runs in the operators' browsers)
  if (existsSync(join(root, 'dist', 'ui'))) files.push(...walk(join(root, 'dist', 'ui')).map((p) => toPosix(relative(root, p))));
  for (const f of ['package.json', 'package-lock.json', 'build/peercred.node']) if (existsSync(join(root, f))) files.push(f);
  for (const pkg of NATIVE_PACKAGES) {
    // obj.target holds the linker's intermediate copies, never loaded.
    for (const p of walk(join(root, 'node_modules', pkg), (n) => n === 'obj.target' || n === 'node_modules')) if (p.endsWith('.node')) files.push(toPosix(relative(root, p)));
  }
  return files.sort();
}

export function buildManifest(root: string = INSTALL_ROOT): InstallManifest {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { v: 1, name: pkg.name, version: pkg.version, files: installedFiles(root).map((path) => ({ path, sha256: sha256(readFileSync(join(root, path))) })) };
}

/** The manifest's bytes as written: sorted, two-space JSON, final newline — the same for the same tree. */
export function serializeManifest(m: InstallManifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

/** `ed25519:<hex SHA-256 of the 32-byte public key>`: how attestations and verify-install name a release key. */
export function keyFingerprint(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return `ed25519:${sha256(raw)}`;
}

export interface ManifestSignature {
  v: 1;
  algorithm: 'ed25519';
  signer: string;
  /** base64 Ed25519 signature over the exact bytes of dist/manifest.json */
  signature: string;
}

/** Signs manifest bytes with a PEM (PKCS#8) Ed25519 private key. */
export function signManifest(manifestBytes: Uint8Array, privateKeyPem: string): ManifestSignature {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the release key must be an Ed25519 private key (openssl genpkey -algorithm ed25519)');
  return { v: 1, algorithm: 'ed25519', signer: keyFingerprint(createPublicKey(key)), signature: sign(null, manifestBytes, key).toString('base64') };
}

/** Reads a PEM Ed25519 public key; throws with a clear message otherwise. */
export function parseReleasePublicKey(pem: string, what: string): KeyObject {
  // `setting`: the server turns it into a configuration error naming the setting.
  const fail = (detail: string) => Object.assign(new Error(`${what}: ${detail}`), { setting: what });
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw fail('not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw fail('must be an Ed25519 public key');
  return key;
}

/** The shipped release key, if this tree has one. */
export function shippedReleaseKey(root: string = INSTALL_ROOT): KeyObject | undefined {
  const path = join(root, SHIPPED_RELEASE_KEY_PATH);
  return existsSync(path) ? parseReleasePublicKey(readFileSync(path, 'utf8'), path) : undefined;
}

/** Measures the installation at `root` against its manifest, trusting the given release keys. */
export function measureInstall(root: string, trustedKeys: readonly KeyObject[]): InstallMeasurement {
  const out: InstallMeasurement = { manifest: 'missing', manifestSha256: null, signer: null, files: 0, changed: [], missing: [], added: [], trusted: false };
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(root, MANIFEST_PATH));
  } catch {
    return out;
  }
  out.manifestSha256 = sha256(bytes);
  let manifest: InstallManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as InstallManifest;
    if (manifest.v !== 1 || !Array.isArray(manifest.files) || !manifest.files.every((f) => typeof f?.path === 'string' && typeof f.sha256 === 'string')) throw new Error('shape');
  } catch {
    out.manifest = 'invalid';
    return out;
  }
  out.manifest = manifestSignatureStatus(root, bytes, trustedKeys, out);
  // Names from the manifest are compared as strings and only ever joined under the root.
  const listed = new Map<string, string>();
  for (const f of manifest.files) if (!f.path.split('/').includes('..')) listed.set(f.path, f.sha256);
  const present = new Set(installedFiles(root));
  for (const [path, expected] of listed) {
    if (!present.has(path)) {
      out.missing.push(path);
      continue;
    }
    if (sha256(readFileSync(join(root, path))) !== expected) out.changed.push(path);
  }
  for (const path of present) if (!listed.has(path)) out.added.push(path);
  out.files = listed.size;
  out.trusted = out.manifest === 'verified' && out.changed.length + out.missing.length + out.added.length === 0;
  return out;
}

function manifestSignatureStatus(root: string, bytes: Buffer, trustedKeys: readonly KeyObject[], out: InstallMeasurement): ManifestStatus {
  let sig: ManifestSignature;
  try {
    sig = JSON.parse(readFileSync(join(root, MANIFEST_SIGNATURE_PATH), 'utf8')) as ManifestSignature;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'unsigned' : 'bad-signature';
  }
  if (sig?.v !== 1 || sig.algorithm !== 'ed25519' || typeof sig.signature !== 'string' || typeof sig.signer !== 'string') return 'bad-signature';
  const key = trustedKeys.find((k) => keyFingerprint(k) === sig.signer);
  if (key === undefined) return 'untrusted-signer';
  if (!verify(null, bytes, key, Buffer.from(sig.signature, 'base64'))) return 'bad-signature';
  out.signer = sig.signer;
  return 'verified';
}

/** One line for logs, audit reasons and the CLI. */
export function describeMeasurement(m: InstallMeasurement): string {
  const diffs = [...m.changed.map((p) => `changed ${p}`), ...m.missing.map((p) => `missing ${p}`), ...m.added.map((p) => `added ${p}`)];
  const manifest = m.manifest === 'verified' ? `manifest sha256:${m.manifestSha256} signed by ${m.signer}` : `manifest ${m.manifest}${m.manifestSha256 === null ? '' : ` (sha256:${m.manifestSha256})`}`;
  const shown = diffs.slice(0, 20).join(', ') + (diffs.length > 20 ? `, … ${diffs.length - 20} more` : '');
  return `${manifest}; ${diffs.length === 0 ? `all ${m.files} files match` : `${diffs.length} of ${m.files} files differ: ${shown}`}`;
}
