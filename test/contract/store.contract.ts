/**
 * The Store contract: what every storage backend must do (SQLite and PostgreSQL run it unchanged).
 * Call `storeContract(name, open)` from a backend's test file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { ConflictError, type AuditHead, type AuditRow, type KeyRecord, type Store } from '../../src/storage/types.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';

export interface StoreHarness {
  store: Store;
  /** closes the store and opens it again on the same data (durability) */
  reopen(): Promise<Store>;
  /** another, independent store instance on the same data (a second node); closed by the caller */
  openSecond(): Promise<Store>;
  cleanup(): Promise<void>;
}

function key(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: randomUUID(),
    name: null,
    type: 'secp256k1',
    origin: 'generated',
    state: 'enabled',
    exportable: false,
    publicKey: new Uint8Array([4, 1, 2, 3]),
    kcv: null,
    currentVersion: 1,
    createdAt: new Date(0).toISOString(),
    description: '',
    tags: {},
    deletionDate: null,
    rotationPeriodDays: null,
    nextRotationAt: null,
    minDecryptionVersion: 1,
    aliases: [],
    ...overrides,
  };
}

/** A test chain (SHA-256 over the previous hash and the text), computed here, not by the code under test. */
function chained(head: AuditHead | undefined, texts: string[]): AuditRow[] {
  let seq = head?.seq ?? 0;
  let prev: Uint8Array = head?.hash ?? new Uint8Array(32);
  return texts.map((t) => {
    seq++;
    const record = JSON.stringify({ seq, t });
    prev = new Uint8Array(createHash('sha256').update(prev).update(record).digest());
    return { seq, record, hash: prev };
  });
}

async function assertChain(store: Store, expectedCount: number): Promise<void> {
  const rows = await store.readAudit({ afterSeq: 0, limit: 100_000 });
  assert.equal(rows.length, expectedCount);
  let prev: Uint8Array = new Uint8Array(32);
  rows.forEach((r, i) => {
    assert.equal(r.seq, i + 1, 'seqs are gap-free');
    assert.equal((JSON.parse(r.record) as { seq: number }).seq, r.seq);
    const h = new Uint8Array(createHash('sha256').update(prev).update(r.record).digest());
    assert.deepEqual(r.hash, h, `row ${r.seq} chains onto row ${r.seq - 1}`);
    prev = h;
  });
}

