/**
 * The Store contract: what every storage backend must do (SQLite now, PostgreSQL later).
 * Call `storeContract(name, open)` from a backend's test file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConflictError, type KeyRecord, type Store } from '../../src/storage/types.js';

export interface StoreHarness {
  store: Store;
  /** closes the store and opens it again on the same data (durability) */
  reopen(): Promise<Store>;
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
      const c = { accessKeyId: 'SBXCONTRACTAAAAAAAAA', sealedSecret: new Uint8Array([1, 2, 3]), subject: 's', policies: ['p1', 'p2'], parentAccessor: 'acc.x', createdAt: new Date(0).toISOString(), expiresAt: new Date(3_600_000).toISOString(), revokedAt: null };
      assert.equal(await store.getAwsCredential(c.accessKeyId), undefined);
      await store.createAwsCredential(c);
      assert.deepEqual(await store.getAwsCredential(c.accessKeyId), c);
      await assert.rejects(store.createAwsCredential(c), (err) => err instanceof ConflictError && err.constraint === 'token');
      const never = { ...c, accessKeyId: 'SBXCONTRACTNEVERAAAA', expiresAt: null };
      await store.createAwsCredential(never);
      assert.deepEqual(await store.getAwsCredential(never.accessKeyId), never);
    });

    it('AWS credentials: listed in access key id order across pages; revoked once; secret replaced only if unchanged', async () => {
      const base = { sealedSecret: new Uint8Array([9]), subject: 's', policies: ['p'], parentAccessor: 'acc.list', createdAt: new Date(0).toISOString(), expiresAt: null, revokedAt: null };
      const ids = ['SBXLISTCCCCCCCCCCCCC', 'SBXLISTAAAAAAAAAAAAA', 'SBXLISTBBBBBBBBBBBBB'];
      for (const id of ids) await store.createAwsCredential({ ...base, accessKeyId: id });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listAwsCredentials(after, 2);
        seen.push(...page.map((r) => r.accessKeyId));
        if (page.length < 2) break;
        after = page.at(-1)!.accessKeyId;
      }
      assert.deepEqual(seen, [...seen].sort(), 'access key id order');
      assert.deepEqual(seen.filter((id) => id.startsWith('SBXLIST')), [...ids].sort());
      assert.equal(new Set(seen).size, seen.length, 'no id twice across pages');

      const at = new Date(5000).toISOString();
      assert.equal(await store.revokeAwsCredential('SBXLISTAAAAAAAAAAAAA', at), true);
      assert.equal(await store.revokeAwsCredential('SBXLISTAAAAAAAAAAAAA', new Date(6000).toISOString()), false, 'already revoked');
      assert.equal(await store.revokeAwsCredential('SBXNOSUCHCREDENTIAL2', at), false);
      assert.equal((await store.getAwsCredential('SBXLISTAAAAAAAAAAAAA'))?.revokedAt, at, 'the first revocation time stays');
      assert.equal((await store.getAwsCredential('SBXLISTBBBBBBBBBBBBB'))?.revokedAt, null);

      assert.equal(await store.replaceAwsCredentialSecret('SBXLISTBBBBBBBBBBBBB', new Uint8Array([8]), new Uint8Array([7])), false, 'stale expected value');
      assert.equal(await store.replaceAwsCredentialSecret('SBXLISTBBBBBBBBBBBBB', new Uint8Array([9]), new Uint8Array([7])), true);
      assert.deepEqual((await store.getAwsCredential('SBXLISTBBBBBBBBBBBBB'))?.sealedSecret, new Uint8Array([7]));
    });

    it('revoking a token tree revokes the AWS credentials its tokens created, and no others', async () => {
      const token = (accessor: string, parentAccessor: string | null) => ({
        accessor,
        tokenHash: new Uint8Array(Buffer.from(accessor.padEnd(32, '#'))),
        name: null,
        subject: 's',
        policies: ['p'],
        parentAccessor,
        createdAt: new Date(0).toISOString(),
        expiresAt: null,
        ttlSeconds: null,
        numUsesLeft: null,
        ratePerSecond: null,
        rateBurst: null,
        revokedAt: null,
      });
      await store.createToken(token('acc.tree-parent', null));
      await store.createToken(token('acc.tree-child', 'acc.tree-parent'));
      await store.createToken(token('acc.tree-other', null));
      const cred = (accessKeyId: string, parentAccessor: string) => ({ accessKeyId, sealedSecret: new Uint8Array([1]), subject: 's', policies: ['p'], parentAccessor, createdAt: new Date(0).toISOString(), expiresAt: null, revokedAt: null });
      await store.createAwsCredential(cred('SBXTREEPARENTAAAAAAA', 'acc.tree-parent'));
      await store.createAwsCredential(cred('SBXTREECHILDAAAAAAAA', 'acc.tree-child'));
      await store.createAwsCredential(cred('SBXTREEOTHERAAAAAAAA', 'acc.tree-other'));
      const at = new Date(7000).toISOString();
      assert.deepEqual((await store.revokeTokenTree('acc.tree-parent', at)).sort(), ['acc.tree-child', 'acc.tree-parent']);
      assert.equal((await store.getAwsCredential('SBXTREEPARENTAAAAAAA'))?.revokedAt, at);
      assert.equal((await store.getAwsCredential('SBXTREECHILDAAAAAAAA'))?.revokedAt, at);
      assert.equal((await store.getAwsCredential('SBXTREEOTHERAAAAAAAA'))?.revokedAt, null);
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
