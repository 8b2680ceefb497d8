/**
 * The few node:crypto calls of the audit verifier (src/audit/record.ts, verify.ts), for the browser
 * bundle (scripts/build-ui.mjs aliases node:crypto here): SHA-256 from @noble/hashes and Ed25519
 * verification from @noble/curves. No primitive is implemented here; this only adapts the call shapes.
 */
import { Buffer } from './buffer-global.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';

/** DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): the raw key is the last 32 bytes. */
const SPKI_PREFIX_HEX = '302a300506032b6570032100';

export interface KeyObject {
  readonly raw: Uint8Array;
}

export interface Hash {
  update(data: string | Uint8Array, encoding?: 'utf8'): Hash;
  digest(): Buffer;
}

export function createHash(algorithm: string): Hash {
  if (algorithm !== 'sha256') throw new Error(`unsupported hash ${algorithm}`);
  const h = sha256.create();
  const hash: Hash = {
    update(data: string | Uint8Array, encoding?: 'utf8'): Hash {
      h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      void encoding;
      return hash;
    },
    digest(): Buffer {
      return Buffer.from(h.digest());
    },
  };
  return hash;
}

export function createPublicKey(options: { key: Uint8Array; format: 'der'; type: 'spki' }): KeyObject {
  const der = options.key;
  if (der.length !== 44 || Buffer.from(der.subarray(0, 12)).toString('hex') !== SPKI_PREFIX_HEX) throw new Error('not an Ed25519 public key');
  return { raw: der.slice(12) };
}

export function verify(algorithm: null, message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  void algorithm;
  try {
    return ed25519.verify(signature, message, key.raw);
  } catch {
    return false;
  }
}
