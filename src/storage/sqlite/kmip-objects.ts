/**
 * SQLite side of the KMIP metadata per key (migration 15) and its Name index (migration 20). The plaintext-export mark is written once:
 * a later put keeps the stored value, so no KMIP attribute change can turn it on.
 */
import type Database from 'better-sqlite3';
import type { KmipObjectRecord, Store } from '../types.js';

type Methods = Pick<Store, 'getKmipObject' | 'putKmipObject' | 'listKmipObjects'>;

interface Row {
  key_id: string;
  state: string;
  plaintext_export: number;
  attributes: string;
  updated_at: string;
}

const toRecord = (r: Row): KmipObjectRecord => ({ keyId: r.key_id, state: r.state, plaintextExport: r.plaintext_export === 1, attributes: r.attributes, updatedAt: r.updated_at });

export function kmipObjectMethods(db: Database.Database): Methods {
  // Prepared on first use: a read-only store (offline tools) may open a file older than migration 15.
  const prepare = () => ({
    get: db.prepare('SELECT key_id, state, plaintext_export, attributes, updated_at FROM kmip_objects WHERE key_id = ?'),
    put: db.prepare(`INSERT INTO kmip_objects (key_id, state, plaintext_export, attributes, updated_at) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (key_id) DO UPDATE SET state = excluded.state, attributes = excluded.attributes, updated_at = excluded.updated_at`),
    list: db.prepare('SELECT key_id, state, plaintext_export, attributes, updated_at FROM kmip_objects WHERE key_id > ? ORDER BY key_id LIMIT ?'),
    clearNames: db.prepare('DELETE FROM kmip_names WHERE key_id = ?'),
    addName: db.prepare('INSERT OR IGNORE INTO kmip_names (name, key_id) VALUES (?, ?)'),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const stmts = (): ReturnType<typeof prepare> => (prepared ??= prepare());
  return {
    async getKmipObject(keyId) {
      const r = stmts().get.get(keyId) as Row | undefined;
      return r && toRecord(r);
    },
    async putKmipObject(o) {
      const st = stmts();
      // The metadata and its Name index change together (one transaction).
      db.transaction(() => {
        st.put.run(o.keyId, o.state, o.plaintextExport ? 1 : 0, o.attributes, o.updatedAt);
        if (o.names !== undefined) {
          st.clearNames.run(o.keyId);
          for (const name of o.names) st.addName.run(name, o.keyId);
        }
      }).immediate();
    },
    async listKmipObjects(after, limit) {
      return (stmts().list.all(after ?? '', limit) as Row[]).map(toRecord);
    },
  };
}
