/**
 * PostgreSQL side of MuSig2 signing sessions (migration 19), shared by every node of the database.
 * Taking a session is one DELETE … RETURNING (autocommit): of concurrent callers on any node only one
 * gets the row, and the deletion is committed before the call returns.
 */
import type { Musig2SessionRecord, Store } from '../types.js';
import type { PgAccess } from './transaction-rules.js';

type Methods = Pick<Store, 'createMusig2Session' | 'getMusig2Session' | 'takeMusig2Session'>;

interface Row {
  id: string;
  key_id: string;
  params: string;
  sealed_nonce: Buffer;
  created_at: string;
  expires_at: string | number;
}

const COLUMNS = 'id, key_id, params, sealed_nonce, created_at, expires_at';
const toRecord = (r: Row): Musig2SessionRecord => ({ id: r.id, keyId: r.key_id, params: r.params, sealedNonce: new Uint8Array(r.sealed_nonce), createdAt: r.created_at, expiresAt: Number(r.expires_at) });

export function musig2SessionMethods({ q, tx }: Pick<PgAccess, 'q' | 'tx'>): Methods {
  return {
    async createMusig2Session(s, nowMs) {
      await tx(async (c) => {
        await c.query('DELETE FROM musig2_sessions WHERE expires_at < $1', [nowMs]);
        await c.query(`INSERT INTO musig2_sessions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [s.id, s.keyId, s.params, Buffer.from(s.sealedNonce), s.createdAt, s.expiresAt]);
      });
    },
    async getMusig2Session(id) {
      const r = await q<Row>(`SELECT ${COLUMNS} FROM musig2_sessions WHERE id = $1`, [id]);
      return r.rows[0] && toRecord(r.rows[0]);
    },
    async takeMusig2Session(id) {
      const r = await q<Row>(`DELETE FROM musig2_sessions WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      return r.rows[0] && toRecord(r.rows[0]);
    },
  };
}
