/** The Store contract against the SQLite backend on a real file. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { key, storeContract } from './store.contract.js';
import { withKeyRecordCache } from '../../src/storage/key-record-cache.js';

storeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-store-'));
  let store = openSqliteStore(dir);
  return {
    store,
    async reopen() {
      await store.close();
      store = openSqliteStore(dir);
      return store;
    },
    async openSecond() {
      return openSqliteStore(dir);
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

storeContract('sqlite behind the key-record cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-store-cached-'));
  let store = withKeyRecordCache(openSqliteStore(dir));
  return {
    store,
    async reopen() {
      await store.close();
      store = withKeyRecordCache(openSqliteStore(dir));
      return store;
    },
    async openSecond() {
      return withKeyRecordCache(openSqliteStore(dir));
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite: spend reservations across processes', () => {
  it('4 processes × 25 concurrent reservations on one database file never exceed the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-store-procs-'));
    const store = openSqliteStore(dir); // runs the migrations once
    await store.close();
    const storeModule = new URL('../../src/storage/sqlite/index.js', import.meta.url).href;
    // Each process opens its own connection and fires 25 reservations of 3 against a limit of 100.
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(storeModule)});
      const { randomUUID } = await import('node:crypto');
      const store = openSqliteStore(process.argv[1]);
      const now = new Date().toISOString();
      const results = await Promise.all(Array.from({ length: 25 }, () => store.reserveSpend({ id: randomUUID(), scope: 'key', scopeId: 'shared', amount: 3n, createdAt: now, requestId: null }, 100n, '2000-01-01T00:00:00.000Z')));
      await store.close();
      process.stdout.write(String(results.filter((r) => r.reserved).length));
    `;
    try {
      const counts = await Promise.all(
        [0, 1, 2, 3].map(
          () =>
            new Promise<number>((resolve, reject) => {
              execFile(process.execPath, ['--input-type=module', '-e', script, dir], (err, stdout) => (err ? reject(err) : resolve(Number(stdout))));
            }),
        ),
      );
      assert.equal(counts.reduce((a, b) => a + b, 0), 33, `per process: ${counts.join(', ')}`);
      const check = openSqliteStore(dir);
      const probe = await check.reserveSpend({ id: 'probe', scope: 'key', scopeId: 'shared', amount: 0n, createdAt: new Date().toISOString(), requestId: null }, 100n, '2000-01-01T00:00:00.000Z');
      await check.close();
      assert.equal(probe.spent, 99n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite: the writer thread group-commits', () => {
  it('when SQLite rolls back the whole group transaction, no key of the group is written (none acknowledged, none orphaned)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-store-rollback-'));
    const store = openSqliteStore(dir);
    // A stand-in for SQLITE_FULL / IOERR, which roll back the whole transaction, not one savepoint.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec(`CREATE TRIGGER boom BEFORE INSERT ON keys WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'disk full (simulated)'); END`);
    db.close();
    try {
      // Created in one event-loop turn: one key batch, one transaction.
      const batch = [key({ name: 'before' }), key({ name: 'boom' }), key({ name: 'after' })];
      const results = await Promise.allSettled(batch.map((k) => store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt })));
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      );
      for (const k of batch) assert.equal(await store.getKey(k.id), undefined, `${k.name} must not be stored after its creation failed`);
      // The writer recovers: the next batch commits.
      const later = key({ name: 'later' });
      await store.createKey(later, { keyId: later.id, version: 1, sealedMaterial: new Uint8Array([2]), createdAt: later.createdAt });
      assert.equal((await store.getKey(later.id))?.name, 'later');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