export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(() => h.cleanup());

    it('sys values: absent, then written atomically, ifAbsent refuses a second write', async () => {
      assert.equal(await store.getSysValue('a'), undefined);
      assert.equal(await store.putSysValues({ a: new Uint8Array([1]), b: new Uint8Array([2]) }, { ifAbsent: 'a' }), true);
      assert.equal(await store.putSysValues({ a: new Uint8Array([9]), c: new Uint8Array([3]) }, { ifAbsent: 'a' }), false);
      assert.deepEqual(await store.getSysValue('a'), new Uint8Array([1]));
      assert.equal(await store.getSysValue('c'), undefined, 'a refused write writes nothing');
      assert.equal(await store.putSysValues({ a: new Uint8Array([7]) }), true);
      assert.deepEqual(await store.getSysValue('a'), new Uint8Array([7]));
    });

    it('creates a key with its first version, readable by id and by name', async () => {
      const k = key({ name: 'contract-a' });
      const sealed = new Uint8Array([1, 2, 3, 4, 5]);
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: sealed, createdAt: k.createdAt });
      assert.deepEqual(await store.getKey(k.id), k);
      assert.deepEqual(await store.getKeyByName('contract-a'), k);
      assert.deepEqual((await store.getKeyVersion(k.id, 1))?.sealedMaterial, sealed);
      assert.equal(await store.getKeyVersion(k.id, 2), undefined);
      assert.equal(await store.getKey(randomUUID()), undefined);
    });

    it('stores the exportable flag as given and reads it back after a reopen', async () => {
      const yes = key({ exportable: true });
      const no = key();
      for (const k of [yes, no]) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      assert.equal((await store.getKey(yes.id))?.exportable, true);
      assert.equal((await store.getKey(no.id))?.exportable, false);
      store = await h.reopen();
      assert.equal((await store.getKey(yes.id))?.exportable, true);
      assert.equal((await store.getKey(no.id))?.exportable, false);
    });

    it('rejects a duplicate name with ConflictError(key_name) and stores nothing', async () => {
      const k = key({ name: 'contract-dup' });
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      const k2 = key({ name: 'contract-dup' });
      await assert.rejects(store.createKey(k2, { keyId: k2.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k2.createdAt }), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_name');
      assert.equal(await store.getKey(k2.id), undefined);
    });

    it('lists keys in creation order across pages', async () => {
      const created: string[] = [];
      for (let i = 0; i < 7; i++) {
        const k = key({ type: 'aes256', publicKey: null, kcv: new Uint8Array([1, 2, 3]) });
        await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([i]), createdAt: k.createdAt });
        created.push(k.id);
      }
      const all: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listKeys(after === undefined ? { limit: 3 } : { limit: 3, after });
        all.push(...page.keys.map((k) => k.id));
        if (page.nextCursor === null) break;
        after = page.nextCursor;
      }
      assert.deepEqual(all.slice(-7), created);
      assert.equal(new Set(all).size, all.length);
    });

    it('AWS credentials: stored and read back by access key id; a duplicate id is ConflictError(token)', async () => {
      const c = { accessKeyId: 'SBXCONTRACTAAAAAAAAA', sealedSecret: new Uint8Array([1, 2, 3]), subject: 's', policies: ['p1', 'p2'], parentAccessor: 'acc.x', createdAt: new Date(0).toISOString(), revokedAt: null };
      assert.equal(await store.getAwsCredential(c.accessKeyId), undefined);
      await store.createAwsCredential(c);
      assert.deepEqual(await store.getAwsCredential(c.accessKeyId), c);
      await assert.rejects(store.createAwsCredential(c), (err) => err instanceof ConflictError && err.constraint === 'token');
    });

    it('reports the schema version of the last migration (the same number on every backend)', async () => {
      assert.equal(await store.schemaVersion(), migrations.at(-1)!.version);
    });

    it('audit: the builder gets the head under the lock, its rows are stored and returned', async () => {
      assert.equal(await store.auditHead(), undefined);
      const heads: (AuditHead | undefined)[] = [];
      const first = await store.appendAudit((head) => (heads.push(head), chained(head, ['a', 'b'])));
      assert.deepEqual(heads.at(-1), undefined, 'an empty log has no head');
      assert.deepEqual(first.map((r) => r.seq), [1, 2]);
      const second = await store.appendAudit((head) => (heads.push(head), chained(head, ['c'])));
      assert.deepEqual(heads.at(-1), { seq: 2, hash: first[1]!.hash });
      assert.deepEqual(second.map((r) => r.seq), [3]);
      assert.deepEqual(await store.auditHead(), second[0]);
      await assertChain(store, 3);
    });

    it('audit: concurrent appends from two store instances on the same database make one gap-free chain', async () => {
      const other = await h.openSecond();
      try {
        const before = (await store.auditHead())?.seq ?? 0;
        const writer = async (s: Store, name: string): Promise<void> => {
          // Several appends in flight at once from each instance, each a batch of 1..3 rows.
          await Promise.all(Array.from({ length: 4 }, async (_, lane) => {
            for (let i = 0; i < 10; i++) await s.appendAudit((head) => chained(head, Array.from({ length: 1 + (i % 3) }, (_, j) => `${name}-${lane}-${i}-${j}`)));
          }));
        };
        await Promise.all([writer(store, 'A'), writer(other, 'B')]);
        const perWriter = 4 * (4 * 1 + 3 * 2 + 3 * 3);
        await assertChain(store, before + 2 * perWriter);
        await assertChain(other, before + 2 * perWriter);
      } finally {
        await other.close();
      }
    });

    it('a key created through one instance is read through another at once; a state change is seen there', async () => {
      const other = await h.openSecond();
      try {
        const k = key({ name: 'contract-second' });
        await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([5]), createdAt: k.createdAt });
        assert.deepEqual(await other.getKeyByName('contract-second'), k);
        await other.updateKey(k.id, { state: 'disabled' }, ['enabled']);
        await assert.rejects(store.updateKey(k.id, { state: 'disabled' }, ['enabled']), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_state');
      } finally {
        await other.close();
      }
    });

    it('compare-and-swap writes take effect once under concurrency: key versions, secret CAS, token uses', async () => {
      const other = await h.openSecond();
      try {
        const k = key();
        await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
        const v2 = (s: Store) => s.addKeyVersion({ keyId: k.id, version: 2, sealedMaterial: new Uint8Array([2]), createdAt: k.createdAt }, null);
        const versions = await Promise.allSettled([v2(store), v2(other)]);
        assert.equal(versions.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = versions.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(lost.reason instanceof ConflictError && lost.reason.constraint === 'key_version', String(lost.reason));

        const path = `contract/${randomUUID()}`;
        const put = (s: Store) => s.putSecretVersion(path, () => new Uint8Array([9]), k.createdAt, 0);
        const puts = await Promise.allSettled([put(store), put(other)]);
        assert.equal(puts.filter((r) => r.status === 'fulfilled').length, 1);
        const casLost = puts.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(casLost.reason instanceof ConflictError && casLost.reason.constraint === 'secret_cas', String(casLost.reason));
        assert.equal((await store.getSecretVersion(path))?.version, 1);

        const accessor = `acc.${randomUUID()}`;
        await store.createToken({ accessor, tokenHash: new Uint8Array(createHash('sha256').update(accessor).digest()), name: null, subject: 's', policies: ['p'], parentAccessor: null, createdAt: k.createdAt, expiresAt: null, ttlSeconds: null, numUsesLeft: 5, ratePerSecond: null, rateBurst: null, revokedAt: null });
        const uses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).consumeTokenUse(accessor)));
        assert.equal(uses.filter(Boolean).length, 5, 'exactly the 5 uses are taken');
        assert.equal((await other.getTokenByAccessor(accessor))?.numUsesLeft, 0);
      } finally {
        await other.close();
      }
    });

    it('names and aliases share one namespace: ConflictError(key_alias) / (key_name)', async () => {
      const a = key({ name: 'contract-ns-a' });
      const b = key();
      for (const k of [a, b]) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      await assert.rejects(store.addKeyAlias(b.id, 'contract-ns-a', a.createdAt), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_alias');
      await store.addKeyAlias(b.id, 'contract-ns-b', a.createdAt);
      assert.deepEqual((await store.getKeyByAlias('contract-ns-b'))?.aliases, ['contract-ns-b']);
      await assert.rejects(store.addKeyAlias(a.id, 'contract-ns-b', a.createdAt), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_alias');
      const c = key({ name: 'contract-ns-b' });
      await assert.rejects(store.createKey(c, { keyId: c.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: c.createdAt }), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_name');
    });

    it('what was written is durable across a reopen', async () => {
      const k = key({ name: 'contract-durable' });
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([42]), createdAt: k.createdAt });
      store = await h.reopen();
      assert.deepEqual(await store.getKeyByName('contract-durable'), k);
      assert.deepEqual(await store.getSysValue('a'), new Uint8Array([7]));
    });
  });
}
