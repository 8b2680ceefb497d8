/**
 * SQLite side of the certificates attached to keys (migration 21): DER in plain (a certificate is
 * public), one row per key, keyed by the key id so that it cannot drift to another key.
 */
import type Database from 'better-sqlite3';
import type { KeyCertificateRecord, Store } from '../types.js';

type Methods = Pick<Store, 'getKeyCertificate' | 'putKeyCertificate' | 'deleteKeyCertificate'>;

interface Row {
  key_id: string;
  certificate: Buffer;
  updated_at: string;
}

const toRecord = (r: Row): KeyCertificateRecord => ({ keyId: r.key_id, certificate: new Uint8Array(r.certificate), updatedAt: r.updated_at });

export function keyCertificateMethods(db: Database.Database): Methods {
  // Prepared on first use: a read-only store (offline tools) may open a file older than migration 21.
  const prepare = () => ({
    get: db.prepare('SELECT key_id, certificate, updated_at FROM key_certificates WHERE key_id = ?'),
    put: db.prepare(`INSERT INTO key_certificates (key_id, certificate, updated_at) VALUES (?, ?, ?)
                     ON CONFLICT (key_id) DO UPDATE SET certificate = excluded.certificate, updated_at = excluded.updated_at`),
    delete: db.prepare('DELETE FROM key_certificates WHERE key_id = ?'),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const stmts = (): ReturnType<typeof prepare> => (prepared ??= prepare());
  return {
    async getKeyCertificate(keyId) {
      const r = stmts().get.get(keyId) as Row | undefined;
      return r && toRecord(r);
    },
    async putKeyCertificate(c) {
      stmts().put.run(c.keyId, Buffer.from(c.certificate), c.updatedAt);
    },
    async deleteKeyCertificate(keyId) {
      return stmts().delete.run(keyId).changes > 0;
    },
  };
}
