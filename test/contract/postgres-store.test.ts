/**
 * The Store contract against the PostgreSQL backend, on a throwaway cluster this file starts
 * (test/helpers/postgres.ts): one cluster, a fresh database per suite. Plus what only PostgreSQL
 * has: migrations mirrored from SQLite, applied once when several nodes start together.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/index.js';
import { pgMigrations } from '../../src/storage/postgres/migrations.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { SnapshotUnsupportedError, type Store } from '../../src/storage/types.js';
import { withKeyRecordCache } from '../../src/storage/key-record-cache.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { storeContract } from './store.contract.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.stop());

for (const cached of [false, true]) {
  storeContract(cached ? 'postgres behind the key-record cache' : 'postgres', async () => {
    const url = await cluster.createDatabase();
    const open = async (): Promise<Store> => (cached ? withKeyRecordCache(await openPostgresStore(url)) : openPostgresStore(url));
    let store = await open();
    return {
      store,
      async reopen() {
        await store.close();
        store = await open();
        return store;
      },
      openSecond: open,
      async cleanup() {
        await store.close();
      },
    };
  });
}

describe('PostgreSQL storage specifics', () => {
  it('mirrors the SQLite migrations: same versions, same names', () => {
    assert.deepEqual(
      pgMigrations.map((m) => [m.version, m.name]),
      migrations.map((m) => [m.version, m.name]),
    );
  });

  it('nodes starting at once migrate once (advisory lock); every table has the schema', async () => {
    const url = await cluster.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    try {
      for (const s of stores) assert.equal(await s.schemaVersion(), migrations.at(-1)!.version);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const r = await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(r.rows.map((x) => x.version), migrations.map((m) => m.version));
        const sync = await c.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
        assert.equal(sync.rows[0]!.synchronous_commit, 'on');
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('snapshot() refuses, pointing to pg_dump / pg_basebackup', async () => {
    const store = await openPostgresStore(await cluster.createDatabase());
    try {
      await assert.rejects(store.snapshot(), (e: unknown) => e instanceof SnapshotUnsupportedError && /pg_dump/.test(e.message) && /pg_basebackup/.test(e.message));
    } finally {
      await store.close();
    }
  });

  it('an unreachable server is a clear error naming the URL without its password', async () => {
    await assert.rejects(openPostgresStore(`postgres://u:hunter2@127.0.0.1:1/nope`), (e: unknown) => e instanceof Error && /cannot open PostgreSQL storage/.test(e.message) && !e.message.includes('hunter2'));
  });
});
