/** Random bytes from the CSPRNG for callers (AWS GenerateRandom). */
import { StrongboxError } from '../../protocol/errors.js';
import { randomBytes } from '../../crypto/random.js';

export const MAX_RANDOM_BYTES = 1024;

export function generateRandom(bytes: number): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_RANDOM_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `bytes must be an integer from 1 to ${MAX_RANDOM_BYTES}`, { field: 'bytes' });
  return randomBytes(bytes);
}
