/**
 * Nonce leases (migration 11), the part both backends share: what taking a lease does to an
 * account's row, decided from the row as read under the backend's lock and the backend's clock.
 * The backends only read the row exclusively and write back what this returns, so SQLite and
 * PostgreSQL cannot drift apart in the rules:
 *  - the lease is free when nobody holds it or its holder's expiry has passed;
 *  - a free lease goes to the caller unless another caller's claim to be next is still standing;
 *  - a refused caller becomes the one next in line when there is none (or it already is), for `waitMs`;
 *  - the remembered last nonce is handed out only until its own expiry.
 * Times are milliseconds since the epoch; nonces are decimal text (EIP-2681 allows up to 2^64 − 2).
 */
import type { NonceLeaseAttempt } from './types.js';

export interface NonceLeaseRow {
  holder: string | null;
  expiresAt: number | null;
  waiter: string | null;
  waiterExpiresAt: number | null;
  lastNonce: string | null;
  lastNonceExpiresAt: number | null;
}

/** The row as both backends select it (column names). */
export interface NonceLeaseColumns {
  holder: string | null;
  expires_at: number | null;
  waiter: string | null;
  waiter_expires_at: number | null;
  last_nonce: string | null;
  last_nonce_expires_at: number | null;
}

export function nonceLeaseFromColumns(r: NonceLeaseColumns): NonceLeaseRow {
  return { holder: r.holder, expiresAt: r.expires_at, waiter: r.waiter, waiterExpiresAt: r.waiter_expires_at, lastNonce: r.last_nonce, lastNonceExpiresAt: r.last_nonce_expires_at };
}

export const EMPTY_NONCE_LEASE: NonceLeaseRow = { holder: null, expiresAt: null, waiter: null, waiterExpiresAt: null, lastNonce: null, lastNonceExpiresAt: null };

/** The row to write back (undefined: leave it) and the answer for the caller. */
export function decideNonceLease(row: NonceLeaseRow, holder: string, now: number, options: { leaseMs: number; waitMs: number }): { write: NonceLeaseRow | undefined; attempt: NonceLeaseAttempt } {
  const free = row.holder === null || row.expiresAt === null || row.expiresAt <= now;
  const waiterStands = row.waiter !== null && row.waiter !== holder && row.waiterExpiresAt !== null && row.waiterExpiresAt > now;
  if (free && !waiterStands) {
    const remembered = row.lastNonce !== null && row.lastNonceExpiresAt !== null && row.lastNonceExpiresAt > now;
    return {
      // Taking the lease uses up this caller's claim (or a lapsed one of another's).
      write: { ...row, holder, expiresAt: now + options.leaseMs, waiter: null, waiterExpiresAt: null },
      attempt: remembered ? { acquired: true, lastNonce: BigInt(row.lastNonce!), lastNonceExpiresInMs: row.lastNonceExpiresAt! - now } : { acquired: true, lastNonce: undefined },
    };
  }
  if (waiterStands) return { write: undefined, attempt: { acquired: false } };
  return { write: { ...row, waiter: holder, waiterExpiresAt: now + options.waitMs }, attempt: { acquired: false } };
}
