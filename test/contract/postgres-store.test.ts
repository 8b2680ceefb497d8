/**
 * The Store contract against the PostgreSQL backend, on a throwaway cluster this file starts
 * (test/helpers/postgres.ts): one cluster, a fresh database per suite. Plus what only PostgreSQL
 * has: migrations mirrored from SQLite, applied once when several nodes start together.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/index.js';
import { pgMigrations } from '../../src/storage/postgres/migrations.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { ConflictError, SnapshotUnsupportedError, type ApprovalRecord, type KeyRecord, type Store } from '../../src/storage/types.js';
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

  it('spend reservations from 4 nodes × 25 concurrent callers never exceed the limit (amounts beyond int64)', async () => {
    const url = await cluster.createDatabase();
    const nodes = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url, { poolSize: 5 })));
    try {
      const unit = 3n * 10n ** 20n; // > 2^64
      const limit = 100n * 10n ** 20n; // 33 fit
      const now = new Date().toISOString();
      const window = new Date(Date.now() - 86_400_000).toISOString();
      const counts = await Promise.all(
        nodes.map(async (node) => {
          const results = await Promise.all(Array.from({ length: 25 }, () => node.reserveSpend({ id: randomUUID(), scope: 'wallet', scopeId: 'shared', amount: unit, createdAt: now, requestId: null }, limit, window)));
          return results.filter((r) => r.reserved).length;
        }),
      );
      assert.equal(counts.reduce((a, b) => a + b, 0), 33, `per node: ${counts.join(', ')}`);
      const probe = await nodes[0]!.reserveSpend({ id: randomUUID(), scope: 'wallet', scopeId: 'shared', amount: 0n, createdAt: now, requestId: null }, limit, window);
      assert.equal(probe.spent, 33n * unit);
      // Checked independently of the store: the database's own exact sum of the stored amounts.
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const r = await c.query<{ total: string; n: string }>(`SELECT sum(amount)::text AS total, count(*)::text AS n FROM spend_reservations WHERE scope = 'wallet' AND scope_id = 'shared' AND amount > 0`);
        assert.deepEqual(r.rows[0], { total: (33n * unit).toString(), n: '33' });
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('approvals across nodes: one status compare-and-set wins, a subject votes once', async () => {
    const url = await cluster.createDatabase();
    const nodes = await Promise.all(Array.from({ length: 3 }, () => openPostgresStore(url, { poolSize: 4 })));
    try {
      const approval: ApprovalRecord = {
        id: randomUUID(), scope: 'key', scopeId: 'k', keyId: 'k', chain: 'ethereum', operation: 'ethereum.signTransaction', request: '{}', summary: '{}',
        requesterSubject: 'alice', requesterAccessor: 'acc.alice', required: 2, status: 'pending', reason: null, result: null,
        createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', votes: [],
      };
      await nodes[0]!.createApproval(approval);
      const votes = await Promise.all(nodes.flatMap((n, i) => [0, 1].map((j) => n.addApprovalVote(approval.id, { subject: 'bob', accessor: `acc.bob.${i}.${j}`, vote: 'approve', at: `2026-01-01T00:0${i}:0${j}.000Z` }))));
      assert.equal(votes.filter((v) => v?.added).length, 1, 'one vote per subject, whichever node records it');
      assert.equal((await nodes[2]!.getApproval(approval.id))?.votes.length, 1);
      const racers = await Promise.all(nodes.flatMap((n) => [0, 1, 2].map(() => n.updateApproval(approval.id, ['pending'], { status: 'signing', updatedAt: '2026-01-01T00:05:00.000Z' }))));
      assert.equal(racers.filter(Boolean).length, 1, 'exactly one caller on one node moves pending → signing');
      assert.equal(await nodes[1]!.addApprovalVote(approval.id, { subject: 'carol', accessor: 'acc.carol', vote: 'approve', at: 'x' }), undefined);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('derived keys: two nodes creating the same (wallet, path) at once: one wins, the other gets ConflictError(wallet_path)', async () => {
    const url = await cluster.createDatabase();
    const nodes = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    try {
      const walletId = randomUUID();
      await nodes[0].createWallet({ id: walletId, name: 'race', origin: 'generated', sealedSeed: new Uint8Array([1]), createdAt: new Date(0).toISOString() });
      await assert.rejects(nodes[1].createWallet({ id: randomUUID(), name: 'race', origin: 'generated', sealedSeed: new Uint8Array([1]), createdAt: new Date(0).toISOString() }), (e: unknown) => e instanceof ConflictError && e.constraint === 'wallet_name');
      const key = (): KeyRecord => ({
        id: randomUUID(), name: null, type: 'secp256k1', origin: 'generated', state: 'enabled', exportable: false, publicKey: new Uint8Array([4, 1]), kcv: null, currentVersion: 1,
        createdAt: new Date(0).toISOString(), description: '', tags: {}, deletionDate: null, rotationPeriodDays: null, nextRotationAt: null, minDecryptionVersion: 1, aliases: [],
        wallet: walletId, path: "m/44'/60'/0'/0/7",
      });
      const keys = [key(), key()];
      const results = await Promise.allSettled(keys.map((k, i) => nodes[i]!.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([i]), createdAt: k.createdAt })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof ConflictError && lost.reason.constraint === 'wallet_path', String(lost.reason));
      const winner = keys[results.findIndex((r) => r.status === 'fulfilled')]!;
      assert.equal((await nodes[1].getKeyByWalletPath(walletId, "m/44'/60'/0'/0/7"))?.id, winner.id);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('migration 9 on a database written at schema version 6 backfills revocation and expiry from the creating tokens', async () => {
    const url = await cluster.createDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of pgMigrations.filter((x) => x.version <= 6)) {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
      }
      const token = `INSERT INTO tokens (accessor, token_hash, subject, policies, created_at, expires_at, revoked_at) VALUES ($1, $2, 's', '["admin"]', '2025-01-01T00:00:00.000Z', $3, $4)`;
      await c.query(token, ['acc.live', Buffer.from('h1'), '2030-01-01T00:00:00.000Z', null]);
      await c.query(token, ['acc.revoked', Buffer.from('h2'), null, '2025-06-01T00:00:00.000Z']);
      await c.query(token, ['acc.forever', Buffer.from('h3'), null, null]);
      const cred = `INSERT INTO aws_credentials (access_key_id, sealed_secret, subject, policies, parent_accessor, created_at, revoked_at) VALUES ($1, decode('01', 'hex'), 's', '["admin"]', $2, '2025-02-01T00:00:00.000Z', $3)`;
      await c.query(cred, ['SBXMIGLIVEAAAAAAAAAA', 'acc.live', null]);
      await c.query(cred, ['SBXMIGREVOKEDAAAAAAA', 'acc.revoked', null]);
      await c.query(cred, ['SBXMIGFOREVERAAAAAAA', 'acc.forever', null]);
      await c.query(cred, ['SBXMIGORPHANAAAAAAAA', null, null]);
      await c.query(cred, ['SBXMIGALREADYAAAAAAA', 'acc.revoked', '2025-03-01T00:00:00.000Z']);
    } finally {
      await c.end();
    }
    const store = await openPostgresStore(url);
    try {
      assert.equal(await store.schemaVersion(), migrations.at(-1)!.version);
      const get = async (id: string) => (await store.getAwsCredential(id))!;
      assert.deepEqual([(await get('SBXMIGLIVEAAAAAAAAAA')).expiresAt, (await get('SBXMIGLIVEAAAAAAAAAA')).revokedAt], ['2030-01-01T00:00:00.000Z', null]);
      assert.equal((await get('SBXMIGREVOKEDAAAAAAA')).revokedAt, '2025-06-01T00:00:00.000Z');
      assert.equal((await get('SBXMIGALREADYAAAAAAA')).revokedAt, '2025-03-01T00:00:00.000Z', 'an earlier revocation is kept');
      assert.equal((await get('SBXMIGFOREVERAAAAAAA')).expiresAt, null);
      assert.deepEqual([(await get('SBXMIGORPHANAAAAAAAA')).expiresAt, (await get('SBXMIGORPHANAAAAAAAA')).revokedAt], [null, null]);
      assert.deepEqual((await get('SBXMIGLIVEAAAAAAAAAA')).sealedSecret, new Uint8Array([1]));
    } finally {
      await store.close();
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
