/**
 * Copying a SQLite snapshot into PostgreSQL (storage/postgres/import-sqlite.ts) on a throwaway
 * cluster: a snapshot of EVERY schema version copies and ends at the latest version (so a migration
 * whose SQLite and PostgreSQL sides disagree, or that brings a column type the copy does not map,
 * fails here); values keep their types and exact size; identity sequences continue after the copied
 * rows and SQLite's AUTOINCREMENT high-water marks; data migrations run on the copied rows; and every
 * refusal or failure, before or in the middle of the copy, leaves the database without a table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { assertPostgresEmpty, COPYABLE_COLUMN_TYPES, importSqliteSnapshot } from '../../src/storage/postgres/import-sqlite.js';
import { openPostgresStore } from '../../src/storage/postgres/index.js';
import { pgMigrations } from '../../src/storage/postgres/migrations.js';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { SnapshotSchemaError, StorageNotEmptyError, type ApprovalRecord, type KeyRecord } from '../../src/storage/types.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

const LATEST = pgMigrations.at(-1)!.version;

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const tablesOf = (url: string): Promise<string[]> =>
  withPg(url, async (c) => (await c.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)).rows.map((r) => r.t));

describe('copying a SQLite snapshot into PostgreSQL', () => {
  let cluster: PostgresCluster;
  let dir: string;
  /** a SQLite file at `version` in a fresh directory; `fill` writes rows with raw SQL */
  const snapshot = (version: number, fill: (db: Database.Database) => void = () => undefined): string => {
    const d = mkdtempSync(join(dir, 'snap-'));
    const db = sqliteAtVersion(d, version);
    fill(db);
    db.close();
    return join(d, SQLITE_FILE);
  };

  before(async () => {
    cluster = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'strongbox-pg-import-'));
  });
  after(() => {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a snapshot of every schema version copies, and the database ends at the latest version with every table', async () => {
    let latestTables: string[] | undefined;
    // Every version this release has (the list may skip numbers reserved for other builds).
    for (const version of pgMigrations.map((m) => m.version)) {
      const url = await cluster.createDatabase('every');
      const r = await importSqliteSnapshot(url, snapshot(version));
      assert.deepEqual([r.fromVersion, r.schemaVersion], [version, LATEST], `version ${version}`);
      const versions = await withPg(url, async (c) => (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((x) => x.version));
      assert.deepEqual(versions, pgMigrations.map((m) => m.version), `version ${version}: every migration recorded once`);
      const tables = await tablesOf(url);
      latestTables ??= tables;
      assert.deepEqual(tables, latestTables, `version ${version}: the same tables as from version 1`);
    }
    // The same tables a node creates by itself.
    const fresh = await cluster.createDatabase('node');
    await (await openPostgresStore(fresh)).close();
    assert.deepEqual(await tablesOf(fresh), latestTables);
  });

  it('every column of the latest PostgreSQL schema has a type the copy maps', async () => {
    const url = await cluster.createDatabase('types');
    await (await openPostgresStore(url)).close();
    const cols = await withPg(url, async (c) => (await c.query<{ t: string; c: string; type: string }>(`SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema()`)).rows);
    assert.ok(cols.length > 50, 'control: the catalog query sees the schema');
    assert.deepEqual(cols.filter((x) => !COPYABLE_COLUMN_TYPES.has(x.type)), []);
  });

  it('values keep their type and exact size; sequences continue after the copied rows and SQLite AUTOINCREMENT high-water marks', async () => {
    const pub = Buffer.from('04' + 'ab'.repeat(64), 'hex');
    const file = snapshot(LATEST, (db) => {
      const key = db.prepare(`INSERT INTO keys (id, name, type, origin, state, exportable, public_key, kcv, current_version, created_at, tags) VALUES (?, ?, 'secp256k1', 'generated', 'enabled', ?, ?, NULL, 1, '2026-01-01T00:00:00.000Z', '{"a":"b"}')`);
      const version = db.prepare(`INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES (?, 1, ?, '2026-01-01T00:00:00.000Z')`);
      for (const [i, id] of ['k1', 'k2', 'k3'].entries()) {
        key.run(id, `name-${id}`, i % 2, pub);
        version.run(id, Buffer.from([i, 0, 255]));
      }
      // A deleted last row: AUTOINCREMENT never gives seq 3 again, and neither may PostgreSQL.
      db.exec(`DELETE FROM key_versions WHERE key_id = 'k3'; DELETE FROM keys WHERE id = 'k3'`);
      db.prepare(`INSERT INTO key_aliases (alias, key_id, created_at) VALUES ('alias-1', 'k1', 'x')`).run();
      db.prepare(`INSERT INTO wallets (id, name, origin, sealed_seed, created_at) VALUES ('w1', 'treasury', 'generated', ?, 'x')`).run(Buffer.alloc(80, 7));
      db.prepare(`INSERT INTO tokens (accessor, token_hash, name, subject, policies, created_at, ttl_seconds, rate_per_second, rate_burst) VALUES ('acc1', ?, NULL, 'alice', '["signer"]', 'x', ?, 2.5, 5)`).run(Buffer.alloc(32, 1), 2n ** 53n + 1n);
      db.prepare(`INSERT INTO secrets (path, current_version, created_at, updated_at) VALUES ('app/db', 2, 'x', 'x')`).run();
      db.prepare(`INSERT INTO secret_versions (path, version, sealed_value, created_at, destroyed) VALUES ('app/db', 1, NULL, 'x', 1), ('app/db', 2, ?, 'x', 0)`).run(Buffer.from([9, 9]));
      db.prepare(`INSERT INTO spend_reservations (id, scope, scope_id, amount, created_at, request_id) VALUES ('r1', 'key', 'k1', ?, 'x', NULL)`).run((10n ** 30n).toString());
    });
    const url = await cluster.createDatabase('values');
    const r = await importSqliteSnapshot(url, file);
    assert.equal(r.rows['keys'], 2);
    assert.equal(r.rows['key_versions'], 2);
    assert.equal(r.rows['approvals'], 0);
    await withPg(url, async (c) => {
      const keys = (await c.query<{ seq: string; id: string; exportable: boolean; public_key: Buffer; tags: string }>('SELECT seq::text, id, exportable, public_key, tags FROM keys ORDER BY seq')).rows;
      assert.deepEqual(
        keys.map((k) => [k.seq, k.id, k.exportable, k.public_key.equals(pub), k.tags]),
        [
          ['1', 'k1', false, true, '{"a":"b"}'],
          ['2', 'k2', true, true, '{"a":"b"}'],
        ],
      );
      const token = (await c.query<{ ttl: string; rate: number; burst: string }>(`SELECT ttl_seconds::text AS ttl, rate_per_second AS rate, rate_burst::text AS burst FROM tokens`)).rows[0]!;
      assert.deepEqual(token, { ttl: (2n ** 53n + 1n).toString(), rate: 2.5, burst: '5' }, 'a 54-bit integer is copied exactly');
      const versions = (await c.query<{ version: number; sealed_value: Buffer | null; destroyed: boolean }>(`SELECT version, sealed_value, destroyed FROM secret_versions ORDER BY version`)).rows;
      assert.deepEqual(versions, [{ version: 1, sealed_value: null, destroyed: true }, { version: 2, sealed_value: Buffer.from([9, 9]), destroyed: false }]);
      assert.equal((await c.query<{ a: string }>(`SELECT amount::text AS a FROM spend_reservations`)).rows[0]!.a, (10n ** 30n).toString(), 'NUMERIC amount exact');
    });
    // New rows through the Store continue the numbering.
    const store = await openPostgresStore(url);
    try {
      const record: KeyRecord = {
        id: 'k4', name: 'after-restore', type: 'secp256k1', origin: 'generated', state: 'enabled', exportable: false, publicKey: pub, kcv: null, currentVersion: 1, createdAt: 'y',
        description: '', tags: {}, deletionDate: null, rotationPeriodDays: null, nextRotationAt: null, minDecryptionVersion: 1, aliases: [], wallet: null, path: null,
      };
      await store.createKey(record, { keyId: 'k4', version: 1, sealedMaterial: new Uint8Array([1]), createdAt: 'y' });
      await store.createWallet({ id: 'w2', name: 'second', origin: 'generated', sealedSeed: new Uint8Array(80), createdAt: 'y' });
      const approval: ApprovalRecord = {
        id: randomUUID(), scope: 'key', scopeId: 'k1', keyId: 'k1', chain: 'ethereum', operation: 'ethereum.signTransaction', request: '{}', summary: '{}',
        requesterSubject: 'alice', requesterAccessor: 'acc1', required: 1, status: 'pending', reason: null, result: null, createdAt: 'y', expiresAt: 'z', updatedAt: 'y', votes: [],
      };
      await store.createApproval(approval);
      const page = await store.listKeys({ limit: 10 });
      assert.deepEqual(page.keys.map((k) => k.id), ['k1', 'k2', 'k4']);
      assert.deepEqual((await store.getKey('k1'))?.aliases, ['alias-1']);
    } finally {
      await store.close();
    }
    await withPg(url, async (c) => {
      assert.equal((await c.query<{ s: string }>(`SELECT seq::text AS s FROM keys WHERE id = 'k4'`)).rows[0]!.s, '4', 'after the AUTOINCREMENT high-water mark (3), not after max(seq) (2)');
      assert.equal((await c.query<{ s: string }>(`SELECT seq::text AS s FROM wallets WHERE id = 'w2'`)).rows[0]!.s, '2');
      assert.equal((await c.query<{ s: string }>(`SELECT seq::text AS s FROM approvals`)).rows[0]!.s, '1', 'an empty table starts at 1');
    });
  });

  it('migrations after the snapshot version run on the copied rows (migration 9 revokes credentials of revoked tokens)', async () => {
    const file = snapshot(8, (db) => {
      db.prepare(`INSERT INTO tokens (accessor, token_hash, subject, policies, created_at, expires_at, revoked_at) VALUES ('gone', ?, 's', '[]', 'x', '2030-01-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z')`).run(Buffer.alloc(32, 2));
      db.prepare(`INSERT INTO aws_credentials (access_key_id, sealed_secret, subject, policies, parent_accessor, created_at) VALUES ('SBXAAAA', ?, 's', '[]', 'gone', 'x')`).run(Buffer.alloc(40, 3));
    });
    const url = await cluster.createDatabase('later');
    const r = await importSqliteSnapshot(url, file);
    assert.deepEqual([r.fromVersion, r.schemaVersion], [8, LATEST]);
    const row = await withPg(url, async (c) => (await c.query<{ revoked_at: string | null; expires_at: string | null }>(`SELECT revoked_at, expires_at FROM aws_credentials`)).rows[0]);
    assert.deepEqual(row, { revoked_at: '2026-02-02T00:00:00.000Z', expires_at: '2030-01-01T00:00:00.000Z' });
    const dates = await withPg(url, async (c) => (await c.query<{ version: number; applied_at: string }>('SELECT version, applied_at FROM schema_migrations ORDER BY version')).rows);
    assert.equal(dates.length, pgMigrations.length);
    assert.ok(dates.slice(8).every((d) => d.applied_at > dates[7]!.applied_at), 'later migrations dated at the restore, earlier ones keep the snapshot dates');
  });

  it('refuses a database that already holds a Strongbox schema (initialized or not) and changes nothing there', async () => {
    const url = await cluster.createDatabase('occupied');
    const node = await openPostgresStore(url);
    await node.close();
    await assert.rejects(assertPostgresEmpty(url), (e: Error) => e instanceof StorageNotEmptyError && /not initialized/.test(e.message));
    await assert.rejects(importSqliteSnapshot(url, snapshot(LATEST)), StorageNotEmptyError);
    const store = await openPostgresStore(url);
    await store.putSysValues({ seal_config: new Uint8Array([1]) });
    await store.close();
    await assert.rejects(importSqliteSnapshot(url, snapshot(LATEST, (db) => db.prepare(`INSERT INTO policies VALUES ('p', '{}', 'x')`).run())), (e: Error) => e instanceof StorageNotEmptyError && /initialized installation/.test(e.message));
    assert.equal(await withPg(url, async (c) => (await c.query('SELECT 1 FROM policies')).rowCount), 0, 'nothing copied');
  });

  it('refuses a newer snapshot, another build\'s migration and a table without a counterpart, writing nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['newer', snapshot(LATEST, (db) => db.prepare(`INSERT INTO schema_migrations VALUES (?, 'from-the-future', 'x')`).run(LATEST + 1)), /newer Strongbox/],
      ['renamed', snapshot(3, (db) => db.prepare(`UPDATE schema_migrations SET name = 'something-else' WHERE version = 3`).run()), /migration 3 is "something-else"/],
      ['gap', snapshot(4, (db) => db.prepare(`DELETE FROM schema_migrations WHERE version = 2`).run()), /without a gap/],
      ['extra table', snapshot(LATEST, (db) => db.exec('CREATE TABLE mystery (x TEXT)')), /only in the snapshot: mystery/],
      ['extra column', snapshot(LATEST, (db) => db.exec('ALTER TABLE policies ADD COLUMN owner TEXT')), /table policies has columns/],
    ];
    for (const [label, file, message] of cases) {
      const url = await cluster.createDatabase('refused');
      await assert.rejects(importSqliteSnapshot(url, file), (e: Error) => e instanceof SnapshotSchemaError && message.test(e.message), label);
      assert.deepEqual(await tablesOf(url), [], `${label}: no table left behind`);
    }
  });

  it('a failure in the middle of the copy rolls everything back, migrations included', async () => {
    // With SQLite's foreign key checks off, a version row of a key that does not exist passes there,
    // and fails in PostgreSQL after the keys table was already copied.
    const file = snapshot(LATEST, (db) => {
      db.pragma('foreign_keys = OFF');
      db.prepare(`INSERT INTO policies VALUES ('p', '{}', 'x')`).run();
      db.prepare(`INSERT INTO keys (id, type, origin, state, current_version, created_at) VALUES ('k1', 'aes256', 'generated', 'enabled', 1, 'x')`).run();
      db.prepare(`INSERT INTO key_versions VALUES ('missing', 1, ?, 'x')`).run(Buffer.from([1]));
    });
    const url = await cluster.createDatabase('midway');
    await assert.rejects(importSqliteSnapshot(url, file), /foreign key/);
    assert.deepEqual(await tablesOf(url), []);
  });

  it('names the database (without its password) when it cannot connect', async () => {
    const url = `postgres://strongbox:hunter2@127.0.0.1:${cluster.port}/does_not_exist`;
    await assert.rejects(importSqliteSnapshot(url, snapshot(1)), (e: Error) => /does_not_exist/.test(e.message) && !e.message.includes('hunter2'));
  });
});
