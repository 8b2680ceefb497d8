/**
 * KMIP Locate over a few thousand objects on a real SQLite file (service/kmip/locate-kmip.ts and the
 * migration-20 indexes): paging with Offset Items and Maximum Items returns exactly the expected objects,
 * in creation order, with no duplicates or gaps, for Name, Object Type, State, Algorithm and Length; and
 * the store is asked only for candidates the indexes match (a counting wrapper around the store), never
 * for every key. The expected answers are computed here from the generated data, not by the code under test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';
import type { KeyRecord, Store } from '../../src/storage/types.js';
import type { KeyType } from '../../src/protocol/types.js';
import { locateKmipObjects, type LocateCriteria } from '../../src/service/kmip/locate-kmip.js';
import { key } from '../contract/store.contract.js';

const COUNT = 3000;

interface Made {
  id: string;
  type: KeyType;
  state: KeyRecord['state'];
  names: string[];
}

describe('KMIP Locate: paging over thousands of objects through the indexes', () => {
  let dir: string;
  let store: Store;
  const made: Made[] = [];
  let rowsRead = 0;
  let metadataReads = 0;
  let counting: Store;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-kmip-locate-'));
    store = openSqliteStore(dir);
    const types: KeyType[] = ['aes256', 'hmac256', 'p256', 'secp256k1'];
    for (let i = 0; i < COUNT; i++) {
      const type = types[i % 4]!;
      const state = i % 3 === 0 ? 'disabled' : 'enabled';
      const k = key({ id: randomUUID(), type, state, createdAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString() });
      await store.createKey(k, { keyId: k.id, version: 1, sealedMaterial: new Uint8Array([1]), createdAt: k.createdAt });
      // Every 7th key is named "tenant-a", every 11th also "tenant-b"; a disabled key is Pre-Active to KMIP.
      const names = [...(i % 7 === 0 ? ['tenant-a'] : []), ...(i % 11 === 0 ? ['tenant-b'] : []), `key-${i}`];
      await store.putKmipObject({ keyId: k.id, state: state === 'enabled' ? 'active' : 'pre_active', plaintextExport: false, attributes: JSON.stringify({ names, custom: [] }), updatedAt: k.createdAt, names });
      made.push({ id: k.id, type, state, names });
    }
    counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'locateKmipKeys') {
          return async (...args: Parameters<Store['locateKmipKeys']>) => {
            const page = await target.locateKmipKeys(...args);
            rowsRead += page.keys.length;
            return page;
          };
        }
        if (prop === 'getKmipObject') {
          return (id: string) => {
            metadataReads++;
            return target.getKmipObject(id);
          };
        }
        if (prop === 'listKeys') throw new Error('Locate must not list every key');
        return Reflect.get(target, prop, receiver);
      },
    });
  });
  after(async () => {
    await store.close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every page of `size` via Offset Items / Maximum Items, concatenated, plus the reported total. */
  async function allPages(criteria: LocateCriteria, size: number): Promise<{ uids: string[]; located: number[] }> {
    const uids: string[] = [];
    const located: number[] = [];
    for (let offset = 0; ; offset += size) {
      const r = await locateKmipObjects({ store: counting }, { ...criteria, offset, maximum: size }, async () => true, async () => true);
      located.push(r.located);
      uids.push(...r.uids);
      if (r.uids.length < size) return { uids, located };
    }
  }

  const expectUids = (pick: (m: Made, i: number) => boolean, kinds: ('private' | 'public' | 'symmetric')[] = ['private', 'public', 'symmetric']): string[] =>
    made.flatMap((m, i) => {
      if (!pick(m, i)) return [];
      const symmetric = m.type === 'aes256' || m.type === 'hmac256';
      if (symmetric) return kinds.includes('symmetric') ? [m.id] : [];
      return [...(kinds.includes('private') ? [m.id] : []), ...(kinds.includes('public') ? [`${m.id}/public`] : [])];
    });

  it('by Name: pages of 37 add up to exactly the named objects, in creation order, and read only those keys', async () => {
    rowsRead = 0;
    metadataReads = 0;
    const { uids, located } = await allPages({ names: ['tenant-a'] }, 37);
    const want = expectUids((m) => m.names.includes('tenant-a'));
    assert.deepEqual(uids, want);
    assert.equal(new Set(uids).size, uids.length, 'no duplicates');
    assert.ok(located.every((n) => n === want.length), 'Located Items is the total on every page');
    const namedKeys = made.filter((m) => m.names.includes('tenant-a')).length;
    const pages = located.length;
    assert.ok(rowsRead <= namedKeys * pages, `read ${rowsRead} key rows for ${namedKeys} named keys over ${pages} pages (a scan would read ${COUNT * pages})`);
    assert.equal(metadataReads, rowsRead);
  });

  it('two Names: only objects carrying both', async () => {
    const { uids } = await allPages({ names: ['tenant-a', 'tenant-b'] }, 5);
    assert.deepEqual(uids, expectUids((m) => m.names.includes('tenant-a') && m.names.includes('tenant-b')));
  });

  it('by Object Type and State: Pre-Active symmetric keys, pages of 100', async () => {
    rowsRead = 0;
    const { uids } = await allPages({ kinds: ['symmetric'], states: ['pre_active'] }, 100);
    assert.deepEqual(uids, expectUids((m) => (m.type === 'aes256' || m.type === 'hmac256') && m.state === 'disabled', ['symmetric']));
    const candidates = made.filter((m) => (m.type === 'aes256' || m.type === 'hmac256') && m.state === 'disabled').length;
    assert.ok(rowsRead <= candidates * Math.ceil(uids.length / 100 + 1), `read ${rowsRead} rows for ${candidates} candidates`);
  });

  it('by Algorithm and Length: P-256 public keys, Active, pages of 250', async () => {
    const { uids } = await allPages({ types: ['p256'], lengthBits: 256, kinds: ['public'], states: ['active'] }, 250);
    assert.deepEqual(uids, expectUids((m) => m.type === 'p256' && m.state === 'enabled', ['public']));
    const none = await allPages({ types: ['p256'], lengthBits: 2048 }, 10);
    assert.deepEqual(none.uids, []);
  });

  it('an Offset past the end answers nothing, and the Located Items total still counts every match', async () => {
    const r = await locateKmipObjects({ store: counting }, { names: ['tenant-b'], offset: 10_000, maximum: 10 }, async () => true);
    assert.deepEqual(r.uids, []);
    assert.equal(r.located, expectUids((m) => m.names.includes('tenant-b')).length);
  });

  it('objects the caller may not read are neither returned nor counted', async () => {
    const hidden = new Set(made.filter((_, i) => i % 2 === 0).map((m) => m.id));
    const r = await locateKmipObjects({ store: counting }, { names: ['tenant-a'], offset: 0, maximum: 10_000 }, async (record) => !hidden.has(record.id));
    const want = expectUids((m) => m.names.includes('tenant-a') && !hidden.has(m.id));
    assert.deepEqual(r.uids, want);
    assert.equal(r.located, want.length);
  });

  it('KMIP items (Secret Data, Opaque, public keys): an Object Type of items asks no key, and items follow the keys with the same paging', async () => {
    const items: string[] = [];
    for (let n = 0; n < 30; n++) {
      const uid = randomUUID();
      const kind = n % 3 === 0 ? 'public_key' : n % 3 === 1 ? 'secret_data' : 'opaque';
      const names = n % 2 === 0 ? ['tenant-a'] : [];
      await store.putKmipItem({ uid, objectType: kind, keyType: kind === 'public_key' ? 'p256' : null, state: 'active', attributes: JSON.stringify({ names, custom: [] }), publicKey: null, createdAt: new Date(Date.UTC(2026, 1, 1) + n).toISOString(), updatedAt: new Date().toISOString(), names });
      items.push(uid);
    }
    rowsRead = 0;
    const secrets = await allPages({ kinds: ['secret_data'] }, 4);
    assert.deepEqual(secrets.uids, items.filter((_, n) => n % 3 === 1));
    assert.equal(rowsRead, 0, 'Locate by Secret Data reads no key row');
    const named = await allPages({ names: ['tenant-a'] }, 37);
    assert.deepEqual(named.uids, [...expectUids((m) => m.names.includes('tenant-a')), ...items.filter((_, n) => n % 2 === 0)], 'keys first, then items, each in creation order');
    const p256Public = await allPages({ types: ['p256'], kinds: ['public'], states: ['active'] }, 250);
    assert.deepEqual(p256Public.uids, [...expectUids((m) => m.type === 'p256' && m.state === 'enabled', ['public']), ...items.filter((_, n) => n % 3 === 0)]);
    const hidden = await locateKmipObjects({ store: counting }, { kinds: ['opaque'], offset: 0, maximum: 100 }, async () => true, async (item) => item.uid !== items[2]);
    assert.deepEqual(hidden.uids, items.filter((_, n) => n % 3 === 2 && n !== 2), 'items the caller may not read are left out');
  });
});
