/**
 * SQLite side of the KMIP metadata per key (migration 15) and its Name index (migration 20). The plaintext-export mark is written once:
 * a later put keeps the stored value, so no KMIP attribute change can turn it on. Also the KMIP items
 * that are not keys (migration 22: public keys, Secret Data and Opaque Object metadata) and their Names.
 */
import type Database from 'better-sqlite3';
import type { KmipItemRecord, KmipObjectRecord, Store } from '../types.js';

type Methods = Pick<Store, 'getKmipObject' | 'putKmipObject' | 'listKmipObjects' | 'getKmipItem' | 'putKmipItem' | 'locateKmipItems'>;

interface Row {
  key_id: string;
  state: string;
  plaintext_export: number;
  attributes: string;
  updated_at: string;
}

interface ItemRow {
  seq: number;
  uid: string;
  object_type: string;
  key_type: string | null;
  state: string;
  attributes: string;
  public_key: Buffer | null;
  created_at: string;
  updated_at: string;
}

const ITEM_COLUMNS = 'seq, uid, object_type, key_type, state, attributes, public_key, created_at, updated_at';

const toItem = (r: ItemRow): KmipItemRecord => ({
  uid: r.uid,
  objectType: r.object_type,
  keyType: r.key_type,
  state: r.state,
  attributes: r.attributes,
  publicKey: r.public_key === null ? null : new Uint8Array(r.public_key),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

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
    getItem: db.prepare(`SELECT ${ITEM_COLUMNS} FROM kmip_items WHERE uid = ?`),
    insertItem: db.prepare('INSERT INTO kmip_items (uid, object_type, key_type, state, attributes, public_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    updateItem: db.prepare('UPDATE kmip_items SET state = ?, attributes = ?, public_key = ?, updated_at = ? WHERE uid = ? AND updated_at = ?'),
    clearItemNames: db.prepare('DELETE FROM kmip_item_names WHERE uid = ?'),
    addItemName: db.prepare('INSERT OR IGNORE INTO kmip_item_names (name, uid) VALUES (?, ?)'),
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
    async getKmipItem(uid) {
      const r = stmts().getItem.get(uid) as ItemRow | undefined;
      return r && toItem(r);
    },
    async putKmipItem(o, ifUpdatedAt) {
      const st = stmts();
      const publicKey = o.publicKey === null ? null : Buffer.from(o.publicKey);
      return db
        .transaction((): boolean => {
          if (ifUpdatedAt === undefined) st.insertItem.run(o.uid, o.objectType, o.keyType, o.state, o.attributes, publicKey, o.createdAt, o.updatedAt);
          else if (st.updateItem.run(o.state, o.attributes, publicKey, o.updatedAt, o.uid, ifUpdatedAt).changes === 0) return false;
          if (o.names !== undefined) {
            st.clearItemNames.run(o.uid);
            for (const name of o.names) st.addItemName.run(name, o.uid);
          }
          return true;
        })
        .immediate();
    },
    async locateKmipItems(filter, options) {
      // Dynamic only in the number of placeholders; every value is bound. kmip_items_type_seq,
      // kmip_items_state_seq and kmip_item_names (migration 22) serve the conditions.
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const where: string[] = ['seq > ?'];
      const values: unknown[] = [Number.isSafeInteger(after) ? after : 0];
      const among = (column: string, list: readonly string[] | undefined) => {
        if (list === undefined) return;
        where.push(`${column} IN (${list.map(() => '?').join(', ') || 'NULL'})`);
        values.push(...list);
      };
      among('object_type', filter.objectTypes);
      among('state', filter.states);
      among('key_type', filter.keyTypes);
      if (filter.name !== undefined) {
        where.push('uid IN (SELECT uid FROM kmip_item_names WHERE name = ?)');
        values.push(filter.name);
      }
      const rows = db.prepare(`SELECT ${ITEM_COLUMNS} FROM kmip_items WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...values, options.limit + 1) as ItemRow[];
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { items: page.map(toItem), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
  };
}
