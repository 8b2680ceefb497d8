/**
 * A token daily limit across two nodes on one PostgreSQL database (the real binary twice, on a
 * throwaway cluster this file starts): 50 parallel ERC-20 transfers, sent alternately to A and B,
 * against one key's token limit. Exactly floor(limit / amount) sign, whichever node they reach, and
 * the signed transactions — read with viem, not with Strongbox — never add up to more than the limit.
 * The same is then shown for the transaction count (maxTransactions).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFunctionData, encodeFunctionData, erc20Abi, parseTransaction, recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { type SpawnedServer, api } from '../helpers/server.js';
import { startTwoNodes, type TwoNodes } from '../helpers/two-nodes.js';

const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

describe('token limits on two nodes sharing one PostgreSQL database', () => {
  let nodes: TwoNodes;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let root: string;

  before(async () => {
    nodes = await startTwoNodes('tokenlimits');
    ({ a, b, root } = nodes);
  });
  after(async () => {
    await nodes?.stop();
  });

  const transfer = (nonce: number, amount: bigint) => ({
    type: 'eip1559', chainId: 1, nonce, to: USDC, value: '0', gas: 60000, maxFeePerGas: '1000000000', maxPriorityFeePerGas: '1000000000',
    data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [B, amount] }),
  });

  it('50 parallel ERC-20 transfers on A and B against one token daily limit: exactly floor(limit / amount) sign', async () => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const amount = 3_000_000n;
    const limit = 100_000_000n; // floor(100 / 3) = 33
    const rules = await api(b.addr, 'PUT', `/v1/keys/${k.body.id}/transaction-rules`, root, { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: limit.toString() }] });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => api(i % 2 === 0 ? a.addr : b.addr, 'POST', `/v1/keys/${k.body.id}/ethereum/sign-transaction`, root, { transaction: transfer(i, amount) })));
    const signed = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    assert.ok(refused.every((r) => r.status === 403 && r.body.code === 'TRANSACTION_DENIED' && r.body.reason === 'token_daily_limit_exceeded'), JSON.stringify(refused.map((r) => r.body)));
    assert.equal(signed.length, Number(limit / amount));
    assert.ok(results.filter((r, i) => i % 2 === 0 && r.status === 200).length > 0 && results.filter((r, i) => i % 2 === 1 && r.status === 200).length > 0, 'both nodes signed some');
    let total = 0n;
    for (const r of signed) {
      const raw = r.body.rawTransaction as TransactionSerialized;
      assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), k.body.address);
      const tx = parseTransaction(raw);
      assert.equal(tx.to?.toLowerCase(), USDC.toLowerCase());
      const call = decodeFunctionData({ abi: erc20Abi, data: tx.data! });
      assert.equal(call.functionName, 'transfer');
      total += call.args[1] as bigint;
    }
    assert.ok(total <= limit, `signed ${total} > limit ${limit}`);
    assert.equal(total, 33n * amount);
  });

  it('maxTransactions holds across nodes: 30 parallel signatures on A and B, a count of 12', async () => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    const rules = await api(a.addr, 'PUT', `/v1/keys/${k.body.id}/transaction-rules`, root, { version: 1, maxTransactions: { count: 12, windowSeconds: 3600 } });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => api(i % 2 === 0 ? a.addr : b.addr, 'POST', `/v1/keys/${k.body.id}/ethereum/sign-transaction`, root, { transaction: transfer(i, 1n) })));
    const refused = results.filter((r) => r.status !== 200);
    assert.ok(refused.every((r) => r.status === 403 && r.body.reason === 'transaction_count_exceeded'), JSON.stringify(refused.map((r) => r.body)));
    assert.equal(results.length - refused.length, 12);
  });
});
