/**
 * AES-256-GCM (NIST SP 800-38D) over node:crypto, with 96-bit random nonces and 128-bit tags.
 * Random 96-bit nonces are safe for up to 2^32 messages per key (SP 800-38D §8.3); keyring terms
 * rotate long before that in practice and docs/architecture.md records the bound.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes } from './random.js';

export const AES_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export class AeadAuthenticationError extends Error {
  constructor() {
    super('AES-GCM authentication failed');
    this.name = 'AeadAuthenticationError';
  }
}

export interface SealedParts {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export function aesGcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES)): SealedParts {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext: new Uint8Array(ct.buffer, ct.byteOffset, ct.byteLength), tag: new Uint8Array(cipher.getAuthTag()) };
}

/** Throws AeadAuthenticationError when the tag does not verify; never returns unauthenticated bytes. */
export function aesGcmDecrypt(key: Uint8Array, parts: SealedParts, aad: Uint8Array): Uint8Array {
  if (parts.tag.byteLength !== GCM_TAG_BYTES) throw new AeadAuthenticationError();
  const decipher = createDecipheriv('aes-256-gcm', key, parts.nonce, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(parts.tag);
  const first = decipher.update(parts.ciphertext);
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    first.fill(0);
    throw new AeadAuthenticationError();
  }
  const out = new Uint8Array(first.byteLength + last.byteLength);
  out.set(first, 0);
  out.set(last, first.byteLength);
  first.fill(0);
  return out;
}
