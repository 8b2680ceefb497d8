/**
 * Migration 13 (token maximum lifetime and renewable flag) on tokens written at schema version 12,
 * in both stores: SQLite migrates the file in place; PostgreSQL runs its own migration 13 on rows
 * copied from a version-12 snapshot (storage/postgres/import-sqlite.ts). Tokens minted before keep
 * the bound renewal had then — 365 days after creation — and stay renewable; tokens that never
 * expire keep no maximum. Both stores give byte-identical timestamps, and a renewal of a migrated
 * token stops at that bound.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { pgMigrations } from '../../src/storage/postgres/migrations.js';
import { importSqliteSnapshot } from '../../src/storage/postgres/import-sqlite.js';
import { openPostgresStore } from '../../src/storage/postgres/index.js';
import type { Store, TokenRecord } from '../../src/storage/types.js';
import { renewToken } from '../../src/service/access/renew-token.js';
import { toPrincipal } from '../../src/service/access/authenticate.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

const LEGACY = [
  // accessor, created_at, expires_at, ttl_seconds
  ['acc.legacy', '2026-03-01T10:20:30.456Z', '2026-03-31T10:20:30.456Z', 2_592_000],
  ['acc.leap', '2027-12-31T23:59:59.999Z', '2028-01-01T00:59:59.999Z', 3600],
  ['acc.root', '2026-01-01T00:00:00.000Z', null, null],
] as const;

/** What migration 13 must make of each row: 365 days (not a calendar year) after creation; none without an expiry. */
const EXPECTED_MAX: Record<string, string | null> = {
  'acc.legacy': '2027-03-01T10:20:30.456Z',
  'acc.leap': '2028-12-30T23:59:59.999Z',
  'acc.root': null,
};

function snapshotAt12(dir: string): void {
  const db = sqliteAtVersion(dir, 12);
  const insert = db.prepare(`INSERT INTO tokens (accessor, token_hash, subject, policies, parent_accessor, created_at, expires_at, ttl_seconds) VALUES (?, ?, 's', '["signer"]', NULL, ?, ?, ?)`);
  LEGACY.forEach(([accessor, createdAt, expiresAt, ttl], i) => insert.run(accessor, Buffer.alloc(32, i + 1), createdAt, expiresAt, ttl));
  db.close();
}

async function assertMigrated(store: Store, label: string): Promise<void> {
  for (const [accessor, createdAt, expiresAt] of LEGACY) {
    const t = (await store.getTokenByAccessor(accessor))!;
    assert.deepEqual([t.createdAt, t.expiresAt, t.maxExpiresAt, t.renewable], [createdAt, expiresAt, EXPECTED_MAX[accessor], true], `${label}: ${accessor}`);
    assert.equal(Date.parse(t.maxExpiresAt ?? createdAt) - Date.parse(createdAt), t.maxExpiresAt === null ? 0 : 365 * 86_400_000, `${label}: ${accessor} is 365 days`);
  }
  // A renewal of a migrated token runs up to that bound and no further (the clock is set a day before it).
  const legacy = (await store.getTokenByAccessor('acc.legacy'))!;
  const ctx = { store, now: () => new Date(Date.parse(EXPECTED_MAX['acc.legacy']!) - 86_400_000), onTokensChanged: () => undefined };
  const renewed = await renewToken(ctx, toPrincipal(legacy as TokenRecord), { increment: '30d' });
  assert.equal(renewed.expiresAt, EXPECTED_MAX['acc.legacy'], `${label}: renewal stops at the migrated maximum`);
}

describe('migration 13: token maximum lifetime', () => {
  let dir: string;
  let cluster: PostgresCluster;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-mig13-'));
    cluster = await startPostgres();
  });
  after(() => {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the same number and name in both stores', () => {
    assert.deepEqual(migrations.find((m) => m.name === 'token-max-ttl')?.version, 13);
    assert.deepEqual(pgMigrations.find((m) => m.name === 'token-max-ttl')?.version, 13);
  });

  it('SQLite: existing tokens keep the 365-day bound they were minted under and stay renewable', async () => {
    const d = mkdtempSync(join(dir, 'sqlite-'));
    snapshotAt12(d);
    const store = openSqliteStore(d);
    try {
      await assertMigrated(store, 'SQLite');
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL: the same, from rows copied at version 12 and migrated there', async () => {
    const d = mkdtempSync(join(dir, 'pg-'));
    snapshotAt12(d);
    const url = await cluster.createDatabase('mig13');
    const r = await importSqliteSnapshot(url, join(d, SQLITE_FILE));
    assert.equal(r.fromVersion, 12);
    const store = await openPostgresStore(url);
    try {
      await assertMigrated(store, 'PostgreSQL');
    } finally {
      await store.close();
    }
  });
});
