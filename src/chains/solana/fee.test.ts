/**
 * The Solana fee bound, on messages built by @solana/web3.js (ComputeBudgetProgram encodes the Compute
 * Budget instructions independently of fee.ts): base fee per signature, the priority fee rounded up,
 * the default and maximum compute-unit limits, and the refusal of Compute Budget data the runtime refuses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import web3 from '@solana/web3.js';
import { parseMessage } from './message.js';
import { InvalidComputeBudgetError, solanaMaxFee } from './fee.js';
import { solanaIntent } from './intent.js';
import { StrongboxError } from '../../protocol/errors.js';

const { ComputeBudgetProgram, Keypair, SystemProgram, Transaction, TransactionInstruction } = web3;
type Instruction = InstanceType<typeof TransactionInstruction>;
const payer = Keypair.generate().publicKey;
const other = Keypair.generate().publicKey;
const to = Keypair.generate().publicKey;
const message = (instructions: Instruction[], feePayer = payer) => {
  const tx = new Transaction({ feePayer, recentBlockhash: Keypair.generate().publicKey.toBase58() });
  for (const ins of instructions) tx.add(ins);
  return parseMessage(Buffer.from(tx.serializeMessage()).toString('base64'));
};
const transfer = (from = payer, lamports = 1) => SystemProgram.transfer({ fromPubkey: from, toPubkey: to, lamports });

describe('Solana fee bound', () => {
  it('no Compute Budget instructions: 5,000 lamports per signature, no priority fee', () => {
    const fee = solanaMaxFee(message([transfer()]));
    assert.deepEqual([fee.baseFee, fee.priorityFee, fee.total], [5000n, 0n, 5000n]);
    const twoSigners = solanaMaxFee(message([transfer(), transfer(other)]));
    assert.equal(twoSigners.baseFee, 10_000n, 'one base fee per required signature');
  });

  it('price × requested limit ÷ 10^6, rounded up', () => {
    const fee = solanaMaxFee(message([ComputeBudgetProgram.setComputeUnitLimit({ units: 300_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000 }), transfer()]));
    assert.deepEqual([fee.computeUnitLimit, fee.computeUnitPrice, fee.priorityFee, fee.total], [300_000n, 1_000n, 300n, 5300n]);
    const tiny = solanaMaxFee(message([ComputeBudgetProgram.setComputeUnitLimit({ units: 1 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), transfer()]));
    assert.equal(tiny.priorityFee, 1n, '1 micro-lamport rounds up to 1 lamport');
  });

  it('the requested limit is capped at 1,400,000; a u64 price stays exact', () => {
    const price = 2n ** 64n - 1n;
    const fee = solanaMaxFee(message([ComputeBudgetProgram.setComputeUnitLimit({ units: 4_000_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: price }), transfer()]));
    assert.equal(fee.computeUnitLimit, 1_400_000n);
    assert.equal(fee.priorityFee, (price * 1_400_000n + 999_999n) / 1_000_000n);
  });

  it('without SetComputeUnitLimit: 200,000 per other instruction + 3,000 per Compute Budget instruction, capped', () => {
    const fee = solanaMaxFee(message([ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000_000 }), transfer(), transfer()]));
    assert.equal(fee.computeUnitLimit, 403_000n);
    assert.equal(fee.priorityFee, 403_000n);
    const many = solanaMaxFee(message([ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), ...Array.from({ length: 8 }, () => transfer())]));
    assert.equal(many.computeUnitLimit, 1_400_000n);
  });

  for (const [label, ins] of [
    ['a repeated SetComputeUnitPrice', [ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 2 })]],
    ['a repeated SetComputeUnitLimit', [ComputeBudgetProgram.setComputeUnitLimit({ units: 1 }), ComputeBudgetProgram.setComputeUnitLimit({ units: 2 })]],
    ['variant 0 (the removed RequestUnits)', [new TransactionInstruction({ programId: ComputeBudgetProgram.programId, keys: [], data: Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0]) })]],
    ['a truncated SetComputeUnitPrice', [new TransactionInstruction({ programId: ComputeBudgetProgram.programId, keys: [], data: Buffer.from([3, 1, 0, 0, 0]) })]],
    ['empty data', [new TransactionInstruction({ programId: ComputeBudgetProgram.programId, keys: [], data: Buffer.alloc(0) })]],
  ] as [string, Instruction[]][]) {
    it(`refuses ${label}`, () => {
      assert.throws(() => solanaMaxFee(message([...ins, transfer()])), InvalidComputeBudgetError);
    });
  }

  it('the intent charges the fee only to the fee payer (account 0)', () => {
    const m = message([ComputeBudgetProgram.setComputeUnitLimit({ units: 200_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 5_000_000 }), transfer(), transfer(other, 7)]);
    const now = new Date();
    assert.equal(solanaIntent(m, payer.toBytes(), now).fee, 10_000n + 1_000_000n);
    const coSigner = solanaIntent(m, other.toBytes(), now);
    assert.equal(coSigner.fee, 0n, 'a co-signer that is not the fee payer pays no fee');
    assert.deepEqual(coSigner.transfers.map((t) => t.amount), [1n, 7n]);
  });

  it('the intent refuses undecodable Compute Budget data as undecodable_transaction', () => {
    const m = message([ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), transfer()]);
    assert.throws(() => solanaIntent(m, payer.toBytes(), new Date()), (e: unknown) => e instanceof StrongboxError && e.code === 'TRANSACTION_DENIED' && e.publicReason === 'undecodable_transaction');
  });
});
