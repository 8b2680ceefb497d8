/**
 * SQLite side of signed requests (migration 17): application public keys and the replay cache of
 * signature nonces. A nonce is claimed by inserting its row; the primary key refuses a second claim.
 * Expired rows are deleted at most once a minute, on a claim.
 */
import type Database from 'better-sqlite3';
import type { AppKeyRecord, Store } from '../types.js';

type Methods = Pick<Store, 'createAppKey' | 'getAppKey' | 'listAppKeys' | 'revokeAppKey' | 'claimRequestNonce'>;

interface Row {
  key_id: string;
  accessor: string;
  algorithm: string;
  public_key: Buffer;
  created_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'key_id, accessor, algorithm, public_key, created_at, revoked_at';
const toRecord = (r: Row): AppKeyRecord => ({ keyId: r.key_id, accessor: r.accessor, algorithm: r.algorithm, publicKey: new Uint8Array(r.public_key), createdAt: r.created_at, revokedAt: r.revoked_at });
const NONCE_PRUNE_INTERVAL_MS = 60_000;

export function appKeyMethods(db: Database.Database): Methods {
  // Prepared on first use: a read-only store (offline tools) may open a file older than migration 17.
  const prepare = () => ({
    insert: db.prepare(`INSERT INTO app_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING`),
    get: db.prepare(`SELECT ${COLUMNS} FROM app_keys WHERE key_id = ?`),
    list: db.prepare(`SELECT ${COLUMNS} FROM app_keys WHERE key_id > ? ORDER BY key_id LIMIT ?`),
    listOf: db.prepare(`SELECT ${COLUMNS} FROM app_keys WHERE key_id > ? AND accessor = ? ORDER BY key_id LIMIT ?`),
    revoke: db.prepare('UPDATE app_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?'),
    claim: db.prepare('INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (key_id, nonce) DO NOTHING'),
    prune: db.prepare('DELETE FROM request_nonces WHERE expires_at < ?'),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const stmts = (): ReturnType<typeof prepare> => (prepared ??= prepare());
  let prunedAt = 0;
  return {
    async createAppKey(k) {
      return stmts().insert.run(k.keyId, k.accessor, k.algorithm, Buffer.from(k.publicKey), k.createdAt, k.revokedAt).changes === 1;
    },
    async getAppKey(keyId) {
      const r = stmts().get.get(keyId) as Row | undefined;
      return r && toRecord(r);
    },
    async listAppKeys(after, limit, accessor) {
      const rows = accessor === undefined ? stmts().list.all(after ?? '', limit) : stmts().listOf.all(after ?? '', accessor, limit);
      return (rows as Row[]).map(toRecord);
    },
    async revokeAppKey(keyId, revokedAt) {
      return stmts().revoke.run(revokedAt, keyId).changes === 1;
    },
    async claimRequestNonce(keyId, nonce, expiresAtMs, nowMs) {
      if (nowMs - prunedAt >= NONCE_PRUNE_INTERVAL_MS) {
        stmts().prune.run(nowMs);
        prunedAt = nowMs;
      }
      return stmts().claim.run(keyId, nonce, expiresAtMs).changes === 1;
    },
  };
}
