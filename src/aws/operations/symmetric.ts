/** Shared by the symmetric operations: the AWS CiphertextBlob around a Strongbox ciphertext. */
import type { ServiceKey } from '../../service/shared/resolve-key.js';
import { parseCiphertextBlob, toCiphertextBlob } from '../ciphertext-blob.js';
import { AwsError, validation } from '../errors.js';
import { encryptionAlgorithmsOf, keyUsageOf, wrongUsage } from '../key-metadata.js';
import { blob, byKeyId, bytesOfHex, str, type AwsInput } from '../operation.js';
import { isRsaKeyType, rsaEncryptionAlgorithms, type RsaEncryptionAlgorithm } from '../../protocol/types.js';

export const MAX_PLAINTEXT_BYTES = 4096;
export const MAX_BLOB_BYTES = 6144;

/** RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256 when the request names one (then the key is an RSA key), else undefined. */
export function rsaEncryptionAlgorithm(input: AwsInput): RsaEncryptionAlgorithm | undefined {
  const alg = str(input, 'EncryptionAlgorithm', true);
  return alg !== undefined && (rsaEncryptionAlgorithms as readonly string[]).includes(alg) ? (alg as RsaEncryptionAlgorithm) : undefined;
}

/** An RSA ENCRYPT_DECRYPT key, named by an RSAES algorithm; EncryptionContext is not accepted (as in AWS). */
export function assertRsaEncryptionKey(key: ServiceKey, input: AwsInput): void {
  if (!isRsaKeyType(key.type)) throw new AwsError('InvalidKeyUsageException', `EncryptionAlgorithm ${String(input['EncryptionAlgorithm'])} needs an RSA key; use one of ${encryptionAlgorithmsOf(key.type).join(', ')}`, 'UNSUPPORTED_OPERATION');
  if (keyUsageOf(key) !== 'ENCRYPT_DECRYPT') throw wrongUsage(key.id, key, 'encrypt or decrypt');
  if (input['EncryptionContext'] !== undefined) throw validation('EncryptionContext is not supported with asymmetric keys');
}

/** Decrypt's key: named by KeyId for RSA ciphertexts (a raw RSA ciphertext names no key), else by the CiphertextBlob. */
export function decryptKeyRef(input: AwsInput): string {
  return rsaEncryptionAlgorithm(input) !== undefined ? byKeyId(input) : blobKeyId(input);
}

export function assertSymmetricAlgorithm(input: AwsInput, field = 'EncryptionAlgorithm'): void {
  const alg = str(input, field, true);
  if (alg !== undefined && alg !== 'SYMMETRIC_DEFAULT') throw validation(`${field} must be SYMMETRIC_DEFAULT for symmetric keys`);
}

export function assertSymmetricKey(key: ServiceKey): void {
  if (isRsaKeyType(key.type) && keyUsageOf(key) === 'ENCRYPT_DECRYPT') throw validation(`EncryptionAlgorithm must be one of ${encryptionAlgorithmsOf(key.type).join(', ')} for this RSA key`);
  if (key.type !== 'aes256') throw wrongUsage(key.id, key, 'encrypt or decrypt');
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
