import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { NonceTracker } from './ethereum-nonces.js';

describe('NonceTracker', () => {
  it('concurrent sends from one address get consecutive nonces even when the node lags', async () => {
    const t = new NonceTracker();
    // The node never counts pending transactions here: the tracker alone must advance.
    const used = await Promise.all(Array.from({ length: 20 }, () => t.withNextNonce('0xAbC', async () => 5n, async (n) => (await sleep(1), n))));
    assert.deepEqual([...used].sort((a, b) => Number(a - b)), Array.from({ length: 20 }, (_, i) => 5n + BigInt(i)));
  });

  it('takes the node count when it is ahead, and forgets its own after a failed send', async () => {
    const t = new NonceTracker();
    assert.equal(await t.withNextNonce('0xa', async () => 0n, async (n) => n), 0n);
    assert.equal(await t.withNextNonce('0xA', async () => 7n, async (n) => n), 7n, 'addresses are case-insensitive; node ahead wins');
    await assert.rejects(t.withNextNonce('0xa', async () => 0n, async () => Promise.reject(new Error('nonce too low'))));
    assert.equal(await t.withNextNonce('0xa', async () => 3n, async (n) => n), 3n, 'after a failure the node is asked again');
  });

  it('different addresses do not wait for each other', async () => {
    const t = new NonceTracker();
    let release!: () => void;
    const blocked = t.withNextNonce('0x1', async () => 0n, () => new Promise<bigint>((r) => (release = () => r(0n))));
    assert.equal(await t.withNextNonce('0x2', async () => 9n, async (n) => n), 9n);
    release();
    assert.equal(await blocked, 0n);
  });
});
