/**
 * PostgreSQL side of the KMIP metadata per key (migration 15) and its Name index (migration 20). The plaintext-export mark is written
 * once: the upsert never updates it, so no KMIP attribute change can turn it on. Also the KMIP items
 * that are not keys (migration 22: public keys, Secret Data and Opaque Object metadata) and their Names.
 */
import type { KmipItemRecord, KmipObjectRecord, Store } from '../types.js';
import type { PgAccess } from './transaction-rules.js';

type Methods = Pick<Store, 'getKmipObject' | 'putKmipObject' | 'listKmipObjects' | 'getKmipItem' | 'putKmipItem' | 'locateKmipItems'>;

interface Row {
  key_id: string;
  state: string;
  plaintext_export: boolean;
  attributes: string;
  updated_at: string;
}

interface ItemRow {
  seq: string;
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

const toRecord = (r: Row): KmipObjectRecord => ({ keyId: r.key_id, state: r.state, plaintextExport: r.plaintext_export, attributes: r.attributes, updatedAt: r.updated_at });
const COLUMNS = 'key_id, state, plaintext_export, attributes, updated_at';

export function kmipObjectMethods({ q, tx }: Pick<PgAccess, 'q' | 'tx'>): Methods {
  return {
    async getKmipObject(keyId) {
      const r = await q<Row>(`SELECT ${COLUMNS} FROM kmip_objects WHERE key_id = $1`, [keyId]);
      return r.rows[0] && toRecord(r.rows[0]);
    },
    async putKmipObject(o) {
      // The metadata and its Name index (migration 20) change together.
      await tx(async (c) => {
        await c.query(
          `INSERT INTO kmip_objects (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key_id) DO UPDATE SET state = excluded.state, attributes = excluded.attributes, updated_at = excluded.updated_at`,
          [o.keyId, o.state, o.plaintextExport, o.attributes, o.updatedAt],
        );
        if (o.names !== undefined) {
          await c.query('DELETE FROM kmip_names WHERE key_id = $1', [o.keyId]);
          if (o.names.length > 0) await c.query('INSERT INTO kmip_names (name, key_id) SELECT DISTINCT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [[...o.names], o.keyId]);
        }
      });
    },
    async listKmipObjects(after, limit) {
      return (await q<Row>(`SELECT ${COLUMNS} FROM kmip_objects WHERE key_id > $1 ORDER BY key_id LIMIT $2`, [after ?? '', limit])).rows.map(toRecord);
    },
    async getKmipItem(uid) {
      const r = await q<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM kmip_items WHERE uid = $1`, [uid]);
      return r.rows[0] && toItem(r.rows[0]);
    },
    async putKmipItem(o, ifUpdatedAt) {
      const publicKey = o.publicKey === null ? null : Buffer.from(o.publicKey);
      return tx(async (c) => {
        if (ifUpdatedAt === undefined) {
          await c.query('INSERT INTO kmip_items (uid, object_type, key_type, state, attributes, public_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [o.uid, o.objectType, o.keyType, o.state, o.attributes, publicKey, o.createdAt, o.updatedAt]);
        } else {
          const r = await c.query('UPDATE kmip_items SET state = $1, attributes = $2, public_key = $3, updated_at = $4 WHERE uid = $5 AND updated_at = $6', [o.state, o.attributes, publicKey, o.updatedAt, o.uid, ifUpdatedAt]);
          if (r.rowCount === 0) return false;
        }
        if (o.names !== undefined) {
          await c.query('DELETE FROM kmip_item_names WHERE uid = $1', [o.uid]);
          if (o.names.length > 0) await c.query('INSERT INTO kmip_item_names (name, uid) SELECT DISTINCT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [[...o.names], o.uid]);
        }
        return true;
      });
    },
    async locateKmipItems(filter, options) {
      // Every value is bound; kmip_items_type_seq, kmip_items_state_seq and kmip_item_names (migration 22) serve the conditions.
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const values: unknown[] = [Number.isSafeInteger(after) ? after : 0];
      const where: string[] = ['seq > $1'];
      const among = (column: string, list: readonly string[] | undefined) => {
        if (list === undefined) return;
        values.push([...list]);
        where.push(`${column} = ANY($${values.length}::text[])`);
      };
      among('object_type', filter.objectTypes);
      among('state', filter.states);
      among('key_type', filter.keyTypes);
      if (filter.name !== undefined) {
        values.push(filter.name);
        where.push(`uid IN (SELECT uid FROM kmip_item_names WHERE name = $${values.length})`);
      }
      values.push(options.limit + 1);
      const rows = (await q<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM kmip_items WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${values.length}`, values)).rows;
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { items: page.map(toItem), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
  };
}
