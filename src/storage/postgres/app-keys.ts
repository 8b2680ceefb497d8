/**
 * PostgreSQL side of signed requests (migration 17): application public keys and the replay cache of
 * signature nonces, shared by every node of the database. A nonce is claimed by inserting its row; the
 * primary key refuses a second claim, from this node or another. Expired rows are deleted at most once a
 * minute per node, on a claim.
 */
import type { AppKeyRecord, Store } from '../types.js';
import type { PgAccess } from './transaction-rules.js';

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

export function appKeyMethods({ q }: Pick<PgAccess, 'q'>): Methods {
  let prunedAt = 0;
  return {
    async createAppKey(k) {
      const r = await q(`INSERT INTO app_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_id) DO NOTHING`, [k.keyId, k.accessor, k.algorithm, Buffer.from(k.publicKey), k.createdAt, k.revokedAt]);
      return r.rowCount === 1;
    },
    async getAppKey(keyId) {
      const r = await q<Row>(`SELECT ${COLUMNS} FROM app_keys WHERE key_id = $1`, [keyId]);
      return r.rows[0] && toRecord(r.rows[0]);
    },
    async listAppKeys(after, limit, accessor) {
      const r =
        accessor === undefined
          ? await q<Row>(`SELECT ${COLUMNS} FROM app_keys WHERE key_id COLLATE "C" > $1 ORDER BY key_id COLLATE "C" LIMIT $2`, [after ?? '', limit])
          : await q<Row>(`SELECT ${COLUMNS} FROM app_keys WHERE key_id COLLATE "C" > $1 AND accessor = $3 ORDER BY key_id COLLATE "C" LIMIT $2`, [after ?? '', limit, accessor]);
      return r.rows.map(toRecord);
    },
    async revokeAppKey(keyId, revokedAt) {
      return (await q('UPDATE app_keys SET revoked_at = coalesce(revoked_at, $1) WHERE key_id = $2', [revokedAt, keyId])).rowCount === 1;
    },
    async claimRequestNonce(keyId, nonce, expiresAtMs, nowMs) {
      if (nowMs - prunedAt >= NONCE_PRUNE_INTERVAL_MS) {
        prunedAt = nowMs;
        await q('DELETE FROM request_nonces WHERE expires_at < $1', [nowMs]);
      }
      const r = await q('INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key_id, nonce) DO NOTHING', [keyId, nonce, expiresAtMs]);
      return r.rowCount === 1;
    },
  };
}
