import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withKeyRecordCache } from './key-record-cache.js';
import type { KeyRecord, Store, TransactionRulesRecord, WalletRecord } from './types.js';

/** A store whose reads can be held open, to interleave a read with a write. */
function slowStore() {
  let rules: TransactionRulesRecord | undefined;
  let key: KeyRecord | undefined = { id: 'k', state: 'enabled' } as KeyRecord;
  let wallet: WalletRecord = { id: 'w', name: 'hot', sealedSeed: new Uint8Array([1]) } as WalletRecord;
  let walletReads = 0;
  const gates: (() => void)[] = [];
  const gate = () => new Promise<void>((r) => gates.push(r));
  const store = {
    async getTransactionRules() {
      const seen = rules;
      await gate();
      return seen;
    },
    async putTransactionRules(r: TransactionRulesRecord) {
      rules = r;
    },
    async deleteTransactionRules() {
      rules = undefined;
      return true;
    },
    async getKey() {
      const seen = key;
      await gate();
      return seen;
    },
    async getWallet(id: string) {
      walletReads++;
      const seen = id === wallet.id ? wallet : undefined;
      await gate();
      return seen;
    },
    async replaceWalletSeed(_id: string, _expected: Uint8Array, next: Uint8Array) {
      wallet = { ...wallet, sealedSeed: next };
      return true;
    },
    async updateKey(_id: string, patch: Partial<KeyRecord>) {
      key = { ...key!, ...patch };
      return key;
    },
  } as unknown as Store;
  return { store, release: () => gates.splice(0).forEach((g) => g()), walletReads: () => walletReads };
}

describe('record cache', () => {
  it('a read that raced a local write does not cache the old value', async () => {
    const { store, release } = slowStore();
    const cached = withKeyRecordCache(store);
    const before = cached.getTransactionRules('key', 'k');
    await cached.putTransactionRules({ scope: 'key', scopeId: 'k', document: '{"version":1}', updatedAt: 'now' });
    release();
    assert.equal(await before, undefined, 'the racing read itself saw the old (absent) rules');
    const after = cached.getTransactionRules('key', 'k');
    release();
    assert.equal((await after)?.document, '{"version":1}', 'the next read sees the write, not a cached stale value');

    const k0 = cached.getKey('k');
    await cached.updateKey('k', { state: 'disabled' });
    release();
    assert.equal((await k0)?.state, 'enabled');
    const k1 = cached.getKey('k');
    release();
    assert.equal((await k1)?.state, 'disabled');
  });

  it('absent rules are cached (no store read) until a local write clears them', async () => {
    const { store, release } = slowStore();
    const cached = withKeyRecordCache(store);
    const first = cached.getTransactionRules('key', 'x');
    release();
    assert.equal(await first, undefined);
    assert.equal(await cached.getTransactionRules('key', 'x'), undefined, 'answered from the cache: no gate to release');
  });

  it('wallets are cached by id (the authorizer reads a derived key\'s wallet name), and a seed re-wrap clears them', async () => {
    const { store, release, walletReads } = slowStore();
    const cached = withKeyRecordCache(store);
    const first = cached.getWallet('w');
    release();
    assert.equal((await first)?.name, 'hot');
    assert.equal((await cached.getWallet('w'))?.name, 'hot', 'answered from the cache: no gate to release');
    assert.equal(walletReads(), 1);

    const racing = cached.getWallet('unknown');
    release();
    assert.equal(await racing, undefined);
    const again = cached.getWallet('unknown');
    release();
    assert.equal(await again, undefined, 'an unknown wallet is not cached');
    assert.equal(walletReads(), 3);

    await cached.replaceWalletSeed('w', new Uint8Array([1]), new Uint8Array([2]));
    const after = cached.getWallet('w');
    release();
    assert.deepEqual((await after)?.sealedSeed, new Uint8Array([2]), 'the re-wrapped seed, not the cached one');
    assert.equal(walletReads(), 4);
  });
});
