/**
 * The Store contract: what every storage backend must do (SQLite and PostgreSQL run it unchanged).
 * Call `storeContract(name, open)` from a backend's test file.
 */
import type { CallerBinding } from '../../src/protocol/types.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, type ApprovalRecord, type AuditHead, type AuditRow, type KeyRecord, type Store, type WalletRecord } from '../../src/storage/types.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';

export interface StoreHarness {
  store: Store;
  /** closes the store and opens it again on the same data (durability) */
  reopen(): Promise<Store>;
  /** another, independent store instance on the same data (a second node); closed by the caller */
  openSecond(): Promise<Store>;
  cleanup(): Promise<void>;
}

export function key(overrides: Partial<KeyRecord> = {}): KeyRecord {
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
    wallet: null,
    path: null,
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

    it('wallets: created, read by id and name, listed in pages, unique names, seed replaced only by compare-and-set', async () => {
      const wallet = (name: string | null): WalletRecord => ({ id: randomUUID(), name, origin: 'generated', sealedSeed: new Uint8Array([9, 8, 7, name === null ? 0 : name.length]), createdAt: new Date(0).toISOString() });
      const a = wallet('contract-wallet-a');
      const b = wallet(null);
      const c = wallet('contract-wallet-c');
      for (const w of [a, b, c]) await store.createWallet(w);
      assert.deepEqual(await store.getWallet(a.id), a);
      assert.deepEqual(await store.getWalletByName('contract-wallet-c'), c);
      assert.equal(await store.getWallet(randomUUID()), undefined);
      assert.equal(await store.getWalletByName('nope'), undefined);
      await assert.rejects(store.createWallet(wallet('contract-wallet-a')), (e: unknown) => e instanceof ConflictError && e.constraint === 'wallet_name');

      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.listWallets({ limit: 2, ...(cursor === undefined ? {} : { after: cursor }) });
        assert.ok(page.wallets.length <= 2);
        seen.push(...page.wallets.map((w) => w.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      const mine = seen.filter((id) => [a.id, b.id, c.id].includes(id));
      assert.deepEqual(mine, [a.id, b.id, c.id], 'listed once each, in creation order');

      const next = new Uint8Array([1, 1, 1]);
      assert.equal(await store.replaceWalletSeed(a.id, new Uint8Array([0]), next), false, 'a stale expected value changes nothing');
      assert.deepEqual((await store.getWallet(a.id))?.sealedSeed, a.sealedSeed);
      assert.equal(await store.replaceWalletSeed(a.id, a.sealedSeed, next), true);
      store = await h.reopen();
      assert.deepEqual((await store.getWallet(a.id))?.sealedSeed, next);
    });

    it('derived keys: wallet and path stored, found by (wallet, path), one key per wallet and path', async () => {
      const w: WalletRecord = { id: randomUUID(), name: null, origin: 'imported', sealedSeed: new Uint8Array([5]), createdAt: new Date(0).toISOString() };
      await store.createWallet(w);
      const k = key({ wallet: w.id, path: "m/44'/60'/0'/0/0" });
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      assert.deepEqual(await store.getKey(k.id), k);
      assert.deepEqual(await store.getKeyByWalletPath(w.id, "m/44'/60'/0'/0/0"), k);
      assert.equal(await store.getKeyByWalletPath(w.id, "m/44'/60'/0'/0/1"), undefined);
      assert.equal(await store.getKeyByWalletPath(randomUUID(), "m/44'/60'/0'/0/0"), undefined);
      const dup = key({ wallet: w.id, path: "m/44'/60'/0'/0/0" });
      await assert.rejects(store.createKey(dup, { keyId: dup.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: dup.createdAt }), (e: unknown) => e instanceof ConflictError && e.constraint === 'wallet_path');
      assert.equal(await store.getKey(dup.id), undefined, 'nothing of the refused key was written');
      const other = key({ wallet: w.id, path: "m/44'/60'/0'/0/1" });
      await store.createKey(other, { keyId: other.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: other.createdAt });
      store = await h.reopen();
      assert.deepEqual(await store.getKeyByWalletPath(w.id, "m/44'/60'/0'/0/1"), other);
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

    it('KMIP metadata: absent, written, updated, listed in key id order; the plaintext-export mark never changes after the first write', async () => {
      const ks = [key(), key(), key()];
      for (const k of ks) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      assert.equal(await store.getKmipObject(ks[0]!.id), undefined);
      const first = { keyId: ks[0]!.id, state: 'pre_active', plaintextExport: false, attributes: '{"names":["a"]}', updatedAt: '2026-01-01T00:00:00.000Z' };
      await store.putKmipObject(first);
      assert.deepEqual(await store.getKmipObject(ks[0]!.id), first);
      await store.putKmipObject({ ...first, state: 'active', plaintextExport: true, attributes: '{"names":["b"]}', updatedAt: '2026-01-02T00:00:00.000Z' });
      assert.deepEqual(await store.getKmipObject(ks[0]!.id), { ...first, state: 'active', attributes: '{"names":["b"]}', updatedAt: '2026-01-02T00:00:00.000Z' }, 'state and attributes change, the mark does not');
      await store.putKmipObject({ keyId: ks[1]!.id, state: 'active', plaintextExport: true, attributes: '{}', updatedAt: first.updatedAt });
      await store.putKmipObject({ keyId: ks[2]!.id, state: 'active', plaintextExport: false, attributes: '{}', updatedAt: first.updatedAt });
      const mine = new Set(ks.map((k) => k.id));
      const all: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.listKmipObjects(after, 2);
        if (page.length === 0) break;
        all.push(...page.map((o) => o.keyId));
        after = page.at(-1)!.keyId;
      }
      const listed = all.filter((id) => mine.has(id));
      assert.deepEqual(listed, [...mine].sort());
      assert.deepEqual(all, [...all].sort(), 'key id order');
      store = await h.reopen();
      assert.equal((await store.getKmipObject(ks[1]!.id))?.plaintextExport, true);
    });

    it('KMIP items (migration 22): absent, written, updated (created_at kept), located by Name, type, state and key type in creation order with a cursor', async () => {
      const tag = randomUUID().slice(0, 8);
      const uids: string[] = [randomUUID(), randomUUID(), randomUUID()];
      assert.equal(await store.getKmipItem(uids[0]!), undefined);
      const first = { uid: uids[0]!, objectType: 'public_key', keyType: 'p256', state: 'pre_active', attributes: '{"names":["a"]}', publicKey: new Uint8Array([4, 1, 2]), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
      assert.equal(await store.putKmipItem({ ...first, names: [`n-${tag}`, `old-${tag}`] }), true);
      assert.deepEqual(await store.getKmipItem(uids[0]!), first);
      await assert.rejects(store.putKmipItem({ ...first, state: 'active' }), 'inserting an existing uid is an error');
      const changed = { ...first, state: 'destroyed', publicKey: null, attributes: '{"names":[]}', createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' };
      assert.equal(await store.putKmipItem({ ...changed, names: [`n-${tag}`] }, first.updatedAt), true);
      assert.deepEqual(await store.getKmipItem(uids[0]!), { ...changed, createdAt: first.createdAt }, 'state, attributes and material change; the creation date does not');
      // A writer that read the item before that change loses: the destroyed item does not come back.
      const stale = { ...first, state: 'deactivated', updatedAt: '2026-01-03T00:00:00.000Z', names: [`stale-${tag}`] };
      assert.equal(await store.putKmipItem(stale, first.updatedAt), false);
      assert.deepEqual(await store.getKmipItem(uids[0]!), { ...changed, createdAt: first.createdAt }, 'a stale write changes nothing');
      await store.putKmipItem({ uid: uids[1]!, objectType: 'secret_data', keyType: null, state: 'active', attributes: '{}', publicKey: null, createdAt: first.createdAt, updatedAt: first.updatedAt, names: [`n-${tag}`] });
      await store.putKmipItem({ uid: uids[2]!, objectType: 'opaque', keyType: null, state: 'active', attributes: '{}', publicKey: null, createdAt: first.createdAt, updatedAt: first.updatedAt, names: [`x-${tag}`] });
      const all = async (filter: Parameters<Store['locateKmipItems']>[0], limit = 1) => {
        const found: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.locateKmipItems(filter, { limit, ...(after === undefined ? {} : { after }) });
          found.push(...page.items.map((o) => o.uid));
          if (page.nextCursor === null) return found;
          after = page.nextCursor;
        }
      };
      assert.deepEqual(await all({ name: `n-${tag}` }), [uids[0], uids[1]], 'creation order, paged one by one');
      assert.deepEqual(await all({ name: `old-${tag}` }), [], 'a put replaces the Names');
      assert.deepEqual(await all({ name: `stale-${tag}` }), [], 'nor does a stale write touch the Names');
      assert.deepEqual(await all({ name: `n-${tag}`, objectTypes: ['secret_data', 'opaque'] }), [uids[1]]);
      assert.deepEqual(await all({ name: `n-${tag}`, states: ['destroyed'] }), [uids[0]]);
      assert.deepEqual(await all({ name: `n-${tag}`, keyTypes: ['p256'] }), [uids[0]]);
      assert.deepEqual(await all({ name: `n-${tag}`, keyTypes: [] }), [], 'an empty list matches nothing');
      assert.deepEqual((await all({ objectTypes: ['opaque'] }, 1000)).filter((u) => uids.includes(u)), [uids[2]]);
      store = await h.reopen();
      assert.equal((await store.getKmipItem(uids[1]!))?.objectType, 'secret_data');
    });

    it('KMIP Locate index: by KMIP Name (replaced on every put) or key name, by type and state, in creation order with a cursor', async () => {
      const tag = randomUUID().slice(0, 8);
      const ks = [key({ type: 'aes256' }), key({ type: 'aes256', state: 'disabled' }), key({ type: 'p256', name: `locate-${tag}` }), key({ type: 'aes256' })];
      for (const k of ks) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      const put = (k: KeyRecord, names: string[]) => store.putKmipObject({ keyId: k.id, state: 'active', plaintextExport: false, attributes: '{}', updatedAt: k.createdAt, names });
      await put(ks[0]!, [`n-${tag}`, `other-${tag}`]);
      await put(ks[1]!, [`n-${tag}`]);
      await put(ks[3]!, [`old-${tag}`]);
      await put(ks[3]!, [`n-${tag}`]);
      const all = async (filter: Parameters<Store['locateKmipKeys']>[0], limit = 1) => {
        const ids: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.locateKmipKeys(filter, { limit, ...(after === undefined ? {} : { after }) });
          ids.push(...page.keys.map((k) => k.id));
          if (page.nextCursor === null) return ids;
          after = page.nextCursor;
        }
      };
      assert.deepEqual(await all({ name: `n-${tag}` }), [ks[0]!.id, ks[1]!.id, ks[3]!.id], 'creation order, paged one by one');
      assert.deepEqual(await all({ name: `old-${tag}` }), [], 'a put replaces the Names');
      assert.deepEqual(await all({ name: `locate-${tag}` }), [ks[2]!.id], 'the Strongbox key name matches too');
      assert.deepEqual(await all({ name: `n-${tag}`, states: ['enabled'] }), [ks[0]!.id, ks[3]!.id]);
      assert.deepEqual(await all({ name: `n-${tag}`, types: ['p256'] }), []);
      assert.deepEqual(await all({ name: `n-${tag}`, types: [] }), [], 'an empty type list matches nothing');
      const p256s = await all({ types: ['p256'], states: ['enabled'] }, 50);
      assert.ok(p256s.includes(ks[2]!.id) && !p256s.includes(ks[0]!.id));
      store = await h.reopen();
      assert.deepEqual(await all({ name: `n-${tag}` }, 2), [ks[0]!.id, ks[1]!.id, ks[3]!.id], 'after a reopen, two per page');
    });

    it('key certificates: absent, attached, replaced, kept across a reopen, deleted; bound to an existing key', async () => {
      const ks = [key(), key()];
      for (const k of ks) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      assert.equal(await store.getKeyCertificate(ks[0]!.id), undefined);
      const first = { keyId: ks[0]!.id, certificate: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), updatedAt: '2026-01-01T00:00:00.000Z' };
      await store.putKeyCertificate(first);
      assert.deepEqual(await store.getKeyCertificate(ks[0]!.id), first);
      assert.equal(await store.getKeyCertificate(ks[1]!.id), undefined, 'only the key it was attached to');
      const second = { ...first, certificate: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x02]), updatedAt: '2026-01-02T00:00:00.000Z' };
      await store.putKeyCertificate(second);
      store = await h.reopen();
      assert.deepEqual(await store.getKeyCertificate(ks[0]!.id), second, 'replaced, durable');
      await assert.rejects(store.putKeyCertificate({ ...first, keyId: '00000000-0000-4000-8000-0000000000ff' }), 'a certificate needs its key');
      assert.equal(await store.deleteKeyCertificate(ks[0]!.id), true);
      assert.equal(await store.deleteKeyCertificate(ks[0]!.id), false);
      assert.equal(await store.getKeyCertificate(ks[0]!.id), undefined);
    });

    it('rejects a duplicate name with ConflictError(key_name) and stores nothing', async () => {
      const k = key({ name: 'contract-dup' });
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      const k2 = key({ name: 'contract-dup' });
      await assert.rejects(store.createKey(k2, { keyId: k2.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k2.createdAt }), (e: unknown) => e instanceof ConflictError && e.constraint === 'key_name');
      assert.equal(await store.getKey(k2.id), undefined);
    });

    it('finds a key by its Ethereum address; backfills addresses of keys stored without one', async () => {
      const addr = '0x' + randomUUID().replaceAll('-', '').padEnd(40, 'a');
      const withAddr = key({ ethereumAddress: addr });
      await store.createKey(withAddr, { keyId: withAddr.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: withAddr.createdAt });
      assert.equal((await store.getKeyByEthereumAddress(addr))?.id, withAddr.id);
      assert.equal((await store.getKey(withAddr.id))?.ethereumAddress, addr);
      assert.equal(await store.getKeyByEthereumAddress('0x' + '0'.repeat(40)), undefined);

      const bare = key({ publicKey: new Uint8Array([4, 9, 9, 9]) });
      const aes = key({ type: 'aes256', publicKey: null, kcv: new Uint8Array([1, 2, 3]) });
      for (const k of [bare, aes]) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      const seen: string[] = [];
      const compute = (pk: Uint8Array): string => {
        seen.push(Buffer.from(pk).toString('hex'));
        return '0x' + Buffer.from(pk).toString('hex').padStart(40, '0');
      };
      assert.ok((await store.backfillEthereumAddresses(compute)) >= 1);
      assert.ok(seen.includes('04090909'), 'the secp256k1 key without an address was backfilled');
      assert.equal((await store.getKeyByEthereumAddress('0x' + '04090909'.padStart(40, '0')))?.id, bare.id);
      assert.equal((await store.getKey(aes.id))?.ethereumAddress, undefined, 'only secp256k1 keys get an address');
      assert.equal(await store.backfillEthereumAddresses(compute), 0, 'idempotent');

      // The same private key imported twice gives two keys with one address: the enabled one wins.
      const twinAddr = '0x' + 'b'.repeat(40);
      const first = key({ ethereumAddress: twinAddr, state: 'disabled' });
      const second = key({ ethereumAddress: twinAddr });
      for (const k of [first, second]) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      assert.equal((await store.getKeyByEthereumAddress(twinAddr))?.id, second.id);
    });

    it('concurrent creations: each durable on its own, a name conflict fails only that key', async () => {
      const name = 'batch-' + randomUUID();
      const keys = Array.from({ length: 20 }, (_, i) => key({ name: i === 7 || i === 13 ? name : null }));
      const results = await Promise.allSettled(keys.map((k) => store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([i(k)]), createdAt: k.createdAt })));
      function i(k: KeyRecord): number {
        return keys.indexOf(k);
      }
      const failed = results.flatMap((r, idx) => (r.status === 'rejected' ? [idx] : []));
      assert.equal(failed.length, 1, 'exactly one of the two same-named keys is refused');
      const reason = (results[failed[0]!] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof ConflictError && reason.constraint === 'key_name');
      for (const [idx, k] of keys.entries()) {
        const got = await store.getKey(k.id);
        if (idx === failed[0]) assert.equal(got, undefined, 'the refused key left nothing behind');
        else assert.deepEqual((await store.getKeyVersion(k.id, 1))?.sealedMaterial, new Uint8Array([idx]));
      }
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

    it('tokens: every field round-trips by hash and by accessor (maximum lifetime, renewable, caller binding); setTokenExpiry moves only the expiry', async () => {
      const base = {
        tokenHash: new Uint8Array(32),
        name: 'n',
        subject: 's',
        policies: ['p', 'q'],
        parentAccessor: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T01:00:00.000Z',
        maxExpiresAt: '2026-01-02T00:00:00.000Z',
        renewable: true,
        ttlSeconds: 3600,
        numUsesLeft: 3,
        ratePerSecond: 1.5,
        rateBurst: 2,
        revokedAt: null,
        bindCaller: null as CallerBinding | null,
      };
      const renewable = { ...base, accessor: 'acc.rt-renewable', tokenHash: new Uint8Array(32).fill(1), bindCaller: { uid: 1000, exeSha256: 'ab'.repeat(32), scriptSha256: 'cd'.repeat(32) } };
      const fixed = { ...base, accessor: 'acc.rt-fixed', tokenHash: new Uint8Array(32).fill(2), renewable: false, maxExpiresAt: base.expiresAt, numUsesLeft: null, ratePerSecond: null, rateBurst: null };
      const forever = { ...base, accessor: 'acc.rt-forever', tokenHash: new Uint8Array(32).fill(3), expiresAt: null, maxExpiresAt: null, ttlSeconds: null, parentAccessor: 'acc.rt-renewable' };
      for (const t of [renewable, fixed, forever]) {
        await store.createToken(t);
        assert.deepEqual(await store.getTokenByAccessor(t.accessor), t, t.accessor);
        assert.deepEqual(await store.getTokenByHash(t.tokenHash), t, `${t.accessor} by hash`);
      }
      await store.setTokenExpiry('acc.rt-renewable', '2026-01-01T20:00:00.000Z');
      assert.deepEqual(await store.getTokenByAccessor('acc.rt-renewable'), { ...renewable, expiresAt: '2026-01-01T20:00:00.000Z' });
      store = await h.reopen();
      assert.deepEqual(await store.getTokenByAccessor('acc.rt-fixed'), fixed, 'durable');
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
        maxExpiresAt: null,
        renewable: true,
        ttlSeconds: null,
        numUsesLeft: null,
        ratePerSecond: null,
        rateBurst: null,
        revokedAt: null,
        bindCaller: null,
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

    it('transaction rules: put replaces, read back per (scope, id), delete; scopes are separate', async () => {
      const id = randomUUID();
      assert.equal(await store.getTransactionRules('key', id), undefined);
      await store.putTransactionRules({ scope: 'key', scopeId: id, document: '{"version":1}', updatedAt: 't1' });
      await store.putTransactionRules({ scope: 'key', scopeId: id, document: '{"version":1,"dailyLimit":"5"}', updatedAt: 't2' });
      assert.deepEqual(await store.getTransactionRules('key', id), { scope: 'key', scopeId: id, document: '{"version":1,"dailyLimit":"5"}', updatedAt: 't2' });
      assert.equal(await store.getTransactionRules('wallet', id), undefined, 'a wallet with the same id is another scope');
      assert.equal(await store.deleteTransactionRules('key', id), true);
      assert.equal(await store.deleteTransactionRules('key', id), false);
      assert.equal(await store.getTransactionRules('key', id), undefined);
    });

    it('spend reservations: bigint-exact sums beyond 2^64, only inside the 24-hour window, released on request', async () => {
      const scopeId = randomUUID();
      const wei = 10n ** 24n; // far beyond int64
      const at = (iso: string) => ({ scope: 'key' as const, scopeId, amount: wei, createdAt: iso, requestId: null });
      const limit = 3n * wei;
      assert.deepEqual(await store.reserveSpend({ id: randomUUID(), ...at('2026-01-01T00:00:00.000Z') }, limit, '2025-12-31T00:00:00.000Z'), { reserved: true, spent: 0n });
      const second = randomUUID();
      assert.deepEqual(await store.reserveSpend({ id: second, ...at('2026-01-01T01:00:00.000Z') }, limit, '2025-12-31T01:00:00.000Z'), { reserved: true, spent: wei });
      assert.deepEqual(await store.reserveSpend({ id: randomUUID(), ...at('2026-01-01T02:00:00.000Z') }, limit, '2025-12-31T02:00:00.000Z'), { reserved: true, spent: 2n * wei });
      assert.deepEqual(await store.reserveSpend({ id: randomUUID(), ...at('2026-01-01T03:00:00.000Z'), amount: 1n }, limit, '2025-12-31T03:00:00.000Z'), { reserved: false, spent: 3n * wei }, 'one wei over the limit is refused');
      assert.equal(await store.releaseSpend(second), true);
      assert.equal(await store.releaseSpend(second), false);
      assert.equal((await store.reserveSpend({ id: randomUUID(), ...at('2026-01-01T04:00:00.000Z') }, limit, '2025-12-31T04:00:00.000Z')).reserved, true, 'a released reservation frees its amount');
      // 24 h after the first reservation, it leaves the window.
      assert.deepEqual(await store.reserveSpend({ id: randomUUID(), ...at('2026-01-02T00:30:00.000Z') }, limit, '2026-01-01T00:30:00.000Z'), { reserved: true, spent: 2n * wei });
      const other = randomUUID();
      assert.equal((await store.reserveSpend({ id: randomUUID(), scope: 'key', scopeId: other, amount: limit, createdAt: '2026-01-02T00:30:00.000Z', requestId: 'r' }, limit, '2026-01-01T00:30:00.000Z')).reserved, true, 'another key has its own limit');
    });

    it('spend reservations are atomic: 50 concurrent reservations never exceed the limit', async () => {
      const scopeId = randomUUID();
      const amount = 7n * 10n ** 18n;
      const limit = 100n * 10n ** 18n; // floor(100/7) = 14 fit
      const now = new Date().toISOString();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.reserveSpend({ id: randomUUID(), scope: 'key', scopeId, amount, createdAt: now, requestId: null }, limit, new Date(Date.now() - 86_400_000).toISOString())),
      );
      assert.equal(results.filter((r) => r.reserved).length, 14);
      const last = await store.reserveSpend({ id: randomUUID(), scope: 'key', scopeId, amount: 0n, createdAt: now, requestId: null }, limit, new Date(Date.now() - 86_400_000).toISOString());
      assert.equal(last.spent, 14n * amount);
    });

    it('reserveLimits: several buckets all or nothing, each in its own window; release frees every bucket', async () => {
      const scopeId = randomUUID();
      const usdc = 'token:ethereum:1:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48';
      const res = (createdAt: string) => ({ id: randomUUID(), scope: 'key' as const, scopeId, createdAt, requestId: 'r' });
      const dayBefore = (iso: string) => new Date(Date.parse(iso) - 86_400_000).toISOString();
      const hourBefore = (iso: string) => new Date(Date.parse(iso) - 3_600_000).toISOString();
      const limits = (iso: string, native: bigint, token: bigint) => [
        { bucket: 'native', amount: native, limit: 10n ** 30n, windowStart: dayBefore(iso) },
        { bucket: usdc, amount: token, limit: 2n ** 200n, windowStart: dayBefore(iso) },
        { bucket: 'count', amount: 1n, limit: 2n, windowStart: hourBefore(iso) },
      ];
      const t0 = '2026-03-01T00:00:00.000Z';
      const first = res(t0);
      assert.deepEqual(await store.reserveLimits(first, limits(t0, 10n ** 29n, 2n ** 199n)), { reserved: true, spent: [0n, 0n, 0n] });
      const t1 = '2026-03-01T00:10:00.000Z';
      assert.deepEqual(await store.reserveLimits(res(t1), limits(t1, 1n, 2n ** 199n)), { reserved: true, spent: [10n ** 29n, 2n ** 199n, 1n] }, 'exactly up to the token limit, 2^200: bigint-exact');
      const t2 = '2026-03-01T00:20:00.000Z';
      assert.deepEqual(await store.reserveLimits(res(t2), [limits(t2, 1n, 0n)[0]!, limits(t2, 1n, 0n)[2]!]), { reserved: false, spent: [10n ** 29n + 1n, 2n] }, 'the count is full: nothing is inserted');
      assert.deepEqual(await store.reserveLimits(res(t2), [limits(t2, 1n, 1n)[1]!]), { reserved: false, spent: [2n ** 200n] }, 'the token is full');
      assert.deepEqual((await store.reserveLimits(res(t2), [limits(t2, 0n, 0n)[0]!])).spent, [10n ** 29n + 1n], 'the refused reservations inserted no native row');
      // An hour after the first two, the count window is empty again; the 24-hour buckets are not.
      const t3 = '2026-03-01T01:10:00.001Z';
      assert.deepEqual(await store.reserveLimits(res(t3), [limits(t3, 0n, 0n)[2]!]), { reserved: true, spent: [0n] });
      assert.equal(await store.releaseSpend(first.id), true, 'release removes every bucket of the reservation');
      assert.equal(await store.releaseSpend(first.id), false);
      assert.deepEqual((await store.reserveLimits(res(t3), limits(t3, 0n, 0n).slice(0, 2))).spent, [1n, 2n ** 199n]);
      // reserveSpend is the native bucket: it sees what reserveLimits reserved there, and not the token's.
      assert.deepEqual(await store.reserveSpend({ id: randomUUID(), scope: 'key', scopeId, amount: 1n, createdAt: t3, requestId: null }, 1n, dayBefore(t3)), { reserved: false, spent: 1n });
      await assert.rejects(store.reserveLimits(res(t3), [limits(t3, 1n, 1n)[1]!, limits(t3, 1n, 1n)[1]!]), /each bucket at most once/);
    });

    it('reserveLimits is atomic: 50 concurrent token reservations (with a count bucket) never exceed either limit', async () => {
      const scopeId = randomUUID();
      const now = new Date().toISOString();
      const windowStart = new Date(Date.now() - 86_400_000).toISOString();
      const token = 'token:solana:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.reserveLimits({ id: randomUUID(), scope: 'wallet', scopeId, createdAt: now, requestId: null }, [
            { bucket: token, amount: 7n, limit: 100n, windowStart },
            { bucket: 'count', amount: 1n, limit: 20n, windowStart },
          ]),
        ),
      );
      assert.equal(results.filter((r) => r.reserved).length, 14, 'floor(100 / 7) token reservations, under the count of 20');
      const probe = await store.reserveLimits({ id: randomUUID(), scope: 'wallet', scopeId, createdAt: now, requestId: null }, [{ bucket: token, amount: 0n, limit: 100n, windowStart }, { bucket: 'count', amount: 0n, limit: 20n, windowStart }]);
      assert.deepEqual(probe.spent, [98n, 14n]);
    });

    it('approvals: created, votes counted once per subject, compare-and-set on status, listed newest first', async () => {
      const base: ApprovalRecord = {
        id: randomUUID(), scope: 'key', scopeId: 'k', keyId: 'k', chain: 'ethereum', operation: 'ethereum.signTransaction', request: '{"chainId":1}', summary: '{}',
        requesterSubject: 'alice', requesterAccessor: 'acc.alice', required: 2, status: 'pending', reason: null, result: null,
        createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', votes: [],
      };
      await store.createApproval(base);
      assert.deepEqual(await store.getApproval(base.id), base);
      const v1 = await store.addApprovalVote(base.id, { subject: 'bob', accessor: 'acc.bob', vote: 'approve', at: '2026-01-01T00:01:00.000Z' });
      assert.equal(v1?.added, true);
      const again = await store.addApprovalVote(base.id, { subject: 'bob', accessor: 'acc.bob2', vote: 'approve', at: '2026-01-01T00:02:00.000Z' });
      assert.equal(again?.added, false, 'a subject votes once');
      assert.equal(again?.approval.votes.length, 1);
      assert.equal(await store.updateApproval(base.id, ['signing'], { status: 'signed', updatedAt: 'x' }), false, 'wrong expected status: no change');
      const racers = await Promise.all([0, 1, 2].map(() => store.updateApproval(base.id, ['pending'], { status: 'signing', updatedAt: '2026-01-01T00:03:00.000Z' })));
      assert.deepEqual(racers.filter(Boolean).length, 1, 'exactly one caller moves pending → signing');
      assert.equal(await store.addApprovalVote(base.id, { subject: 'carol', accessor: 'acc.carol', vote: 'approve', at: 'y' }), undefined, 'no votes once not pending');
      assert.equal(await store.updateApproval(base.id, ['signing'], { status: 'signed', result: '{"rawTransaction":"0x01"}', updatedAt: 'z' }), true);
      const done = await store.getApproval(base.id);
      assert.equal(done?.status, 'signed');
      assert.equal(done?.result, '{"rawTransaction":"0x01"}');
      assert.equal(await store.getApproval(randomUUID()), undefined);
      const second = { ...base, id: randomUUID() };
      await store.createApproval(second);
      const listed = await store.listApprovals({ limit: 10 });
      assert.deepEqual(listed.slice(0, 2).map((a) => a.id), [second.id, base.id]);
      assert.deepEqual((await store.listApprovals({ status: 'signed', limit: 10 })).map((a) => a.id), [base.id]);
      assert.deepEqual((await store.listApprovals({ before: second.id, limit: 1 })).map((a) => a.id), [base.id]);
      store = await h.reopen();
      assert.equal((await store.getApproval(base.id))?.status, 'signed', 'durable');
    });

    it('nonce leases: one holder per account until released or expired; the submitted nonce is remembered, a failure forgets it', async () => {
      const account = { chainId: 1337n, address: `0x${randomUUID().replaceAll('-', '').padEnd(40, 'a')}` };
      const long = { leaseMs: 60_000, waitMs: 60_000 };
      assert.deepEqual(await store.acquireNonceLease(account, 'h1', long), { acquired: true, lastNonce: undefined }, 'a fresh account is free and remembers nothing');
      assert.deepEqual(await store.acquireNonceLease(account, 'h2', long), { acquired: false }, 'held: refused');
      assert.deepEqual(await store.acquireNonceLease({ ...account, chainId: 1n }, 'h3', long), { acquired: true, lastNonce: undefined }, 'another chain is another account');
      assert.equal(await store.releaseNonceLease({ ...account, chainId: 1n }, 'h3', { kind: 'unused' }), true);
      assert.equal(await store.renewNonceLease(account, 'h2', 60_000), false, 'only the holder renews');
      assert.equal(await store.releaseNonceLease(account, 'h2', { kind: 'submitted', nonce: 99n, rememberMs: 60_000 }), false, 'only the holder releases');
      assert.equal(await store.renewNonceLease(account, 'h1', 60_000), true);
      // Beyond 2^64 − 1 would not be a valid nonce; 2^64 − 2 (EIP-2681's largest) must round-trip exactly.
      const big = 2n ** 64n - 2n;
      assert.equal(await store.releaseNonceLease(account, 'h1', { kind: 'submitted', nonce: big, rememberMs: 60_000 }), true);
      assert.equal(await store.releaseNonceLease(account, 'h1', { kind: 'unused' }), false, 'released once');
      // h2 was refused first, so it is next in line: it takes the lease and sees the nonce.
      const seen = await store.acquireNonceLease(account, 'h2', long);
      assert.ok(seen.acquired && seen.lastNonce === big, 'h2 acquires and sees the nonce');
      assert.ok(seen.lastNonceExpiresInMs !== undefined && seen.lastNonceExpiresInMs > 50_000 && seen.lastNonceExpiresInMs <= 60_000, `remembered for what is left of 60 s (${seen.lastNonceExpiresInMs} ms)`);
      assert.equal(await store.releaseNonceLease(account, 'h2', { kind: 'unused' }), true);
      assert.equal(((await store.acquireNonceLease(account, 'h4', long)) as { lastNonce?: bigint }).lastNonce, big, 'an unused lease keeps the remembered nonce');
      assert.equal(await store.releaseNonceLease(account, 'h4', { kind: 'failed' }), true);
      assert.deepEqual(await store.acquireNonceLease(account, 'h5', long), { acquired: true, lastNonce: undefined }, 'a failed send forgets it');
      assert.equal(await store.releaseNonceLease(account, 'h5', { kind: 'submitted', nonce: 7n, rememberMs: 60_000 }), true);
      store = await h.reopen();
      assert.equal(((await store.acquireNonceLease(account, 'h6', long)) as { lastNonce?: bigint }).lastNonce, 7n, 'durable across a reopen');
      assert.equal(await store.releaseNonceLease(account, 'h6', { kind: 'submitted', nonce: 8n, rememberMs: 1 }), true);
      await sleep(20);
      assert.deepEqual(await store.acquireNonceLease(account, 'h7', long), { acquired: true, lastNonce: undefined }, 'remembered only for rememberMs');
    });

    it('nonce leases: an expired lease is taken by the next caller and its old holder can no longer renew, release or record', async () => {
      const account = { chainId: 5n, address: `0x${randomUUID().replaceAll('-', '').padEnd(40, 'b')}` };
      assert.equal((await store.acquireNonceLease(account, 'dead', { leaseMs: 1, waitMs: 60_000 })).acquired, true);
      await sleep(20);
      assert.equal(await store.renewNonceLease(account, 'dead', 60_000), true, 'expired but untaken: the holder may still renew');
      assert.equal((await store.acquireNonceLease(account, 'next', { leaseMs: 60_000, waitMs: 60_000 })).acquired, false, 'renewed: held again');
      assert.equal(await store.renewNonceLease(account, 'dead', 1), true);
      await sleep(20);
      assert.deepEqual(await store.acquireNonceLease(account, 'next', { leaseMs: 60_000, waitMs: 60_000 }), { acquired: true, lastNonce: undefined });
      assert.equal(await store.renewNonceLease(account, 'dead', 60_000), false);
      assert.equal(await store.releaseNonceLease(account, 'dead', { kind: 'submitted', nonce: 3n, rememberMs: 60_000 }), false);
      assert.equal(await store.releaseNonceLease(account, 'next', { kind: 'unused' }), true);
      assert.equal((await store.acquireNonceLease(account, 'later', { leaseMs: 60_000, waitMs: 60_000 })).acquired, true);
      assert.equal(await store.releaseNonceLease(account, 'later', { kind: 'unused' }), true);
    });

    it('nonce leases: the first refused caller goes next; its claim lapses after waitMs', async () => {
      const account = { chainId: 7n, address: `0x${randomUUID().replaceAll('-', '').padEnd(40, 'c')}` };
      const opts = { leaseMs: 60_000, waitMs: 60_000 };
      assert.equal((await store.acquireNonceLease(account, 'a1', opts)).acquired, true);
      assert.equal((await store.acquireNonceLease(account, 'b1', opts)).acquired, false, 'b1 is refused and becomes next');
      assert.equal((await store.acquireNonceLease(account, 'c1', opts)).acquired, false);
      assert.equal(await store.releaseNonceLease(account, 'a1', { kind: 'unused' }), true);
      assert.equal((await store.acquireNonceLease(account, 'a2', opts)).acquired, false, 'free, but b1 is next: the releasing node cannot re-take it at once');
      assert.equal((await store.acquireNonceLease(account, 'c1', opts)).acquired, false, 'nor can a later waiter');
      assert.equal((await store.acquireNonceLease(account, 'b1', opts)).acquired, true);
      assert.equal((await store.acquireNonceLease(account, 'c1', { leaseMs: 60_000, waitMs: 1 })).acquired, false, 'c1 is next now, briefly');
      assert.equal(await store.releaseNonceLease(account, 'b1', { kind: 'unused' }), true);
      await sleep(20);
      assert.equal((await store.acquireNonceLease(account, 'a3', opts)).acquired, true, "c1's claim lapsed: a caller who stopped retrying does not block the account");
      assert.equal(await store.releaseNonceLease(account, 'a3', { kind: 'unused' }), true);
    });

    it('nonce leases are mutually exclusive across two store instances: 4 callers × 6 critical sections each make nonces 0..23 once each', async () => {
      const other = await h.openSecond();
      try {
        const account = { chainId: 1337n, address: `0x${randomUUID().replaceAll('-', '').padEnd(40, 'd')}` };
        const used: bigint[] = [];
        let inside = 0;
        const worker = async (s: Store, name: string): Promise<void> => {
          for (let i = 0; i < 6; i++) {
            const holder = `${name}-${i}`;
            let attempt = await s.acquireNonceLease(account, holder, { leaseMs: 60_000, waitMs: 60_000 });
            while (!attempt.acquired) {
              await sleep(2);
              attempt = await s.acquireNonceLease(account, holder, { leaseMs: 60_000, waitMs: 60_000 });
            }
            inside++;
            assert.equal(inside, 1, 'one holder at a time');
            const nonce = attempt.lastNonce === undefined ? 0n : attempt.lastNonce + 1n;
            await sleep(1);
            used.push(nonce);
            inside--;
            assert.equal(await s.releaseNonceLease(account, holder, { kind: 'submitted', nonce, rememberMs: 60_000 }), true);
          }
        };
        await Promise.all([0, 1, 2, 3].map((i) => worker(i % 2 === 0 ? store : other, `w${i}`)));
        assert.deepEqual([...used].sort((x, y) => Number(x - y)), Array.from({ length: 24 }, (_, i) => BigInt(i)));
      } finally {
        await other.close();
      }
    });

    it('application keys: stored and read back, a taken key id refused, listed by key id (all or one accessor), revoked once', async () => {
      const rec = (keyId: string, accessor: string) => ({ keyId, accessor, algorithm: 'ed25519', publicKey: new Uint8Array(randomBytes(44)), createdAt: '2026-01-01T00:00:00.000Z', revokedAt: null });
      const a = rec(`ak-${randomUUID()}`, 'acc-a');
      assert.equal(await store.createAppKey(a), true);
      assert.equal(await store.createAppKey({ ...rec(a.keyId, 'acc-b') }), false, 'a key id is never reused');
      assert.deepEqual(await store.getAppKey(a.keyId), a);
      assert.equal(await store.getAppKey('missing'), undefined);
      const b = rec(`${a.keyId}-2`, 'acc-b');
      assert.equal(await store.createAppKey(b), true);
      assert.deepEqual((await store.listAppKeys(undefined, 10, 'acc-b')).map((k) => k.keyId), [b.keyId]);
      assert.deepEqual((await store.listAppKeys(a.keyId, 10)).map((k) => k.keyId).filter((id) => id.startsWith(a.keyId)), [b.keyId]);
      assert.equal(await store.revokeAppKey(a.keyId, '2026-01-02T00:00:00.000Z'), true);
      assert.equal(await store.revokeAppKey(a.keyId, '2026-01-03T00:00:00.000Z'), true, 'idempotent');
      assert.equal((await store.getAppKey(a.keyId))!.revokedAt, '2026-01-02T00:00:00.000Z', 'the first revocation stands');
      assert.equal(await store.revokeAppKey('missing', '2026-01-02T00:00:00.000Z'), false);
    });

    it('request nonces: claimed once per key id, across two store instances; expired rows are pruned', async () => {
      const other = await h.openSecond();
      try {
        const now = Date.now();
        const keyId = `nk-${randomUUID()}`;
        assert.equal(await store.claimRequestNonce(keyId, 'n-1', now + 60_000, now), true);
        assert.equal(await store.claimRequestNonce(keyId, 'n-1', now + 60_000, now), false, 'a replay on the same instance');
        assert.equal(await other.claimRequestNonce(keyId, 'n-1', now + 60_000, now), false, 'a replay on another instance');
        assert.equal(await other.claimRequestNonce(`${keyId}-b`, 'n-1', now + 60_000, now), true, 'nonces are per key id');
        // 20 concurrent claims of one nonce through both instances: exactly one wins
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).claimRequestNonce(keyId, 'n-race', now + 60_000, now)));
        assert.equal(results.filter(Boolean).length, 1);
        // pruning: a fresh instance prunes on its first claim; an expired row is gone, a live one stays
        const third = await h.openSecond();
        try {
          assert.equal(await store.claimRequestNonce(keyId, 'n-old', now - 1, now - 2), true);
          assert.equal(await third.claimRequestNonce(keyId, 'n-other', now + 60_000, now), true);
          assert.equal(await third.claimRequestNonce(keyId, 'n-old', now + 60_000, now), true, 'the expired row was pruned');
          assert.equal(await third.claimRequestNonce(keyId, 'n-1', now + 60_000, now), false, 'the live row was kept');
        } finally {
          await third.close();
        }
      } finally {
        await other.close();
      }
    });

    it('MuSig2 sessions: stored and read back, taken exactly once across two store instances, expired ones pruned on create', async () => {
      const other = await h.openSecond();
      try {
        const now = Date.now();
        const rec = (id: string, expiresAt: number) => ({ id, keyId: `k-${id}`, params: JSON.stringify({ input: 0 }), sealedNonce: new Uint8Array(randomBytes(133)), createdAt: new Date(now).toISOString(), expiresAt });
        const a = rec(randomUUID(), now + 600_000);
        await store.createMusig2Session(a, now);
        assert.deepEqual(await store.getMusig2Session(a.id), a);
        assert.deepEqual(await other.getMusig2Session(a.id), a, 'visible to another instance');
        assert.equal(await store.getMusig2Session(randomUUID()), undefined);
        // 20 concurrent takes through both instances: exactly one gets the session
        const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).takeMusig2Session(a.id)));
        assert.equal(taken.filter((t) => t !== undefined).length, 1);
        assert.deepEqual(taken.find((t) => t !== undefined), a);
        assert.equal(await store.getMusig2Session(a.id), undefined, 'gone once taken');
        assert.equal(await other.takeMusig2Session(a.id), undefined);
        // pruning: an expired session is deleted by the next create, a live one stays
        const old = rec(randomUUID(), now - 1);
        const live = rec(randomUUID(), now + 600_000);
        await store.createMusig2Session(old, now - 10);
        await store.createMusig2Session(live, now - 10);
        await other.createMusig2Session(rec(randomUUID(), now + 600_000), now);
        assert.equal(await store.getMusig2Session(old.id), undefined, 'the expired session was pruned');
        assert.deepEqual(await store.getMusig2Session(live.id), live, 'the live session was kept');
      } finally {
        await other.close();
      }
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

    it('audit: a row\'s head signature bytes are stored and read back exactly; rows without one read back without the member', async () => {
      const before = (await store.auditHead())?.seq ?? 0;
      // Opaque bytes to storage (audit/record.ts encodes them): every byte value, odd length.
      const sig = new Uint8Array(Array.from({ length: 105 }, (_, i) => (i * 37 + 255) % 256));
      const written = await store.appendAudit((head) => {
        const rows = chained(head, ['signed-1', 'signed-2']);
        rows[1]!.headSignature = sig;
        return rows;
      });
      assert.deepEqual(written.map((r) => r.seq), [before + 1, before + 2]);
      const read = await store.readAudit({ afterSeq: before, limit: 10 });
      assert.equal(read.length, 2);
      assert.equal('headSignature' in read[0]!, false, 'no signature on the first row of the batch');
      assert.deepEqual(read[1]!.headSignature, sig);
      assert.deepEqual(await store.auditHead(), read[1]);
      const other = await h.openSecond();
      try {
        assert.deepEqual((await other.readAudit({ afterSeq: before + 1, limit: 1 }))[0]!.headSignature, sig, 'and through another instance');
      } finally {
        await other.close();
      }
      await assertChain(store, before + 2);
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
        await store.createToken({ accessor, tokenHash: new Uint8Array(createHash('sha256').update(accessor).digest()), name: null, subject: 's', policies: ['p'], parentAccessor: null, createdAt: k.createdAt, expiresAt: null, maxExpiresAt: null, renewable: true, ttlSeconds: null, numUsesLeft: 5, ratePerSecond: null, rateBurst: null, revokedAt: null, bindCaller: null });
        const uses = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).consumeTokenUse(accessor)));
        assert.equal(uses.filter(Boolean).length, 5, 'exactly the 5 uses are taken');
        assert.equal((await other.getTokenByAccessor(accessor))?.numUsesLeft, 0);
      } finally {
        await other.close();
      }
    });

    it('re-wrap: a page of sealed values replaced in one call, each only if it still equals what was read', async () => {
      const ks = [key(), key(), key()];
      for (const [i, k] of ks.entries()) await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([10 + i]), createdAt: k.createdAt });
      const replaced = await store.replaceKeyVersionMaterials([
        { keyId: ks[0]!.id, version: 1, expected: new Uint8Array([10]), next: new Uint8Array([20]) },
        // stale: another writer changed it since it was read
        { keyId: ks[1]!.id, version: 1, expected: new Uint8Array([99]), next: new Uint8Array([21]) },
        { keyId: ks[2]!.id, version: 1, expected: new Uint8Array([12]), next: new Uint8Array([22]) },
        // no such version
        { keyId: ks[2]!.id, version: 2, expected: new Uint8Array([12]), next: new Uint8Array([23]) },
      ]);
      assert.deepEqual(replaced, [true, false, true, false]);
      assert.deepEqual((await store.getKeyVersion(ks[0]!.id, 1))?.sealedMaterial, new Uint8Array([20]));
      assert.deepEqual((await store.getKeyVersion(ks[1]!.id, 1))?.sealedMaterial, new Uint8Array([11]));
      assert.deepEqual((await store.getKeyVersion(ks[2]!.id, 1))?.sealedMaterial, new Uint8Array([22]));
      assert.deepEqual(await store.replaceKeyVersionMaterials([]), []);

      const path = `rewrap/${ks[0]!.id}`;
      await store.putSecretVersion(path, () => new Uint8Array([1]), new Date().toISOString());
      await store.putSecretVersion(path, () => new Uint8Array([2]), new Date().toISOString());
      assert.deepEqual(
        await store.replaceSecretVersionValues([
          { path, version: 1, expected: new Uint8Array([1]), next: new Uint8Array([7]) },
          { path, version: 2, expected: new Uint8Array([1]), next: new Uint8Array([8]) },
        ]),
        [true, false],
      );
      const versions = await store.scanSecretVersions({ path, version: 0 }, 10);
      assert.deepEqual(
        versions.filter((v) => v.path === path).map((v) => [v.version, [...v.sealedValue!]]),
        [
          [1, [7]],
          [2, [2]],
        ],
      );
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
