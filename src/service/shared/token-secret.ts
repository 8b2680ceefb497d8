/**
 * Token secrets: 256-bit random bearer tokens ("sbt." + base64url) and their SHA-256, the only form
 * stored (a fast hash suffices for high-entropy secrets; lookup is by hash). Shared by authentication,
 * token creation and the root-token ceremonies.
 */
import { hash } from 'node:crypto';
import { randomBytes } from '../../crypto/random.js';

const TOKEN_PREFIX = 'sbt.';

export function newToken(): { token: string; tokenHash: Uint8Array; accessor: string } {
  const token = TOKEN_PREFIX + Buffer.from(randomBytes(32)).toString('base64url');
  return { token, tokenHash: hashToken(token), accessor: 'acc.' + Buffer.from(randomBytes(12)).toString('base64url') };
}

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(hash('sha256', token, 'buffer'));
}
