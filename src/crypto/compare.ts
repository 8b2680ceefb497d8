/**
 * Constant-time comparison of secrets (tokens, token hashes, shares). Lengths are not
 * secret here: callers compare fixed-length digests, so a length mismatch returns early.
 */
import { timingSafeEqual } from 'node:crypto';

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}
