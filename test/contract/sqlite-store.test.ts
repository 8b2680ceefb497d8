/** The Store contract against the SQLite backend on a real file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';
import { storeContract } from './store.contract.js';
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
