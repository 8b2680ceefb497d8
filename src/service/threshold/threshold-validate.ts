/** Boundary checks shared by the threshold operations, each naming its field. */
import { StrongboxError } from '../../protocol/errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Peer ids: short, printable, and never a prototype member name by accident (looked up with find/Map). */
export const PEER_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function assertSessionId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new StrongboxError('INVALID_ARGUMENT', 'sessionId must be a lowercase UUID', { field: 'sessionId' });
}

export function assertPeerId(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !PEER_ID.test(value)) throw new StrongboxError('INVALID_ARGUMENT', `${field} must be 1-63 characters of a-z 0-9 . _ - starting with a letter or digit`, { field });
}

export function assertHexString(value: unknown, field: string, maxChars = 4096): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxChars || value.length % 2 !== 0 || !/^[0-9a-f]+$/.test(value)) {
    throw new StrongboxError('THRESHOLD_PROTOCOL_ERROR', `${field} must be lowercase hex`, { field });
  }
}
