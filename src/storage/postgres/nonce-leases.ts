/**
 * PostgreSQL side of nonce leases (migration 11), for several nodes on one database. Taking a lease
 * runs in one transaction: make sure the account's row exists (INSERT … ON CONFLICT DO NOTHING; a
 * concurrent insert of the same row waits for the other to commit), lock it (SELECT … FOR UPDATE),
 * decide (storage/nonce-leases.ts) and write back — so exactly one caller, on any node, takes a free
 * lease. Every time is the database's clock_timestamp(): expiries are compared on one clock whatever
 * the nodes' clocks say. Renew and release are single conditional UPDATEs on `holder`.
 */
import type { NonceAccount, Store } from '../types.js';
import { decideNonceLease, nonceLeaseFromColumns, type NonceLeaseColumns } from '../nonce-leases.js';
import type { PgAccess, TxClient } from './transaction-rules.js';

type Methods = Pick<Store, 'acquireNonceLease' | 'renewNonceLease' | 'releaseNonceLease'>;

/** The database's current time in ms since the epoch (clock_timestamp: the time now, not at transaction start). */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;


export function nonceLeaseMethods({ q, tx }: Pick<PgAccess, 'q' | 'tx'>): Methods {
  const ids = (a: NonceAccount): [string, string] => [a.chainId.toString(), a.address];
  const release = async (account: NonceAccount, holder: string, set: string, values: unknown[]): Promise<boolean> =>
    (await q(`UPDATE nonce_leases SET holder = NULL, expires_at = NULL${set} WHERE chain_id = $1 AND address = $2 AND holder = $3`, [...ids(account), holder, ...values])).rowCount === 1;
  return {
    async acquireNonceLease(account, holder, options) {
      return tx(async (c: TxClient) => {
        await c.query('INSERT INTO nonce_leases (chain_id, address) VALUES ($1, $2) ON CONFLICT (chain_id, address) DO NOTHING', ids(account));
        await c.query('SELECT 1 FROM nonce_leases WHERE chain_id = $1 AND address = $2 FOR UPDATE', ids(account));
        // Read (with the time) only once the lock is ours: waiting for it must not age `now`.
        const r = (await c.query<NonceLeaseColumns & { now_ms: number }>(`SELECT holder, expires_at, waiter, waiter_expires_at, last_nonce::text AS last_nonce, last_nonce_expires_at, ${NOW_MS} AS now_ms FROM nonce_leases WHERE chain_id = $1 AND address = $2`, ids(account))).rows[0]!;
        const { write, attempt } = decideNonceLease(
          nonceLeaseFromColumns(r),
          holder,
          r.now_ms,
          options,
        );
        if (write !== undefined) {
          await c.query('UPDATE nonce_leases SET holder = $3, expires_at = $4, waiter = $5, waiter_expires_at = $6 WHERE chain_id = $1 AND address = $2', [
            ...ids(account),
            write.holder,
            write.expiresAt,
            write.waiter,
            write.waiterExpiresAt,
          ]);
        }
        return attempt;
      });
    },
    async renewNonceLease(account, holder, leaseMs) {
      return (await q(`UPDATE nonce_leases SET expires_at = ${NOW_MS} + $4 WHERE chain_id = $1 AND address = $2 AND holder = $3`, [...ids(account), holder, leaseMs])).rowCount === 1;
    },
    async releaseNonceLease(account, holder, outcome) {
      if (outcome.kind === 'submitted') return release(account, holder, `, last_nonce = $4::numeric, last_nonce_expires_at = ${NOW_MS} + $5`, [outcome.nonce.toString(), outcome.rememberMs]);
      if (outcome.kind === 'failed') return release(account, holder, ', last_nonce = NULL, last_nonce_expires_at = NULL', []);
      return release(account, holder, '', []);
    },
  };
}
