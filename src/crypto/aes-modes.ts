/**
 * AES in the modes KMIP clients ask for (KMIP 1.4 §4.29-4.30 Encrypt/Decrypt with Cryptographic
 * Parameters): GCM with a caller-chosen IV, AAD and tag length (NIST SP 800-38D), and CBC with PKCS#5
 * padding or none (SP 800-38A). Thin wrappers over node:crypto; nothing implemented by hand.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export class CipherInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CipherInputError';
  }
}

const cipherName = (key: Uint8Array, mode: 'gcm' | 'cbc'): string => {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new CipherInputError('AES keys are 128, 192 or 256 bits');
  return `aes-${key.length * 8}-${mode}`;
};

/** GCM: IVs of 1 to 128 bytes (12 recommended), tags of 12 to 16 bytes (SP 800-38D §5.2.1.2). */
export function gcmEncrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, tagBytes: number): { ciphertext: Uint8Array; tag: Uint8Array } {
  if (iv.length < 1 || iv.length > 128) throw new CipherInputError('GCM IV must be 1 to 128 bytes');
  if (tagBytes < 12 || tagBytes > 16) throw new CipherInputError('GCM tag length must be 12 to 16 bytes');
  const c = createCipheriv(cipherName(key, 'gcm') as 'aes-256-gcm', key, iv, { authTagLength: tagBytes });
  c.setAAD(aad);
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext: new Uint8Array(ciphertext), tag: new Uint8Array(c.getAuthTag()) };
}

/** Returns undefined when the tag does not verify. */
export function gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  if (iv.length < 1 || iv.length > 128) throw new CipherInputError('GCM IV must be 1 to 128 bytes');
  if (tag.length < 12 || tag.length > 16) throw new CipherInputError('GCM tag length must be 12 to 16 bytes');
  const d = createDecipheriv(cipherName(key, 'gcm') as 'aes-256-gcm', key, iv, { authTagLength: tag.length });
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]));
  } catch {
    return undefined;
  }
}

/** CBC with PKCS#5/#7 padding (`padded`) or none (the input must be whole blocks). */
export function cbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, padded: boolean): Uint8Array {
  if (iv.length !== 16) throw new CipherInputError('CBC IV must be 16 bytes');
  if (!padded && plaintext.length % 16 !== 0) throw new CipherInputError('without padding, CBC data must be a multiple of 16 bytes');
  const c = createCipheriv(cipherName(key, 'cbc'), key, iv);
  c.setAutoPadding(padded);
  return new Uint8Array(Buffer.concat([c.update(plaintext), c.final()]));
}

/** Returns undefined when the padding is wrong (the only integrity CBC has). */
export function cbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, padded: boolean): Uint8Array | undefined {
  if (iv.length !== 16) throw new CipherInputError('CBC IV must be 16 bytes');
  if (ciphertext.length % 16 !== 0 || ciphertext.length === 0) throw new CipherInputError('CBC ciphertext must be a non-empty multiple of 16 bytes');
  const d = createDecipheriv(cipherName(key, 'cbc'), key, iv);
  d.setAutoPadding(padded);
  try {
    return new Uint8Array(Buffer.concat([d.update(ciphertext), d.final()]));
  } catch {
    return undefined;
  }
}

/** RFC 5649 AES Key Wrap with Padding under a 256-bit key-encryption key (node:crypto id-aes256-wrap-pad). */
export function aesKeyWrapPad(kek: Uint8Array, material: Uint8Array): Uint8Array {
  if (kek.length !== 32) throw new CipherInputError('the key-encryption key must be 256 bits');
  const c = createCipheriv('id-aes256-wrap-pad', kek, Buffer.from('A65959A6', 'hex'));
  return new Uint8Array(Buffer.concat([c.update(material), c.final()]));
}
