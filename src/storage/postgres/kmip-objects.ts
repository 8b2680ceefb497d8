/**
 * PostgreSQL side of the KMIP metadata per key (migration 15) and its Name index (migration 20). The plaintext-export mark is written
 * once: the upsert never updates it, so no KMIP attribute change can turn it on.
 */
import type { KmipObjectRecord, Store } from '../types.js';
import type { PgAccess } from './transaction-rules.js';

type Methods = Pick<Store, 'getKmipObject' | 'putKmipObject' | 'listKmipObjects'>;

interface Row {
  key_id: string;
  state: string;
  plaintext_export: boolean;
  attributes: string;
  updated_at: string;
}

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
  };
}
