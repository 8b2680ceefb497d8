/**
 * Which PSBT input amounts the Bitcoin fee may rest on (src/chains/bitcoin/intent.ts), through the
 * HTTP API with real signatures. A witnessUtxo is the caller's claim; a BIP143 (P2WPKH) signature
 * commits to its own input's amount only, and SIGHASH_ALL|ANYONECANPAY to no other input at all, so
 * requests that misstate the other inputs can each look free while their signatures combine into a
 * transaction that pays everything to miners (the 2020 segwit fee attack). These tests run those
 * attacks against a key with amount rules (refused) and, to show that they are real, against a key with
 * destination rules only (signed): bitcoinjs-lib combines those signatures into the honest transaction,
 * verifies every one with tiny-secp256k1, finalizes it and computes its fee.
 * Honest PSBTs — nonWitnessUtxo, or Taproot SIGHASH_DEFAULT signatures, which commit to every spent
 * output (BIP341) — are judged with the fee bitcoinjs-lib computes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { startTestBox, type TestBox } from '../helpers/app.js';

bitcoin.initEccLib(ecc);
const regtest = bitcoin.networks.regtest;
const BTC = 100_000_000n;
const ACP = bitcoin.Transaction.SIGHASH_ALL | bitcoin.Transaction.SIGHASH_ANYONECANPAY;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const validator = (pubkey: Uint8Array, msghash: Uint8Array, signature: Uint8Array): boolean =>
  pubkey.length === 32 ? ecc.verifySchnorr(msghash, pubkey, signature) : ecc.verify(msghash, pubkey, signature, true);

interface Output {
  script: Uint8Array;
  value: bigint;
}

/** A previous transaction paying `value` to `script` at output 0 (its txid is what the input names). */
function funding(script: Uint8Array, value: bigint): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.addInput(randomBytes(32), 0);
  tx.addOutput(script, value);
  return tx;
}

/**
 * An input spending output 0 of `prev`. `claim` replaces the witnessUtxo the PSBT states (the real one
 * by default); `full` adds nonWitnessUtxo, the previous transaction itself.
 */
interface InputSpec {
  prev: bitcoin.Transaction;
  claim?: Output;
  full?: boolean;
  sighashType?: number;
  tapInternalKey?: Uint8Array;
}

function psbtOf(inputs: InputSpec[], outputs: Output[]): bitcoin.Psbt {
  const psbt = new bitcoin.Psbt({ network: regtest });
  for (const input of inputs) {
    const real = input.prev.outs[0]!;
    psbt.addInput({
      hash: input.prev.getHash(),
      index: 0,
      witnessUtxo: input.claim ?? { script: real.script, value: real.value },
      ...(input.full ? { nonWitnessUtxo: input.prev.toBuffer() } : {}),
      ...(input.sighashType === undefined ? {} : { sighashType: input.sighashType }),
      ...(input.tapInternalKey === undefined ? {} : { tapInternalKey: input.tapInternalKey }),
    });
  }
  for (const output of outputs) psbt.addOutput(output);
  return psbt;
}

