/**
 * The fee bound of an Ethereum intent: the most a transaction can charge its sender. Transactions are
 * built and serialized by viem (an independent encoder) and read back with viem's parser, so the fields
 * the bound is computed from are those a node would see.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTransaction as viemParse, serializeTransaction, type TransactionSerializable } from 'viem';
import { StrongboxError } from '../../protocol/errors.js';
import { ethereumIntent, ethereumMaxFee, GAS_PER_BLOB } from './intent.js';
import { parseTransaction } from './transaction.js';

const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const now = new Date('2026-11-18T10:00:00Z');
/** Through viem's serializer and parser, as a node would read the transaction. */
const viaViem = (tx: TransactionSerializable) => viemParse(serializeTransaction(tx));

describe('Ethereum fee bound', () => {
  it('legacy and EIP-2930: gas × gasPrice', () => {
    const legacy = viaViem({ type: 'legacy', chainId: 1, nonce: 0, to: B, value: 5n, gas: 21_000n, gasPrice: 30_000_000_000n });
    assert.equal(ethereumMaxFee(legacy), 21_000n * 30_000_000_000n);
    const eip2930 = viaViem({ type: 'eip2930', chainId: 1, nonce: 0, to: B, gas: 50_000n, gasPrice: 7n, accessList: [] });
    assert.equal(ethereumMaxFee(eip2930), 350_000n);
  });

  it('EIP-1559: gas × maxFeePerGas (not the priority fee)', () => {
    const tx = viaViem({ type: 'eip1559', chainId: 1, nonce: 0, to: B, gas: 100_000n, maxFeePerGas: 40_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n });
    assert.equal(ethereumMaxFee(tx), 4_000_000_000_000_000n);
  });

  it('EIP-4844: plus blobs × GAS_PER_BLOB × maxFeePerBlobGas', () => {
    const hashes = [`0x01${'11'.repeat(31)}`, `0x01${'22'.repeat(31)}`] as `0x${string}`[];
    const tx = viaViem({ type: 'eip4844', chainId: 1, nonce: 0, to: B, gas: 21_000n, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n, maxFeePerBlobGas: 3n, blobVersionedHashes: hashes });
    assert.equal(GAS_PER_BLOB, 131_072n, 'EIP-4844 GAS_PER_BLOB = 2**17');
    assert.equal(ethereumMaxFee(tx), 21_000n * 10n + 2n * 131_072n * 3n);
  });

  it('a parsed request carries the bound into its intent; values beyond 2^64 stay exact', () => {
    const tx = parseTransaction({ chainId: 1, nonce: 0, to: B, value: '1', gas: '30000000', maxFeePerGas: (2n ** 70n).toString(), maxPriorityFeePerGas: '0' });
    const intent = ethereumIntent(tx as typeof tx & { chainId: number }, now);
    assert.equal(intent.fee, 30_000_000n * 2n ** 70n);
    assert.deepEqual(intent.transfers, [{ to: B, amount: 1n, asset: 'native' }]);
  });

  it("a contract creation's value is a transfer to no destination", () => {
    const tx = parseTransaction({ chainId: 1, nonce: 0, value: '7', data: '0x6000', gas: 60000, gasPrice: 1, type: 'legacy' });
    const intent = ethereumIntent(tx as typeof tx & { chainId: number }, now);
    assert.deepEqual(intent.transfers, [{ to: null, amount: 7n, asset: 'native' }]);
    assert.deepEqual(intent.calls, [{ to: null, selector: '0x6000' }]);
  });

  for (const [label, tx, field] of [
    ['no gas', { type: 'eip1559', chainId: 1, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, 'transaction.gas'],
    ['EIP-1559 without maxFeePerGas', { type: 'eip1559', chainId: 1, gas: 21_000n }, 'transaction.maxFeePerGas'],
    ['legacy without gasPrice', { type: 'legacy', chainId: 1, gas: 21_000n }, 'transaction.gasPrice'],
    ['blob transaction without maxFeePerBlobGas', { type: 'eip4844', chainId: 1, gas: 21_000n, maxFeePerGas: 1n, blobVersionedHashes: [`0x01${'11'.repeat(31)}`] }, 'transaction.maxFeePerBlobGas'],
  ] as const) {
    it(`refuses to bound a fee with ${label}: 400 naming ${field}`, () => {
      assert.throws(
        () => ethereumMaxFee(tx as TransactionSerializable),
        (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === field,
      );
    });
  }
});
