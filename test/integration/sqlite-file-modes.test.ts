/**
 * Every file Strongbox keeps in a SQLite data directory is owner-only (issue 14): the database and its
 * -wal and -shm are 0600 inside the 0700 directory, whatever the umask (this file runs with umask 0, the
 * most permissive) — and so is a database restored from a backup. Files an older release left 0644 are
 * tightened when the store opens. Checked with fs.stat on real files (in-process server, real SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreFromBackup } from '../../src/app.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { startTestBox, type TestBox } from '../helpers/app.js';

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** name → octal mode of every entry of `dir` */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = modeOf(join(dir, name));
  return out;
}

describe('SQLite data directory: owner-only files, whatever the umask', () => {
  let previousUmask: number;
  let root: string;
  let box: TestBox | undefined;

  before(() => {
    previousUmask = process.umask(0);
    root = mkdtempSync(join(tmpdir(), 'strongbox-modes-'));
  });
  after(async () => {
    await box?.stop().catch(() => undefined);
    process.umask(previousUmask);
    rmSync(root, { recursive: true, force: true });
  });

  it('a new data directory is 0700 and its database, -wal and -shm are 0600 while the server writes', async () => {
    const dataDir = join(root, 'data');
    box = await startTestBox({ dataDir });
    for (let i = 0; i < 5; i++) assert.equal((await box.call('POST', '/v1/keys', { type: 'ed25519' })).status, 201);
    assert.equal(modeOf(dataDir), '700');
    const files = modes(dataDir);
    for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) assert.ok(name in files, `${name} exists while the server runs: ${JSON.stringify(files)}`);
    assert.deepEqual(Object.entries(files).filter(([, mode]) => mode !== '600'), [], `every file is 0600: ${JSON.stringify(files)}`);
  });

  it('a database restored from a backup is 0600, and stays so when the server opens it', async () => {
    const res = await box!.box.http.inject({ method: 'GET', url: '/v1/sys/backup', headers: { authorization: `Bearer ${box!.rootToken}` } });
    assert.equal(res.statusCode, 200, res.body);
    const shares = box!.shares.map((s) => Uint8Array.from(Buffer.from(s.replace(/^0x/, ''), 'hex')));
    const target = join(root, 'restored');
    await restoreFromBackup({ dataDir: target, backup: new Uint8Array(res.rawPayload), seal: 'shamir', providers: {}, shares });
    assert.equal(modeOf(target), '700');
    assert.deepEqual(modes(target), { [SQLITE_FILE]: '600' });
    const store = openSqliteStore(target);
    try {
      await store.putSysValues({ probe: new Uint8Array([1]) });
      const files = modes(target);
      assert.deepEqual(Object.entries(files).filter(([, mode]) => mode !== '600'), [], JSON.stringify(files));
    } finally {
      await store.close();
    }
  });

  it('files an older release left 0644 are tightened to 0600 when the store opens', async () => {
    await box!.stop();
    box = undefined;
    const dataDir = join(root, 'data');
    // A reader keeps the WAL and shared-memory files in place while the files are loosened.
    const reader = openSqliteStore(dataDir, { readonly: true });
    try {
      await reader.getSysValue('x');
      const loose = [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`].map((n) => join(dataDir, n)).filter((p) => existsSync(p));
      assert.ok(loose.length >= 2, 'the database and at least its -shm are there');
      for (const p of loose) chmodSync(p, 0o644);
      const store = openSqliteStore(dataDir);
      try {
        for (const p of loose) assert.equal(modeOf(p), '600', p);
      } finally {
        await store.close();
      }
    } finally {
      await reader.close();
    }
  });
});
