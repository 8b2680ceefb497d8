/**
 * Hierarchical deterministic keys: BIP39 mnemonics and seeds (@scure/bip39), BIP32 derivation for
 * secp256k1 (@scure/bip32) and SLIP-10 derivation for ed25519 (hardened only).
 *
 * SLIP-10 ed25519 is key-derivation glue over HMAC-SHA512 from @noble/hashes, written exactly as
 * https://github.com/satoshilabs/slips/blob/master/slip-0010.md specifies (master key generation with
 * the curve key "ed25519 seed"; hardened child: HMAC-SHA512(c_par, 0x00 ‖ k_par ‖ ser32(i))); every
 * ed25519 vector of SLIP-10 is checked in test/vectors/slip10-ed25519.test.ts.
 *
 * Mnemonic entropy comes from crypto/random.ts (the one CSPRNG), never from the library's own source.
 */
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { StrongboxError } from '../protocol/errors.js';
import { randomBytes } from './random.js';
import { wipe } from './wipe.js';

export const HARDENED = 0x8000_0000;
/** BIP32 serializes the depth in one byte. */
export const MAX_PATH_DEPTH = 255;
export const MNEMONIC_STRENGTHS = [128, 160, 192, 224, 256] as const;

export interface PathSegment {
  index: number;
  hardened: boolean;
}

function badPath(detail: string): StrongboxError {
  return new StrongboxError('INVALID_DERIVATION_PATH', detail, { field: 'path' });
}

/**
 * Parses `m/44'/60'/0'/0/0` (hardened marked by `'`, `h` or `H`); each index below 2^31, no
 * leading zeros, at most 255 levels. Throws INVALID_DERIVATION_PATH naming the problem.
 */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path.length > 2048) throw badPath('path must be a string like m/44\'/60\'/0\'/0/0');
  const parts = path.split('/');
  if (parts[0] !== 'm') throw badPath('path must start with m');
  if (parts.length - 1 > MAX_PATH_DEPTH) throw badPath(`path is deeper than ${MAX_PATH_DEPTH} levels`);
  return parts.slice(1).map((part, i) => {
    const m = /^(0|[1-9][0-9]{0,9})(['hH]?)$/.exec(part);
    if (m === null) throw badPath(`path segment ${i + 1} (${JSON.stringify(part.slice(0, 16))}) is not an index with an optional ' or h`);
    const index = Number(m[1]);
    if (index >= HARDENED) throw badPath(`path segment ${i + 1} is out of range: indexes are below 2^31 (mark hardened ones with ')`);
    return { index, hardened: m[2] !== '' };
  });
}

/** The canonical spelling of a path (`'` for hardened): two spellings of one path name one key. */
export function formatPath(segments: readonly PathSegment[]): string {
  return ['m', ...segments.map((s) => `${s.index}${s.hardened ? "'" : ''}`)].join('/');
}

/** A fresh English BIP39 mnemonic of `strength` bits of entropy from the OS CSPRNG. */
export function generateMnemonic(strength: number): string {
  if (!(MNEMONIC_STRENGTHS as readonly number[]).includes(strength)) {
    throw new StrongboxError('INVALID_ARGUMENT', `strength must be one of ${MNEMONIC_STRENGTHS.join(', ')} bits`, { field: 'strength' });
  }
  const entropy = randomBytes(strength / 8);
  try {
    return entropyToMnemonic(entropy, english);
  } finally {
    wipe(entropy);
  }
}

/** Normalizes whitespace and checks words and checksum (English wordlist). */
export function normalizeMnemonic(mnemonic: string): string {
  const words = typeof mnemonic === 'string' && mnemonic.length <= 1024 ? mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/) : [];
  const normalized = words.join(' ');
  if (!validateMnemonic(normalized, english)) {
    throw new StrongboxError('INVALID_MNEMONIC', 'mnemonic is not a valid BIP39 English mnemonic (12-24 words from the wordlist with a valid checksum)', { field: 'mnemonic' });
  }
  return normalized;
}

/** BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" ‖ passphrase): 64 bytes. */
export function mnemonicToSeed(mnemonic: string, passphrase = ''): Uint8Array {
  return mnemonicToSeedSync(normalizeMnemonic(mnemonic), passphrase);
}

function assertSeed(seed: Uint8Array): void {
  if (seed.byteLength < 16 || seed.byteLength > 64) throw new StrongboxError('INVALID_KEY_MATERIAL', 'an HD seed is 16 to 64 bytes');
}

export interface DerivedKey {
  /** the child's private key (secp256k1 scalar or Ed25519 seed); the caller wipes it */
  secretKey: Uint8Array;
  chainCode: Uint8Array;
}

/** BIP32 (secp256k1) node at `path`. @scure/bip32 rejects invalid child keys (IL ≥ n or zero) as BIP32 requires. */
function bip32Node(seed: Uint8Array, path: string): HDKey {
  assertSeed(seed);
  const segments = parsePath(path);
  let node = HDKey.fromMasterSeed(seed);
  for (const s of segments) {
    const child = node.deriveChild(s.index + (s.hardened ? HARDENED : 0));
    // Parents' private keys are no longer needed: clear them as we go down the path.
    node.wipePrivateData();
    node = child;
  }
  return node;
}

export function deriveSecp256k1(seed: Uint8Array, path: string): DerivedKey {
  const node = bip32Node(seed, path);
  const secretKey = node.privateKey;
  if (secretKey === null || node.chainCode === null) throw new StrongboxError('INTERNAL', 'BIP32 derivation yielded no private key');
  const out = { secretKey: new Uint8Array(secretKey), chainCode: new Uint8Array(node.chainCode) };
  node.wipePrivateData();
  return out;
}

/** The BIP32 extended public key (xpub, mainnet version bytes) at `path`. */
export function bip32ExtendedPublicKey(seed: Uint8Array, path: string): string {
  const node = bip32Node(seed, path);
  try {
    return node.publicExtendedKey;
  } finally {
    node.wipePrivateData();
  }
}

/** Decodes an extended key (xpub/xprv), rejecting what BIP32 calls invalid (vector 5). */
export function parseExtendedKey(serialized: string): { depth: number; publicKey: Uint8Array; isPrivate: boolean } {
  let node: HDKey;
  try {
    node = HDKey.fromExtendedKey(serialized);
  } catch (err) {
    throw new StrongboxError('INVALID_KEY_MATERIAL', `not a valid BIP32 extended key: ${(err as Error).message}`);
  }
  const out = { depth: node.depth, publicKey: new Uint8Array(node.publicKey!), isPrivate: node.privateKey !== null };
  node.wipePrivateData();
  return out;
}

const ED25519_CURVE_KEY = new TextEncoder().encode('ed25519 seed');

/** SLIP-10 ed25519: every segment must be hardened (the curve has no public derivation). */
export function deriveEd25519(seed: Uint8Array, path: string): DerivedKey {
  assertSeed(seed);
  const segments = parsePath(path);
  const soft = segments.findIndex((s) => !s.hardened);
  if (soft !== -1) throw badPath(`path segment ${soft + 1} is not hardened, and ed25519 (SLIP-10) derivation is hardened only`);
  // Master key generation: I = HMAC-SHA512(Key = "ed25519 seed", Data = S); k = IL, c = IR.
  let I = hmac(sha512, ED25519_CURVE_KEY, seed);
  for (const s of segments) {
    // CKDpriv, hardened: I = HMAC-SHA512(Key = c_par, Data = 0x00 ‖ ser256(k_par) ‖ ser32(i)); for
    // ed25519, k_i = IL (no modular addition, no invalid-key case).
    const data = new Uint8Array(37);
    data.set(I.subarray(0, 32), 1);
    new DataView(data.buffer).setUint32(33, s.index + HARDENED, false);
    const next = hmac(sha512, I.subarray(32), data);
    wipe(data, I);
    I = next;
  }
  const out = { secretKey: I.slice(0, 32), chainCode: I.slice(32) };
  wipe(I);
  return out;
}
