/**
 * Migration 20 (the KMIP Locate index) on a SQLite file left by a release at migration 15: the KMIP Names
 * already stored in kmip_objects (private and public halves) are copied into kmip_names, so Locate by
 * Name finds keys named before the upgrade; a key without KMIP metadata is found by type. Both stores:
 * SQLite (json_each) and PostgreSQL (jsonb), each started by the test.
 */

async function check(store: Store): Promise<void> {
  const ids = async (filter: Parameters<Store['locateKmipKeys']>[0]) => (await store.locateKmipKeys(filter, { limit: 10 })).keys.map((k) => k.id);
  assert.deepEqual(await ids({ name: 'db-master' }), ['k-aes']);
  assert.deepEqual(await ids({ name: 'sig-pub' }), ['k-pair']);
  assert.deepEqual(await ids({ name: 'shared' }), ['k-aes', 'k-pair']);
  assert.deepEqual(await ids({ name: 'nobody' }), []);
  assert.deepEqual(await ids({ types: ['secp256k1'] }), ['k-rest']);
}

const ATTRS = { aes: JSON.stringify({ names: ['db-master', 'shared'], custom: [] }), pair: JSON.stringify({ names: ['sig-priv'], publicNames: ['sig-pub', 'shared'], custom: [] }) };
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';
import { openPostgresStore, SCHEMA_MIGRATIONS_DDL } from '../../src/storage/postgres/index.js';
import { pgMigrations } from '../../src/storage/postgres/migrations.js';
import type { Store } from '../../src/storage/types.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

describe('migration 20: KMIP Names stored before the upgrade are indexed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-kmip-m20-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite: Locate by Name finds pre-upgrade names (both halves), and by type a key without KMIP metadata', async () => {
    const db = sqliteAtVersion(dir, 15);
    const insertKey = db.prepare(`INSERT INTO keys (id, name, type, origin, state, public_key, kcv, current_version, created_at) VALUES (?, NULL, ?, 'generated', 'enabled', x'04', NULL, 1, '2026-01-01T00:00:00.000Z')`);
    insertKey.run('k-aes', 'aes256');
    insertKey.run('k-pair', 'p256');
    insertKey.run('k-rest', 'secp256k1');
    const meta = db.prepare(`INSERT INTO kmip_objects (key_id, state, plaintext_export, attributes, updated_at) VALUES (?, 'active', 0, ?, '2026-01-01T00:00:00.000Z')`);
    meta.run('k-aes', ATTRS.aes);
    meta.run('k-pair', ATTRS.pair);
    db.close();
    const store = openSqliteStore(dir);
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: the same after the upgrade from migration 15', async () => {
    let cluster: PostgresCluster | undefined;
    try {
      cluster = await startPostgres();
      const url = await cluster.createDatabase('kmip_m20');
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(SCHEMA_MIGRATIONS_DDL);
        for (const m of pgMigrations.filter((x) => x.version <= 15)) {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
        }
        for (const [id, type] of [['k-aes', 'aes256'], ['k-pair', 'p256'], ['k-rest', 'secp256k1']]) {
          await c.query(`INSERT INTO keys (id, name, type, origin, state, public_key, kcv, current_version, created_at) VALUES ($1, NULL, $2, 'generated', 'enabled', '\\x04', NULL, 1, '2026-01-01T00:00:00.000Z')`, [id, type]);
        }
        for (const [id, attrs] of [['k-aes', ATTRS.aes], ['k-pair', ATTRS.pair]]) {
          await c.query(`INSERT INTO kmip_objects (key_id, state, plaintext_export, attributes, updated_at) VALUES ($1, 'active', false, $2, '2026-01-01T00:00:00.000Z')`, [id, attrs]);
        }
      } finally {
        await c.end();
      }
      const store = await openPostgresStore(url);
      try {
        await check(store);
      } finally {
        await store.close();
      }
    } finally {
      cluster?.stop();
    }
  });
});
