/**
 * Known answers for the address encoders (BIP173's P2WPKH example, BIP86's first receiving address)
 * and summarizePsbt over PSBTs built by an independent library (bitcoinjs-lib), with expected
 * addresses from bitcoinjs-lib's payments.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { bitcoinAddress } from './address.js';
import { describeParseError, MAX_PSBT_INPUTS, parsePsbt, planPsbtSigning, summarizePsbt } from './psbt.js';

bitcoin.initEccLib(ecc);

const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const pub = (scalar: number): Uint8Array => ecc.pointFromScalar(bytes(scalar.toString(16).padStart(64, '0')), true)!;
const txid = (n: number): Uint8Array => new Uint8Array(32).fill(n);

describe('addresses: known answers', () => {
  it('BIP173: P2WPKH of the generator point (bc1qw508…, tb1qw508…)', () => {
    const g = bytes('0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798');
    assert.equal(bitcoinAddress(g, 'p2wpkh', 'mainnet').address, 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    assert.equal(bitcoinAddress(g, 'p2wpkh', 'testnet').address, 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
    assert.equal(bitcoinAddress(g, 'p2wpkh', 'mainnet').scriptPubKey, '0x0014751e76e8199196d454941c45d1b3a323f1433bd6');
  });

  it("BIP86: m/86'/0'/0'/0/0 of the 'abandon … about' mnemonic", () => {
    // bip-0086.mediawiki, "Test vectors": internal_key → output_key, scriptPubKey, address.
    const internal = bytes('02cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115');
    const out = bitcoinAddress(internal, 'p2tr', 'mainnet');
    assert.equal(out.scriptPubKey, '0x5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c');
    assert.equal(out.address, 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
  });

  it('the parity of the key does not change the P2TR address (x-only)', () => {
    const even = bytes('02cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115');
    const odd = bytes('03cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115');
    assert.equal(bitcoinAddress(even, 'p2tr', 'regtest').address, bitcoinAddress(odd, 'p2tr', 'regtest').address);
  });
});

describe('parse errors', () => {
  it('name the failing field but quote no bytes of the PSBT', () => {
    assert.equal(describeParseError(new Error('Reader(inputs/0/0/value): readBytes: Unexpected end of buffer')), 'Reader(inputs/0/0/value): readBytes: Unexpected end of buffer');
    const quoted = describeParseError(new Error(`bad script 0014${'ab'.repeat(20)} bytes=1,2,3,4,5,6 b64=${Buffer.alloc(30, 7).toString('base64')}`));
    assert.equal(/abab|1,2,3|BwcH/.test(quoted), false, quoted);
    assert.ok(describeParseError(new Error('x'.repeat(500))).length <= 201);
  });
});

describe('summarizePsbt', () => {
  const me = pub(7);
  const alice = pub(11);
  const bob = pub(13);
  const net = bitcoin.networks.testnet;
  const myWpkh = bitcoin.payments.p2wpkh({ pubkey: me, network: net });
  const myTr = bitcoin.payments.p2tr({ internalPubkey: me.subarray(1), network: net });
  const aliceTr = bitcoin.payments.p2tr({ internalPubkey: alice.subarray(1), network: net });
  const bobWpkh = bitcoin.payments.p2wpkh({ pubkey: bob, network: net });

  function build(withUtxos = true): bitcoin.Psbt {
    const psbt = new bitcoin.Psbt({ network: net });
    psbt.addInput({ hash: txid(1), index: 0, ...(withUtxos ? { witnessUtxo: { script: myWpkh.output!, value: 100_000n } } : {}) });
    psbt.addInput({ hash: txid(2), index: 1, witnessUtxo: { script: myTr.output!, value: 50_000n } });
    psbt.addOutput({ address: aliceTr.address!, value: 60_000n });
    psbt.addOutput({ address: bobWpkh.address!, value: 20_000n });
    psbt.addOutput({ address: myTr.address!, value: 69_000n });
    psbt.addOutput({ script: bitcoin.payments.embed({ data: [new TextEncoder().encode('memo')] }).output!, value: 0n });
    return psbt;
  }

  it("lists the outputs to others with their addresses, leaves out change to the key's own script, and computes the fee", () => {
    const summary = summarizePsbt(build().toBuffer(), 'testnet', me);
    assert.equal(summary.network, 'testnet');
    assert.deepEqual(
      summary.transfers.map((t) => [t.to, t.amount]),
      [
        [aliceTr.address, 60_000n],
        [bobWpkh.address, 20_000n],
        [null, 0n],
      ],
    );
    assert.equal(summary.transfers[2]!.scriptPubKey, `0x${Buffer.from(bitcoin.payments.embed({ data: [new TextEncoder().encode('memo')] }).output!).toString('hex')}`);
    assert.equal(summary.fee, 150_000n - 149_000n);
  });

  it('without the key, change is a transfer like any other', () => {
    const summary = summarizePsbt(build().toBuffer(), 'testnet');
    assert.deepEqual(summary.transfers.map((t) => t.to), [aliceTr.address, bobWpkh.address, myTr.address, null]);
  });

  it('addresses follow the network asked for', () => {
    const summary = summarizePsbt(build().toBuffer(), 'regtest', me);
    assert.deepEqual(summary.transfers.map((t) => t.to), [
      bitcoin.payments.p2tr({ internalPubkey: alice.subarray(1), network: bitcoin.networks.regtest }).address,
      bitcoin.payments.p2wpkh({ pubkey: bob, network: bitcoin.networks.regtest }).address,
      null,
    ]);
  });

  it('fee is null when an input has no witnessUtxo', () => {
    assert.equal(summarizePsbt(build(false).toBuffer(), 'testnet', me).fee, null);
  });

  it('fee counts a nonWitnessUtxo amount too', () => {
    const prev = new bitcoin.Transaction();
    prev.addInput(txid(9), 0);
    prev.addOutput(bobWpkh.output!, 3_000n);
    const psbt = new bitcoin.Psbt({ network: net });
    psbt.addInput({ hash: prev.getHash(), index: 0, nonWitnessUtxo: prev.toBuffer() });
    psbt.addOutput({ address: aliceTr.address!, value: 2_500n });
    assert.equal(summarizePsbt(psbt.toBuffer(), 'testnet').fee, 500n);
  });

  it('refuses a PSBT whose outputs exceed its inputs, and malformed bytes', () => {
    const psbt = new bitcoin.Psbt({ network: net });
    psbt.addInput({ hash: txid(1), index: 0, witnessUtxo: { script: myWpkh.output!, value: 1_000n } });
    psbt.addOutput({ address: aliceTr.address!, value: 1_001n });
    assert.throws(() => summarizePsbt(psbt.toBuffer(), 'testnet', me), { code: 'INVALID_PSBT' });
    assert.throws(() => summarizePsbt(new Uint8Array([1, 2, 3]), 'testnet'), { code: 'INVALID_PSBT' });
  });

  it('takes an already parsed PSBT (the one the signer plans with)', () => {
    const tx = parsePsbt(build().toBase64());
    assert.deepEqual(planPsbtSigning(tx, me).map((t) => [t.index, t.kind, t.sighashType]), [
      [0, 'p2wpkh', 1],
      [1, 'p2tr', 0],
    ]);
    assert.equal(summarizePsbt(tx, 'testnet', me).fee, 1_000n);
  });

  it(`planPsbtSigning refuses a PSBT of more than ${MAX_PSBT_INPUTS} inputs (signing cost is quadratic in them)`, () => {
    const psbt = new bitcoin.Psbt({ network: net });
    for (let i = 0; i <= MAX_PSBT_INPUTS; i++) psbt.addInput({ hash: txid(i % 256), index: Math.floor(i / 256), witnessUtxo: { script: myWpkh.output!, value: 1_000n } });
    psbt.addOutput({ address: aliceTr.address!, value: 1_000n });
    assert.throws(() => planPsbtSigning(parsePsbt(psbt.toBase64()), me), (e: { code?: string; message?: string }) => e.code === 'INVALID_PSBT' && /501 inputs/.test(e.message ?? ''));
  });
});
