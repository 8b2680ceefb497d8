/**
 * Which PSBT fees bitcoinIntent treats as bound, one row per way the amounts can be bound or not
 * (intent.ts): nonWitnessUtxo proves an amount; a BIP341 DEFAULT/ALL signature commits to every spent
 * output; a BIP143 (P2WPKH) signature to its own input's amount only; ANYONECANPAY to no other input.
 * PSBTs are built (and foreign inputs signed and finalized) with bitcoinjs-lib; expected fees are
 * bitcoinjs-lib's sums over the PSBT's real previous outputs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { bitcoinIntent } from './intent.js';
import { parsePsbt } from './psbt.js';

bitcoin.initEccLib(ecc);
const net = bitcoin.networks.testnet;
const scalar = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const me = ecc.pointFromScalar(scalar(7), true)!;
const myWpkh = bitcoin.payments.p2wpkh({ pubkey: me, network: net }).output!;
const myTr = bitcoin.payments.p2tr({ internalPubkey: me.subarray(1), network: net }).output!;
const theirKey = scalar(11);
const theirSigner = { publicKey: ecc.pointFromScalar(theirKey, true)!, sign: (hash: Uint8Array) => ecc.sign(hash, theirKey) };
const theirWpkh = bitcoin.payments.p2wpkh({ pubkey: theirSigner.publicKey, network: net }).output!;
const payee = bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(scalar(13), true)!, network: net }).output!;

let seed = 0;
/** A previous transaction paying `value` to `script` at output 0; `segwit`: it carries a witness, which its txid leaves out (BIP141). */
function funding(script: Uint8Array, value: bigint, segwit = false): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.addInput(scalar(++seed), 0);
  tx.addOutput(script, value);
  if (segwit) tx.setWitness(0, [new Uint8Array(72).fill(1), me]);
  return tx;
}

/** witnessUtxo only; nonWitnessUtxo (+ witnessUtxo) of a legacy or a segwit previous transaction; nothing */
type Proof = 'witness' | 'full' | 'full-segwit' | 'none';
interface Row {
  inputs: { script: Uint8Array; value: bigint; proof: Proof; sighashType?: number; finalized?: boolean }[];
  /** the fee bitcoinjs-lib computes, or the reason it is not bound */
  expect: bigint | RegExp;
}

function intentOf(row: Row) {
  const psbt = new bitcoin.Psbt({ network: net });
  let total = 0n;
  for (const input of row.inputs) {
    const prev = funding(input.script, input.value, input.proof === 'full-segwit');
    if (input.proof === 'full-segwit') assert.notEqual(prev.toBuffer().length, prev.byteLength(false), 'the previous transaction has a witness');
    total += input.value;
    psbt.addInput({
      hash: prev.getHash(),
      index: 0,
      ...(input.proof === 'none' ? {} : { witnessUtxo: { script: input.script, value: input.value } }),
      ...(input.proof === 'full' || input.proof === 'full-segwit' ? { nonWitnessUtxo: prev.toBuffer() } : {}),
      ...(input.sighashType === undefined ? {} : { sighashType: input.sighashType }),
    });
  }
  psbt.addOutput({ script: payee, value: total - 1_500n });
  row.inputs.forEach((input, i) => {
    if (input.finalized) psbt.signInput(i, theirSigner).finalizeInput(i);
  });
  return bitcoinIntent(parsePsbt(psbt.toBase64()), 'testnet', me, new Date(0));
}

const mine = (proof: Proof, extra: Partial<Row['inputs'][number]> = {}) => ({ script: myWpkh, value: 40_000n, proof, ...extra });
const mineTr = (proof: Proof, extra: Partial<Row['inputs'][number]> = {}) => ({ script: myTr, value: 30_000n, proof, ...extra });
const theirs = (proof: Proof, extra: Partial<Row['inputs'][number]> = {}) => ({ script: theirWpkh, value: 20_000n, proof, ...extra });

describe('bitcoinIntent: the fee is bounded only by amounts the signatures bind', () => {
  const rows: [string, Row][] = [
    ['one P2WPKH input, witnessUtxo: its own signature commits to its amount', { inputs: [mine('witness')], expect: 1_500n }],
    ['one P2WPKH input and a foreign input with nonWitnessUtxo', { inputs: [mine('witness'), theirs('full')], expect: 1_500n }],
    ['one P2WPKH input and a foreign witnessUtxo', { inputs: [mine('witness'), theirs('witness')], expect: /^psbt input 1: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 0 commits to no other input's amount \(BIP143\); include input 1's nonWitnessUtxo/ }],
    ['two P2WPKH inputs of the key, witnessUtxo: neither signature commits to the other amount', { inputs: [mine('witness'), mine('full')], expect: /^psbt input 0: .*P2WPKH signature of input 1/ }],
    ['two P2WPKH inputs of the key, nonWitnessUtxo', { inputs: [mine('full'), mine('full'), theirs('full')], expect: 1_500n }],
    ['nonWitnessUtxo of segwit previous transactions (the txid leaves the witness out)', { inputs: [mine('full-segwit'), mine('full-segwit'), theirs('full-segwit')], expect: 1_500n }],
    ['Taproot SIGHASH_DEFAULT only: every witnessUtxo is committed to (BIP341)', { inputs: [mineTr('witness'), theirs('witness'), mineTr('witness')], expect: 1_500n }],
    ['Taproot SIGHASH_ALL only', { inputs: [mineTr('witness', { sighashType: 0x01 }), theirs('witness')], expect: 1_500n }],
    ['Taproot only, with a finalized foreign witnessUtxo input', { inputs: [theirs('witness', { finalized: true }), mineTr('witness')], expect: 1_500n }],
    ['one P2WPKH input and a finalized foreign witnessUtxo input', { inputs: [theirs('witness', { finalized: true }), mine('witness')], expect: /^psbt input 0: witnessUtxo alone .*input 1/ }],
    ['Taproot and P2WPKH of the key, witnessUtxo: the P2WPKH signature commits to no other amount', { inputs: [mineTr('witness'), mine('witness')], expect: /^psbt input 0: .*P2WPKH signature of input 1/ }],
    ['Taproot with nonWitnessUtxo and one P2WPKH', { inputs: [mineTr('full'), mine('witness'), theirs('full')], expect: 1_500n }],
    ['P2WPKH ALL|ANYONECANPAY, even proven', { inputs: [mine('full', { sighashType: 0x81 })], expect: /^psbt input 0 is to be signed with SIGHASH_ALL\|ANYONECANPAY \(0x81\)/ }],
    ['Taproot ALL|ANYONECANPAY', { inputs: [mineTr('witness'), mineTr('witness', { sighashType: 0x81 })], expect: /^psbt input 1 is to be signed with SIGHASH_ALL\|ANYONECANPAY/ }],
    ['an input with neither witnessUtxo nor nonWitnessUtxo', { inputs: [mine('witness'), theirs('none')], expect: /^psbt input 1 has neither witnessUtxo nor nonWitnessUtxo/ }],
  ];
  for (const [what, row] of rows) {
    it(what, () => {
      const { fee } = intentOf(row);
      if (typeof row.expect === 'bigint') {
        assert.equal(fee, row.expect);
      } else {
        assert.equal(typeof fee, 'object', `expected an unbounded fee, got ${String(fee)}`);
        const unbounded = fee as { unbounded: string; field: string };
        assert.equal(unbounded.field, 'psbt');
        assert.match(unbounded.unbounded, row.expect);
      }
    });
  }
});