describe('Bitcoin fees rest only on amounts the signatures bind', () => {
  let box: TestBox;
  /** the key with amount rules, and one with destination rules only */
  const keys: Record<'bound' | 'free', { pub: Uint8Array; wpkh: Uint8Array; tr: Uint8Array }> = {} as never;
  const strangerKey = new Uint8Array(32).fill(9);
  const strangerSigner = { publicKey: ecc.pointFromScalar(strangerKey, true)!, sign: (hash: Uint8Array) => ecc.sign(hash, strangerKey) };
  const stranger = bitcoin.payments.p2wpkh({ pubkey: strangerSigner.publicKey, network: regtest });
  const payee = bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(new Uint8Array(32).fill(7), true)!, network: regtest });

  before(async () => {
    box = await startTestBox();
    for (const name of ['bound', 'free'] as const) {
      assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: `fee-${name}` })).status, 201);
      const pub = bytes((await box.call('GET', `/v1/keys/fee-${name}/public-key?format=compressed`)).body.publicKey);
      keys[name] = { pub, wpkh: bitcoin.payments.p2wpkh({ pubkey: pub, network: regtest }).output!, tr: bitcoin.payments.p2tr({ internalPubkey: pub.subarray(1), network: regtest }).output! };
    }
    const rules: [string, unknown][] = [
      ['fee-bound', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, maxFeePerTransaction: '10000', maxValuePerTransaction: '1000000', dailyLimit: '100000000' }],
      ['fee-free', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, destinations: { deny: [stranger.address!] } }],
    ];
    for (const [key, doc] of rules) assert.equal((await box.call('PUT', `/v1/keys/${key}/transaction-rules`, doc)).status, 200);
  });
  after(() => box.cleanup());

  const sign = (key: 'bound' | 'free', psbt: bitcoin.Psbt) => box.call('POST', `/v1/keys/fee-${key}/bitcoin/sign-psbt`, { psbt: psbt.toBase64(), network: 'regtest' });
  const signed = (body: { psbt: string }): bitcoin.Psbt => bitcoin.Psbt.fromBase64(body.psbt, { network: regtest });
  async function auditDecision(requestId: string): Promise<Record<string, any>> {
    let after = 0;
    for (;;) {
      const page = await box.call('GET', `/v1/audit?limit=1000&afterSeq=${after}`);
      const hit = (page.body.records as { requestId: string; decision: Record<string, any> }[]).find((r) => r.requestId === requestId);
      if (hit) return hit.decision;
      assert.notEqual(page.body.nextAfterSeq, null, `no audit record for ${requestId}`);
      after = page.body.nextAfterSeq;
    }
  }
  const assertFeeUnknown = (res: { status: number; body: any }, detail: RegExp, what: string): void => {
    assert.equal(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, 'TRANSACTION_DENIED', what);
    assert.equal(res.body.reason, 'fee_unknown', what);
    assert.equal(res.body.field, 'psbt', what);
    assert.match(res.body.detail, detail, what);
  };

  /** The key's two 1-BTC P2WPKH outputs, spent back to the key as 1 BTC: 1 BTC to miners. */
  const drain = (key: 'bound' | 'free') => {
    const k = keys[key];
    return { prevs: [funding(k.wpkh, BTC), funding(k.wpkh, BTC)], change: [{ script: k.wpkh, value: BTC }] };
  };

  it("split signing: each request states the key's other input as a stranger's, worth 0 — refused; the same signatures would finalize the 1-BTC-fee transaction", async () => {
    const lie: Output = { script: stranger.output!, value: 0n };
    for (const key of ['bound', 'free'] as const) {
      const { prevs: [p1, p2], change } = drain(key);
      const first = psbtOf([{ prev: p1! }, { prev: p2!, claim: lie }], change);
      const second = psbtOf([{ prev: p1!, claim: lie }, { prev: p2! }], change);
      if (key === 'bound') {
        assertFeeUnknown(await sign(key, first), /^the fee cannot be bounded \(psbt input 1: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 0 commits to no other input's amount \(BIP143\); include input 1's nonWitnessUtxo/, 'request 1');
        assertFeeUnknown(await sign(key, second), /psbt input 0: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 1/, 'request 2');
        // The signed input's own previous transaction does not help: the stranger's claim is still unproven.
        const withOwnProof = psbtOf([{ prev: p1!, full: true }, { prev: p2!, claim: lie }], change);
        assertFeeUnknown(await sign(key, withOwnProof), /psbt input 1: witnessUtxo alone/, 'request 1 with nonWitnessUtxo for its own input');
        // Presented honestly, the transaction is judged for what it is.
        const honest = await sign(key, psbtOf([{ prev: p1!, full: true }, { prev: p2!, full: true }], change));
        assert.equal(honest.status, 403, JSON.stringify(honest.body));
        assert.equal(honest.body.reason, 'fee_limit_exceeded');
        assert.match(honest.body.detail, /^fee 100000000 exceeds maxFeePerTransaction 10000$/);
        continue;
      }
      // Destination rules only: no amount is compared, so the same two requests sign (witnessUtxo-only PSBTs keep working).
      const r1 = await sign(key, first);
      const r2 = await sign(key, second);
      assert.equal(r1.status, 200, JSON.stringify(r1.body));
      assert.equal(r2.status, 200, JSON.stringify(r2.body));
      assert.deepEqual([r1.body.signedInputs, r2.body.signedInputs], [[0], [1]]);
      const combined = psbtOf([{ prev: p1! }, { prev: p2! }], change);
      combined.updateInput(0, { partialSig: signed(r1.body).data.inputs[0]!.partialSig! });
      combined.updateInput(1, { partialSig: signed(r2.body).data.inputs[1]!.partialSig! });
      assert.equal(combined.validateSignaturesOfAllInputs(validator), true, 'both signatures are valid in the honest transaction');
      combined.finalizeAllInputs();
      assert.equal(combined.getFee(), BTC, 'which pays 1 BTC to miners');
    }
  });

  it("the variant with both inputs signed, each request misstating the other as the key's own at 0: refused (a P2WPKH signature binds only its own amount)", async () => {
    for (const key of ['bound', 'free'] as const) {
      const { prevs: [p1, p2], change } = drain(key);
      const zero: Output = { script: keys[key].wpkh, value: 0n };
      const first = psbtOf([{ prev: p1! }, { prev: p2!, claim: zero }], change);
      const second = psbtOf([{ prev: p1!, claim: zero }, { prev: p2! }], change);
      if (key === 'bound') {
        assertFeeUnknown(await sign(key, first), /psbt input 0: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 1/, 'request 1');
        assertFeeUnknown(await sign(key, second), /psbt input 0: witnessUtxo alone/, 'request 2');
        continue;
      }
      const r1 = await sign(key, first);
      const r2 = await sign(key, second);
      assert.deepEqual([r1.status, r2.status], [200, 200]);
      assert.deepEqual([r1.body.signedInputs, r2.body.signedInputs], [[0, 1], [0, 1]]);
      // Each request's signature over the misstated input is worthless, the other one is the honest transaction's.
      const combined = psbtOf([{ prev: p1! }, { prev: p2! }], change);
      combined.updateInput(0, { partialSig: signed(r1.body).data.inputs[0]!.partialSig! });
      combined.updateInput(1, { partialSig: signed(r2.body).data.inputs[1]!.partialSig! });
      assert.equal(combined.validateSignaturesOfAllInputs(validator), true);
      combined.finalizeAllInputs();
      assert.equal(combined.getFee(), BTC);
    }
  });

  it('SIGHASH_ALL|ANYONECANPAY (P2WPKH and P2TR): refused for a key whose rules compare amounts, even with nonWitnessUtxo; signed for destination rules', async () => {
    for (const key of ['bound', 'free'] as const) {
      const k = keys[key];
      const p1 = funding(k.wpkh, BTC);
      const p2 = funding(k.tr, BTC);
      // Each input alone pays back all it spends: fee 0. Together they pay 1 BTC to miners.
      const alone = [psbtOf([{ prev: p1, full: true, sighashType: ACP }], [{ script: k.wpkh, value: BTC }]), psbtOf([{ prev: p2, full: true, sighashType: ACP, tapInternalKey: k.pub.subarray(1) }], [{ script: k.wpkh, value: BTC }])];
      if (key === 'bound') {
        assertFeeUnknown(await sign(key, alone[0]!), /psbt input 0 is to be signed with SIGHASH_ALL\|ANYONECANPAY \(0x81\), which commits to none of the other inputs.*sign it with SIGHASH_ALL\), and the key's/, 'P2WPKH');
        assertFeeUnknown(await sign(key, alone[1]!), /ANYONECANPAY.*sign it with SIGHASH_ALL or SIGHASH_DEFAULT\), and the key's/, 'P2TR');
        continue;
      }
      const sigs = [];
      for (const psbt of alone) {
        const res = await sign(key, psbt);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        sigs.push(signed(res.body).data.inputs[0]!);
      }
      const combined = psbtOf([{ prev: p1, sighashType: ACP }, { prev: p2, sighashType: ACP, tapInternalKey: k.pub.subarray(1) }], [{ script: k.wpkh, value: BTC }]);
      combined.updateInput(0, { partialSig: sigs[0]!.partialSig! });
      combined.updateInput(1, { tapKeySig: sigs[1]!.tapKeySig! });
      assert.equal(combined.validateSignaturesOfAllInputs(validator), true, 'the ANYONECANPAY signatures are valid together');
      combined.finalizeAllInputs();
      assert.equal(combined.getFee(), BTC);
    }
  });

  it('honest PSBTs with nonWitnessUtxo: judged with the fee bitcoinjs-lib computes, signed, verified and finalized', async () => {
    const k = keys.bound;
    const prevs = [funding(k.wpkh, 100_000n), funding(k.wpkh, 100_000n), funding(stranger.output!, 50_000n)];
    const inputs = prevs.map((prev) => ({ prev, full: true }));
    const ok = psbtOf(inputs, [{ script: payee.output!, value: 200_000n }, { script: k.wpkh, value: 41_000n }]);
    const res = await sign('bound', ok);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.signedInputs, [0, 1]);
    const decision = await auditDecision(res.headers['x-request-id'] as string);
    assert.deepEqual([decision.amount, decision.fee], ['200000', '9000'], 'the change is neither value nor fee; the stranger input counts');
    const psbt = signed(res.body);
    assert.equal(psbt.validateSignaturesOfInput(0, validator) && psbt.validateSignaturesOfInput(1, validator), true);
    psbt.signInput(2, strangerSigner);
    psbt.finalizeAllInputs();
    assert.equal(psbt.getFee(), 9_000n, 'bitcoinjs-lib (which checks each nonWitnessUtxo against its txid) computes the same fee');

    const over = await sign('bound', psbtOf(inputs, [{ script: payee.output!, value: 200_000n }, { script: k.wpkh, value: 39_999n }]));
    assert.equal(over.body.reason, 'fee_limit_exceeded', JSON.stringify(over.body));
    assert.match(over.body.detail, /^fee 10001 exceeds maxFeePerTransaction 10000$/);
  });

  it("a nonWitnessUtxo that is not the outpoint's transaction, or a witnessUtxo contradicting it, is INVALID_PSBT", async () => {
    const k = keys.bound;
    const mine = funding(k.wpkh, 100_000n);
    const other = funding(k.wpkh, 100_000n);
    const wrongTx = new bitcoin.Psbt({ network: regtest });
    wrongTx.addInput({ hash: mine.getHash(), index: 0, witnessUtxo: { script: k.wpkh, value: 100_000n }, nonWitnessUtxo: other.toBuffer() });
    wrongTx.addOutput({ script: payee.output!, value: 99_000n });
    // The proven script is the key's: stating it as a stranger's is a contradiction, not a way to leave it out.
    const disguised = psbtOf([{ prev: mine, full: true }, { prev: other, full: true, claim: { script: stranger.output!, value: 0n } }], [{ script: payee.output!, value: 99_000n }]);
    for (const [what, psbt, detail] of [
      ['wrong previous transaction', wrongTx, /nonWitnessUtxo: wrong txid|nonWitnessUtxo is not the transaction its outpoint names/],
      ["the key's proven input stated as a stranger's", disguised, /witnessUtxo different from nonWitnessUtxo|witnessUtxo does not match the output nonWitnessUtxo names/],
    ] as const) {
      for (const key of ['bound', 'free'] as const) {
        const res = await sign(key, psbt);
        assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'INVALID_PSBT', what);
        assert.equal(res.body.field, 'psbt', what);
        assert.match(res.body.detail, detail, what);
      }
    }
  });

  it("all signatures Taproot SIGHASH_DEFAULT: witnessUtxo alone is bound (BIP341 commits to every spent output), a stranger's P2WPKH input included", async () => {
    const k = keys.bound;
    const prevs = [funding(k.tr, 100_000n), funding(stranger.output!, 50_000n), funding(k.tr, 20_000n)];
    const inputs = prevs.map((prev, i) => ({ prev, ...(i === 1 ? {} : { tapInternalKey: k.pub.subarray(1) }) }));
    const res = await sign('bound', psbtOf(inputs, [{ script: payee.output!, value: 140_000n }, { script: k.tr, value: 25_000n }]));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.signedInputs, [0, 2]);
    const decision = await auditDecision(res.headers['x-request-id'] as string);
    assert.deepEqual([decision.amount, decision.fee], ['140000', '5000']);
    const psbt = signed(res.body);
    assert.equal(psbt.validateSignaturesOfInput(0, validator) && psbt.validateSignaturesOfInput(2, validator), true);
    psbt.finalizeInput(0).finalizeInput(2);

    const over = await sign('bound', psbtOf(inputs, [{ script: payee.output!, value: 140_000n }, { script: k.tr, value: 15_000n }]));
    assert.equal(over.status, 403);
    assert.equal(over.body.reason, 'fee_limit_exceeded');
    assert.match(over.body.detail, /^fee 15000 exceeds maxFeePerTransaction 10000$/);

    // Misstating the stranger's amount buys nothing: the signature is over the misstated amounts, and
    // invalid in the real transaction.
    const lying = await sign('bound', psbtOf([inputs[0]!, { prev: prevs[1]!, claim: { script: stranger.output!, value: 0n } }, inputs[2]!], [{ script: payee.output!, value: 100_000n }, { script: k.tr, value: 15_000n }]));
    assert.equal(lying.status, 200, JSON.stringify(lying.body));
    const real = psbtOf(inputs, [{ script: payee.output!, value: 100_000n }, { script: k.tr, value: 15_000n }]);
    real.updateInput(0, { tapKeySig: signed(lying.body).data.inputs[0]!.tapKeySig! });
    assert.equal(real.validateSignaturesOfInput(0, validator), false, 'the BIP341 signature does not verify over the real amounts');
  });

  it('a Taproot and one P2WPKH input of the key: the P2WPKH signature binds only its own amount, so the Taproot input needs nonWitnessUtxo', async () => {
    const k = keys.bound;
    const tr = funding(k.tr, 100_000n);
    const wpkh = funding(k.wpkh, 100_000n);
    const outputs = [{ script: payee.output!, value: 195_000n }];
    const witnessOnly = await sign('bound', psbtOf([{ prev: tr, tapInternalKey: k.pub.subarray(1) }, { prev: wpkh }], outputs));
    assertFeeUnknown(witnessOnly, /psbt input 0: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 1/, 'witnessUtxo only');
    const res = await sign('bound', psbtOf([{ prev: tr, full: true, tapInternalKey: k.pub.subarray(1) }, { prev: wpkh }], outputs));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await auditDecision(res.headers['x-request-id'] as string)).fee, '5000');
    const psbt = signed(res.body);
    assert.equal(psbt.validateSignaturesOfAllInputs(validator), true);
    psbt.finalizeAllInputs();
    assert.equal(psbt.getFee(), 5_000n);
  });

  it('one P2WPKH input signed, the rest proven: its own witnessUtxo amount is bound by its signature', async () => {
    const k = keys.bound;
    const mine = funding(k.wpkh, 100_000n);
    const theirs = funding(stranger.output!, 30_000n);
    const outputs = [{ script: payee.output!, value: 128_000n }];
    const res = await sign('bound', psbtOf([{ prev: mine }, { prev: theirs, full: true }], outputs));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await auditDecision(res.headers['x-request-id'] as string)).fee, '2000');
    assert.equal(signed(res.body).validateSignaturesOfInput(0, validator), true);
    // Understating its own amount yields a signature over the wrong amount: worthless in the real transaction.
    const under = await sign('bound', psbtOf([{ prev: mine, claim: { script: k.wpkh, value: 98_000n } }, { prev: theirs, full: true }], outputs));
    assert.equal(under.status, 200, JSON.stringify(under.body));
    const real = psbtOf([{ prev: mine }, { prev: theirs, full: true }], outputs);
    real.updateInput(0, { partialSig: signed(under.body).data.inputs[0]!.partialSig! });
    assert.equal(real.validateSignaturesOfInput(0, validator), false);
  });
});
