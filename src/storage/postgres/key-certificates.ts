/**
 * PostgreSQL side of the certificates attached to keys (migration 21): DER in plain (a certificate is
 * public), one row per key, keyed by the key id so that it cannot drift to another key.
 */
import type { KeyCertificateRecord, Store } from '../types.js';
import type { PgAccess } from './transaction-rules.js';

type Methods = Pick<Store, 'getKeyCertificate' | 'putKeyCertificate' | 'deleteKeyCertificate'>;

interface Row {
  key_id: string;
  certificate: Buffer;
  updated_at: string;
}

const toRecord = (r: Row): KeyCertificateRecord => ({ keyId: r.key_id, certificate: new Uint8Array(r.certificate), updatedAt: r.updated_at });

export function keyCertificateMethods({ q }: Pick<PgAccess, 'q'>): Methods {
  return {
    async getKeyCertificate(keyId) {
      const r = await q<Row>('SELECT key_id, certificate, updated_at FROM key_certificates WHERE key_id = $1', [keyId]);
      return r.rows[0] && toRecord(r.rows[0]);
    },
    async putKeyCertificate(c) {
      await q(
        `INSERT INTO key_certificates (key_id, certificate, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key_id) DO UPDATE SET certificate = excluded.certificate, updated_at = excluded.updated_at`,
        [c.keyId, Buffer.from(c.certificate), c.updatedAt],
      );
    },
    async deleteKeyCertificate(keyId) {
      return ((await q('DELETE FROM key_certificates WHERE key_id = $1', [keyId])).rowCount ?? 0) > 0;
    },
  };
}
