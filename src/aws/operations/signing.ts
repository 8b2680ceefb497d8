/**
 * Shared by Sign and Verify: SigningAlgorithm and MessageType → Strongbox payload fields.
 * ECDSA_SHA_256 (secp256k1, P-256): RAW = the message hashed with SHA-256, DIGEST = a 32-byte
 * SHA-256 digest; DER signatures, as AWS returns them. ED25519_SHA_512 (Ed25519): RAW only, PureEdDSA.
 * RSASSA_PSS_SHA_* / RSASSA_PKCS1_V1_5_SHA_* (RSA): RAW = the message hashed with the named hash,
 * DIGEST = a digest of that hash's length; the signature is the modulus-length RSA signature.
 */
import type { ServiceKey } from '../../service/shared/resolve-key.js';
import type { PayloadFields } from '../../service/shared/sign-payload.js';
import { AwsError, validation } from '../errors.js';
import { keyUsageOf, rsaSigningAlgorithms, signingAlgorithmsOf, wrongUsage } from '../key-metadata.js';
import { blob, hexOf, str, type AwsInput } from '../operation.js';

export const MAX_MESSAGE_BYTES = 4096;

export function signingPayload(key: ServiceKey, input: AwsInput): { fields: PayloadFields; algorithm: string } {
  const algorithm = str(input, 'SigningAlgorithm');
  const messageType = str(input, 'MessageType', true) ?? 'RAW';
  if (messageType !== 'RAW' && messageType !== 'DIGEST') throw validation('MessageType must be RAW or DIGEST');
  const message = blob(input, 'Message', MAX_MESSAGE_BYTES);
  if (keyUsageOf(key) !== 'SIGN_VERIFY') throw wrongUsage(key.id, key, 'sign or verify');
  if (!signingAlgorithmsOf(key.type).includes(algorithm)) {
    throw new AwsError('InvalidKeyUsageException', `SigningAlgorithm ${algorithm} is not valid for this key; use ${signingAlgorithmsOf(key.type).join(', ')}`, 'UNSUPPORTED_OPERATION');
  }
  const rsa = rsaSigningAlgorithms.get(algorithm);
  if (rsa !== undefined) {
    const bytes = { sha256: 32, sha384: 48, sha512: 64 }[rsa.hash];
    if (messageType === 'DIGEST') {
      if (message.length !== bytes) throw validation(`a DIGEST message for ${algorithm} must be ${bytes} bytes`);
      return { fields: { digest: hexOf(message), hash: rsa.hash, padding: rsa.padding, encoding: 'raw' }, algorithm };
    }
    return { fields: { message: hexOf(message), hash: rsa.hash, padding: rsa.padding, encoding: 'raw' }, algorithm };
  }
  if (key.type === 'ed25519') {
    if (messageType !== 'RAW') throw validation('ED25519_SHA_512 signs RAW messages only');
    return { fields: { message: hexOf(message) }, algorithm };
  }
  if (messageType === 'DIGEST') {
    if (message.length !== 32) throw validation('a DIGEST message for ECDSA_SHA_256 must be 32 bytes');
    return { fields: { digest: hexOf(message), encoding: 'der' }, algorithm };
  }
  return { fields: { message: hexOf(message), hash: 'sha256', encoding: 'der' }, algorithm };
}
