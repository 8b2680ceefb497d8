/**
 * SQLite side of nonce leases (migration 11). Taking a lease reads and writes the account's row in
 * one IMMEDIATE transaction (the write lock is taken before the read), so two connections — or two
 * processes sharing the file — cannot both take it; the rules are storage/nonce-leases.ts. The
 * clock is this host's (every connection to the file is on it).
 */
import type Database from 'better-sqlite3';
import type { NonceAccount, Store } from '../types.js';
import { decideNonceLease, EMPTY_NONCE_LEASE, nonceLeaseFromColumns, type NonceLeaseColumns } from '../nonce-leases.js';

type Methods = Pick<Store, 'acquireNonceLease' | 'renewNonceLease' | 'releaseNonceLease'>;


export function nonceLeaseMethods(db: Database.Database): Methods {
  // Prepared on first use: a read-only store (offline tools) may open a file older than migration 11.
  const prepare = () => ({
    get: db.prepare('SELECT holder, expires_at, waiter, waiter_expires_at, last_nonce, last_nonce_expires_at FROM nonce_leases WHERE chain_id = ? AND address = ?'),
    put: db.prepare(`INSERT INTO nonce_leases (chain_id, address, holder, expires_at, waiter, waiter_expires_at, last_nonce, last_nonce_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                     ON CONFLICT (chain_id, address) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, waiter = excluded.waiter, waiter_expires_at = excluded.waiter_expires_at,
                       last_nonce = excluded.last_nonce, last_nonce_expires_at = excluded.last_nonce_expires_at`),
    renew: db.prepare('UPDATE nonce_leases SET expires_at = ? WHERE chain_id = ? AND address = ? AND holder = ?'),
    releaseUnused: db.prepare('UPDATE nonce_leases SET holder = NULL, expires_at = NULL WHERE chain_id = ? AND address = ? AND holder = ?'),
    releaseFailed: db.prepare('UPDATE nonce_leases SET holder = NULL, expires_at = NULL, last_nonce = NULL, last_nonce_expires_at = NULL WHERE chain_id = ? AND address = ? AND holder = ?'),
    releaseSubmitted: db.prepare('UPDATE nonce_leases SET holder = NULL, expires_at = NULL, last_nonce = ?, last_nonce_expires_at = ? WHERE chain_id = ? AND address = ? AND holder = ?'),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const stmts = (): ReturnType<typeof prepare> => (prepared ??= prepare());
  const ids = (a: NonceAccount): [string, string] => [a.chainId.toString(), a.address];
  const acquire = db.transaction((account: NonceAccount, holder: string, options: { leaseMs: number; waitMs: number }) => {
    const r = stmts().get.get(...ids(account)) as NonceLeaseColumns | undefined;
    const row = r === undefined ? EMPTY_NONCE_LEASE : nonceLeaseFromColumns(r);
    const { write, attempt } = decideNonceLease(row, holder, Date.now(), options);
    if (write !== undefined) stmts().put.run(...ids(account), write.holder, write.expiresAt, write.waiter, write.waiterExpiresAt, write.lastNonce, write.lastNonceExpiresAt);
    return attempt;
  });
  return {
    async acquireNonceLease(account, holder, options) {
      return acquire.immediate(account, holder, options);
    },
    async renewNonceLease(account, holder, leaseMs) {
      return stmts().renew.run(Date.now() + leaseMs, ...ids(account), holder).changes === 1;
    },
    async releaseNonceLease(account, holder, outcome) {
      const r =
        outcome.kind === 'submitted'
          ? stmts().releaseSubmitted.run(outcome.nonce.toString(), Date.now() + outcome.rememberMs, ...ids(account), holder)
          : (outcome.kind === 'failed' ? stmts().releaseFailed : stmts().releaseUnused).run(...ids(account), holder);
      return r.changes === 1;
    },
  };
}
