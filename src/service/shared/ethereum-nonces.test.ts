import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { StrongboxError } from '../../protocol/errors.js';
import { createMemoryNonceLedger, NonceTracker } from './ethereum-nonces.js';
import { UpstreamRpcError } from '../../chains/ethereum/rpc-client.js';

describe('NonceTracker', () => {
  it('concurrent sends from one address get consecutive nonces even when the node lags', async () => {
    const t = new NonceTracker();
    // The node never counts pending transactions here: the tracker alone must advance.
    const used = await Promise.all(Array.from({ length: 20 }, () => t.withNextNonce('0xAbC', async () => 5n, async (n) => (await sleep(1), n))));
    assert.deepEqual([...used].sort((a, b) => Number(a - b)), Array.from({ length: 20 }, (_, i) => 5n + BigInt(i)));
  });

  it('takes the node count when it is ahead, and forgets its own after the node refuses the nonce', async () => {
    const t = new NonceTracker();
    assert.equal(await t.withNextNonce('0xa', async () => 0n, async (n, check) => (await check(), n)), 0n);
    assert.equal(await t.withNextNonce('0xA', async () => 7n, async (n, check) => (await check(), n)), 7n, 'addresses are case-insensitive; node ahead wins');
    await assert.rejects(t.withNextNonce('0xa', async () => 0n, async (_n, check) => (await check(), Promise.reject(new UpstreamRpcError(-32000, 'nonce too low', null)))));
    assert.equal(await t.withNextNonce('0xa', async () => 3n, async (n, check) => (await check(), n)), 3n, 'after the node refused the nonce it is asked again');
  });

  it('a send that fails before reaching the node (denied, held, fill error) keeps the remembered nonce: no reuse while the node lags', async () => {
    const t = new NonceTracker();
    // A goes out with nonce 5; the node keeps answering 5 (it has not counted A yet).
    assert.equal(await t.withNextNonce('0xb', async () => 5n, async (n, check) => (await check(), n)), 5n);
    await assert.rejects(t.withNextNonce('0xb', async () => 5n, async () => Promise.reject(new Error('denied by the transaction rules'))));
    assert.equal(await t.withNextNonce('0xb', async () => 5n, async (n, check) => (await check(), n)), 6n, 'not 5 again');
  });

  it('while the node lags, sends do not extend the memory: a dropped transaction stalls the account for at most rememberMs', async () => {
    const rememberMs = 2000;
    const t = new NonceTracker({ rememberMs });
    // Nonce 4 goes out and the node drops it: its count stays 4.
    const start = Date.now();
    assert.equal(await t.withNextNonce('0xd', async () => 4n, async (n, check) => (await check(), n)), 4n);
    // Sends keep coming within the memory (each a few hundred ms apart), each past the gap …
    for (const expected of [5n, 6n, 7n]) {
      await sleep(300);
      assert.equal(await t.withNextNonce('0xd', async () => 4n, async (n, check) => (await check(), n)), expected);
    }
    // … but the memory still ends rememberMs after nonce 4 went out (not after the last send): then the
    // node's count fills the gap.
    await sleep(Math.max(0, start + rememberMs + 100 - Date.now()));
    assert.equal(await t.withNextNonce('0xd', async () => 4n, async (n, check) => (await check(), n)), 4n);
  });

  it('a refusal that is not "nonce taken", a "nonce too high" or no answer at all leaves the nonce unused (no gap)', async () => {
    const t = new NonceTracker();
    assert.equal(await t.withNextNonce('0xc', async () => 0n, async (n, check) => (await check(), n)), 0n);
    for (const failure of [new UpstreamRpcError(-32000, 'insufficient funds for gas * price + value', null), new UpstreamRpcError(-32000, 'nonce too high', null), new Error('upstream timed out'), new Error('connect ECONNREFUSED 127.0.0.1:8545')]) {
      await assert.rejects(t.withNextNonce('0xc', async () => 0n, async (_n, check) => (await check(), Promise.reject(failure))));
    }
    assert.equal(await t.withNextNonce('0xc', async () => 0n, async (n, check) => (await check(), n)), 1n, 'nonce 1 was never used: the next send takes it (the node still counts 0, nonce 0 is remembered)');
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

describe('NonceTracker across nodes (trackers sharing one ledger)', () => {
  const account = (address: string, chainId = 1337n) => ({ chainId, address });

  it('20 concurrent sends split across two trackers get nonces 0..19 once each while the node counts none of them', async () => {
    const ledger = createMemoryNonceLedger();
    const nodes = [new NonceTracker({ ledger }), new NonceTracker({ ledger })];
    const used = await Promise.all(Array.from({ length: 20 }, (_, i) => nodes[i % 2]!.withNextNonce(account('0xabc'), async () => 0n, async (n, checkLease) => (await sleep(1), await checkLease(), n))));
    assert.deepEqual([...used].sort((a, b) => Number(a - b)), Array.from({ length: 20 }, (_, i) => BigInt(i)));
  });

  it('the chain id is part of the account: the same address on two chains is two sequences', async () => {
    const t = new NonceTracker();
    assert.equal(await t.withNextNonce(account('0xa', 1n), async () => 4n, async (n) => n), 4n);
    assert.equal(await t.withNextNonce(account('0xA', 1n), async () => 0n, async (n) => n), 5n, 'remembered on chain 1');
    assert.equal(await t.withNextNonce(account('0xa', 2n), async () => 0n, async (n) => n), 0n, 'nothing remembered on chain 2');
  });

  it("waits for another holder's lease and proceeds once it expires, asking the node (the dead holder recorded nothing)", async () => {
    const ledger = createMemoryNonceLedger();
    const acct = account('0xdead');
    assert.equal((await ledger.acquireNonceLease(acct, 'killed-node', { leaseMs: 60_000, waitMs: 1 })).acquired, true);
    let attempts = 0;
    const counting = { ...ledger, acquireNonceLease: (...args: Parameters<typeof ledger.acquireNonceLease>) => (attempts++, ledger.acquireNonceLease(...args)) };
    let sent = false;
    const result = new NonceTracker({ ledger: counting }).withNextNonce(acct, async () => 11n, async (n) => ((sent = true), n));
    while (attempts < 3) await sleep(5);
    assert.equal(sent, false, 'nothing runs while the lease is held');
    assert.equal(await ledger.renewNonceLease(acct, 'killed-node', 0), true, 'the lease expires now');
    assert.equal(await result, 11n);
  });

  it('gives up after maxWaitMs with NONCE_LEASE_UNAVAILABLE, having sent nothing', async () => {
    const ledger = createMemoryNonceLedger();
    await ledger.acquireNonceLease(account('0xbusy'), 'other-node', { leaseMs: 60_000, waitMs: 1 });
    let sent = false;
    await assert.rejects(
      new NonceTracker({ ledger, maxWaitMs: 30 }).withNextNonce(account('0xbusy'), async () => 0n, async () => (sent = true)),
      (e: unknown) => e instanceof StrongboxError && e.code === 'NONCE_LEASE_UNAVAILABLE',
    );
    assert.equal(sent, false);
  });

  it('a holder whose lease was taken over is stopped by checkLease before it submits, and records nothing', async () => {
    const ledger = createMemoryNonceLedger();
    const holders: string[] = [];
    const spied = { ...ledger, acquireNonceLease: (...args: Parameters<typeof ledger.acquireNonceLease>) => (holders.push(args[1]), ledger.acquireNonceLease(...args)) };
    const acct = account('0x10');
    let submitted = false;
    await assert.rejects(
      new NonceTracker({ ledger: spied, leaseMs: 60_000 }).withNextNonce(acct, async () => 3n, async (_n, checkLease) => {
        // The lease expires mid-send (a stalled node) and another node takes it.
        assert.equal(await ledger.renewNonceLease(acct, holders[0]!, 0), true);
        assert.equal((await ledger.acquireNonceLease(acct, 'other-node', { leaseMs: 60_000, waitMs: 1 })).acquired, true);
        await checkLease();
        submitted = true;
      }),
      (e: unknown) => e instanceof StrongboxError && e.code === 'NONCE_LEASE_UNAVAILABLE',
    );
    assert.equal(submitted, false);
    assert.equal(await ledger.releaseNonceLease(acct, 'other-node', { kind: 'unused' }), true, 'the other node still held it: the stopped holder released nothing');
  });

  it('a submitted nonce is trusted over the node only for rememberMs', async () => {
    const t = new NonceTracker({ rememberMs: 1 });
    assert.equal(await t.withNextNonce('0xr', async () => 4n, async (n) => n), 4n);
    await sleep(20);
    assert.equal(await t.withNextNonce('0xr', async () => 4n, async (n) => n), 4n, 'the node did not count 4 (dropped): 4 is used again, no gap');
  });

  it('the lease is renewed while a send takes longer than leaseMs, so no other node takes it', async () => {
    const ledger = createMemoryNonceLedger();
    const acct = account('0x5low');
    const t = new NonceTracker({ ledger, leaseMs: 400 });
    const stolen = await t.withNextNonce(acct, async () => 0n, async () => {
      await sleep(1200);
      return (await ledger.acquireNonceLease(acct, 'intruder', { leaseMs: 400, waitMs: 1 })).acquired;
    });
    assert.equal(stolen, false);
  });
});
