/**
 * Shared by GenerateMac and VerifyMac: the key must be an HMAC key (KeyUsage GENERATE_VERIFY_MAC,
 * else InvalidKeyUsageException) and MacAlgorithm one it supports (HMAC_256 keys: HMAC_SHA_256).
 * Message is 1 to 4096 bytes, as in AWS KMS.
 */
import type { ServiceKey } from '../../service/shared/resolve-key.js';
import { AwsError, validation } from '../errors.js';
import { keyUsageOf, macAlgorithmsOf, wrongUsage } from '../key-metadata.js';
import { blob, str, type AwsInput } from '../operation.js';

export const MAX_MAC_MESSAGE_BYTES = 4096;
/** The MacAlgorithmSpec enum of the AWS KMS API. */
const MAC_ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'];

export function macRequest(key: ServiceKey, input: AwsInput): { algorithm: string; message: Uint8Array } {
  const algorithm = str(input, 'MacAlgorithm');
  if (!MAC_ALGORITHMS.includes(algorithm)) {
    throw validation(`1 validation error detected: Value '${algorithm.slice(0, 64)}' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [${MAC_ALGORITHMS.join(', ')}]`);
  }
  const message = blob(input, 'Message', MAX_MAC_MESSAGE_BYTES);
  if (keyUsageOf(key) !== 'GENERATE_VERIFY_MAC') throw wrongUsage(key.id, key, 'generate or verify MACs');
  if (!macAlgorithmsOf(key.type).includes(algorithm)) {
    throw new AwsError('InvalidKeyUsageException', `MacAlgorithm ${algorithm} is not valid for this key; use ${macAlgorithmsOf(key.type).join(', ')}`, 'UNSUPPORTED_OPERATION');
  }
  return { algorithm, message };
}
