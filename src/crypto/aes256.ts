/**
 * aes256 keys: customer-facing AES-256-GCM encryption, data keys and key check values.
 * Ciphertexts reuse envelope format v1 with the key version in the term field, so a ciphertext
 * names the key version that decrypts it; AAD binds the key id and the caller's AAD.
 */
import { createCipheriv } from 'node:crypto';
import { AES_KEY_BYTES } from './aead.js';
import { randomBytes } from './random.js';
import { openEnvelope, readEnvelopeHeader, sealEnvelope } from '../keyring/envelope.js';

export function generateAesKey(): Uint8Array {
  return randomBytes(AES_KEY_BYTES);
}

/** Key check value (ANSI X9.24-1): the first 3 bytes of AES-ECB(key, 0^128). Reveals nothing usable about the key. */
export function keyCheckValue(key: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-ecb', key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(new Uint8Array(16)).subarray(0, 3));
}

function context(keyId: string, aad: Uint8Array): string {
  return `strongbox/data/${keyId}/${Buffer.from(aad).toString('hex')}`;
}

export function encryptWithKey(key: Uint8Array, keyId: string, version: number, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  return sealEnvelope(key, version, plaintext, context(keyId, aad));
}

/** The key version a ciphertext was made with; throws EnvelopeFormatError when it is not a Strongbox ciphertext. */
export function ciphertextVersion(ciphertext: Uint8Array): number {
  return readEnvelopeHeader(ciphertext).term;
}

/** Throws AeadAuthenticationError when the ciphertext or AAD was altered or belongs to another key. */
export function decryptWithKey(key: Uint8Array, keyId: string, ciphertext: Uint8Array, aad: Uint8Array): Uint8Array {
  return openEnvelope(key, ciphertext, context(keyId, aad));
}
