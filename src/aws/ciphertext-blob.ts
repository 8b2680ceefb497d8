/**
 * The AWS CiphertextBlob: self-describing, so Decrypt works without a KeyId (as in AWS KMS).
 *   byte 0    0x53 ('S')   magic
 *   byte 1    0x01         blob format version
 *   2..17     the key id (UUID, 16 bytes)
 *   18..      the Strongbox ciphertext (crypto/aes256 format: it names the key version; AAD-bound to the key id)
 * Frozen: blobs in callers' databases must decrypt forever.
 */
import { AwsError } from './errors.js';

const MAGIC = 0x53;
const VERSION = 1;
const HEADER_BYTES = 18;

export function toCiphertextBlob(keyId: string, ciphertext: Uint8Array): Uint8Array {
  const id = Buffer.from(keyId.replaceAll('-', ''), 'hex');
  if (id.length !== 16) throw new Error('key id is not a UUID');
  const out = new Uint8Array(HEADER_BYTES + ciphertext.length);
  out[0] = MAGIC;
  out[1] = VERSION;
  out.set(id, 2);
  out.set(ciphertext, HEADER_BYTES);
  return out;
}

export function parseCiphertextBlob(blob: Uint8Array): { keyId: string; ciphertext: Uint8Array } {
  if (blob.length <= HEADER_BYTES || blob[0] !== MAGIC || blob[1] !== VERSION) {
    throw new AwsError('InvalidCiphertextException', 'The ciphertext is not a Strongbox AWS ciphertext blob', 'DECRYPTION_FAILED');
  }
  const h = Buffer.from(blob.subarray(2, HEADER_BYTES)).toString('hex');
  const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return { keyId, ciphertext: blob.subarray(HEADER_BYTES) };
}
