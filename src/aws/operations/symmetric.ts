/** Shared by the symmetric operations: the AWS CiphertextBlob around a Strongbox ciphertext. */
import type { ServiceKey } from '../../service/shared/resolve-key.js';
import { parseCiphertextBlob, toCiphertextBlob } from '../ciphertext-blob.js';
import { AwsError, validation } from '../errors.js';
import { wrongUsage } from '../key-metadata.js';
import { blob, bytesOfHex, str, type AwsInput } from '../operation.js';

export const MAX_PLAINTEXT_BYTES = 4096;
export const MAX_BLOB_BYTES = 6144;

export function assertSymmetricAlgorithm(input: AwsInput, field = 'EncryptionAlgorithm'): void {
  const alg = str(input, field, true);
  if (alg !== undefined && alg !== 'SYMMETRIC_DEFAULT') throw validation(`${field} must be SYMMETRIC_DEFAULT for symmetric keys`);
}

export function assertSymmetricKey(key: ServiceKey): void {
  if (key.type !== 'aes256') throw wrongUsage(key.id, key.type, 'encrypt or decrypt');
}

/** The key id a CiphertextBlob names (so Decrypt and ReEncrypt need no KeyId). */
export function blobKeyId(input: AwsInput): string {
  return parseCiphertextBlob(blob(input, 'CiphertextBlob', MAX_BLOB_BYTES)).keyId;
}

export function blobCiphertext(input: AwsInput): `0x${string}` {
  const { ciphertext } = parseCiphertextBlob(blob(input, 'CiphertextBlob', MAX_BLOB_BYTES));
  return `0x${Buffer.from(ciphertext).toString('hex')}`;
}

export function wrapCiphertext(key: ServiceKey, hex: string): Uint8Array {
  return toCiphertextBlob(key.id, bytesOfHex(hex));
}

/** When the caller also names a key, it must be the one the ciphertext was made with. */
export function assertSameKey(named: ServiceKey, actual: ServiceKey): void {
  if (named.id !== actual.id) throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext', 'DECRYPTION_FAILED');
}
