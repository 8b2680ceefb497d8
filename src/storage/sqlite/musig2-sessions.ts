/**
 * SQLite side of MuSig2 signing sessions (migration 19). Taking a session is one DELETE … RETURNING:
 * of two callers (connections or processes sharing the file) only one gets the row, and with
 * synchronous=FULL the deletion is on disk before the call returns.
 */
import type Database from 'better-sqlite3';
import type { Musig2SessionRecord, Store } from '../types.js';

type Methods = Pick<Store, 'createMusig2Session' | 'getMusig2Session' | 'takeMusig2Session'>;

interface Row {
  id: string;
  key_id: string;
  params: string;
  sealed_nonce: Buffer;
  created_at: string;
  expires_at: number;
}

const COLUMNS = 'id, key_id, params, sealed_nonce, created_at, expires_at';
const toRecord = (r: Row): Musig2SessionRecord => ({ id: r.id, keyId: r.key_id, params: r.params, sealedNonce: new Uint8Array(r.sealed_nonce), createdAt: r.created_at, expiresAt: Number(r.expires_at) });

export function musig2SessionMethods(db: Database.Database): Methods {
  // Prepared on first use: a read-only store (offline tools) may open a file older than migration 19.
  const prepare = () => ({
    insert: db.prepare(`INSERT INTO musig2_sessions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`),
    prune: db.prepare('DELETE FROM musig2_sessions WHERE expires_at < ?'),
    get: db.prepare(`SELECT ${COLUMNS} FROM musig2_sessions WHERE id = ?`),
    take: db.prepare(`DELETE FROM musig2_sessions WHERE id = ? RETURNING ${COLUMNS}`),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const stmts = (): ReturnType<typeof prepare> => (prepared ??= prepare());
  const create = db.transaction((s: Musig2SessionRecord, nowMs: number) => {
    stmts().prune.run(nowMs);
    stmts().insert.run(s.id, s.keyId, s.params, Buffer.from(s.sealedNonce), s.createdAt, s.expiresAt);
  });
  return {
    async createMusig2Session(record, nowMs) {
      create.immediate(record, nowMs);
    },
    async getMusig2Session(id) {
      const r = stmts().get.get(id) as Row | undefined;
      return r && toRecord(r);
    },
    async takeMusig2Session(id) {
      const r = stmts().take.get(id) as Row | undefined;
      return r && toRecord(r);
    },
  };
}
