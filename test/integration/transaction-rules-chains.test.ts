/**
 * Transaction rules on Bitcoin PSBTs and Solana transactions (the Ethereum table is in
 * transaction-rules.test.ts): destinations, networks, per-transaction and daily limits with the fee
 * counted (PSBT inputs − outputs, from amounts the signatures bind — bitcoin-fee-binding.test.ts has the
 * attacks on them; Solana base and priority fee, for the fee payer only), the
 * undecodable-transfer refusal, and the approval flow ending in a signature an independent library
 * verifies (bitcoinjs-lib + tiny-secp256k1; @solana/web3.js). Transactions are built with those
 * libraries too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import * as web3 from '@solana/web3.js';
import { startTestBox, type TestBox, auditRecordOf } from '../helpers/app.js';

bitcoin.initEccLib(ecc);
const { Keypair, PublicKey, SystemProgram, Transaction, TransactionMessage, VersionedTransaction } = web3;
const regtest = bitcoin.networks.regtest;
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('transaction rules on Bitcoin and Solana', () => {
  let box: TestBox;
  const tokens: Record<string, string> = {};
  let btcPub: Uint8Array;
  let sol: InstanceType<typeof PublicKey>;
  const allowed = bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(new Uint8Array(32).fill(7), true)!, network: regtest }).address!;
  const stranger = bitcoin.payments.p2wpkh({ pubkey: ecc.pointFromScalar(new Uint8Array(32).fill(9), true)!, network: regtest }).address!;
  const friend = Keypair.generate().publicKey;

  before(async () => {
    box = await startTestBox();
    assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'ruled-btc' })).status, 201);
    btcPub = bytes((await box.call('GET', '/v1/keys/ruled-btc/public-key?format=compressed')).body.publicKey);
    const ed = await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'ruled-sol' });
    sol = new PublicKey(ed.body.solanaAddress);
    const put = (name: string, actions: string[]) => box.call('PUT', `/v1/policies/${name}`, { statements: [{ effect: 'allow', actions, resources: ['*'] }] });
    assert.equal((await put('chain-requester', ['keys:sign', 'keys:read', 'approvals:read'])).status, 200);
    assert.equal((await put('chain-approver', ['approvals:read', 'approvals:write'])).status, 200);
    for (const [subject, policy] of [['ann', 'chain-requester'], ['ben', 'chain-approver'], ['cat', 'chain-approver']] as const) {
      tokens[subject] = (await box.call('POST', '/v1/tokens', { policies: [policy], subject })).body.token;
    }
  });
  after(() => box.cleanup());

  const setRules = async (key: string, rules: unknown) => {
    const res = await box.call('PUT', `/v1/keys/${key}/transaction-rules`, rules);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const auditOf = (requestId: string) => auditRecordOf(box, requestId);

  describe('Bitcoin', () => {
    let n = 0;
    /**
     * A PSBT spending one input of the key (amount + 9,000 change + fee) to `to`: the fee is
     * inputs − outputs. `foreign`: add another party's input of 0 sat, its amount proven by its previous
     * transaction (nonWitnessUtxo), only claimed (witnessUtxo), or not given.
     */
    const psbtPaying = (to: string, amount: bigint, options: { fee?: bigint; pub?: Uint8Array; foreign?: 'proven' | 'claimed' | 'unknown' } = {}): string => {
      const fee = options.fee ?? 1_000n;
      const mine = bitcoin.payments.p2wpkh({ pubkey: options.pub ?? btcPub, network: regtest });
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: new Uint8Array(32).fill(++n), index: 0, witnessUtxo: { script: mine.output!, value: amount + 9_000n + fee } });
      if (options.foreign !== undefined) {
        const theirs = bitcoin.payments.p2wpkh({ address: stranger, network: regtest });
        const previous = new bitcoin.Transaction();
        previous.addInput(new Uint8Array(32).fill(++n), 0);
        previous.addOutput(bitcoin.payments.p2wpkh({ address: allowed, network: regtest }).output!, 5_000n);
        previous.addOutput(theirs.output!, 0n);
        psbt.addInput({
          hash: previous.getHash(),
          index: 1,
          ...(options.foreign === 'unknown' ? {} : { witnessUtxo: { script: theirs.output!, value: 0n } }),
          ...(options.foreign === 'proven' ? { nonWitnessUtxo: previous.toBuffer() } : {}),
        });
      }
      psbt.addOutput({ address: to, value: amount });
      psbt.addOutput({ address: mine.address!, value: 9_000n }); // change: not a transfer
      return psbt.toBase64();
    };
    const sign = (psbt: string, network = 'regtest', token?: string, key = 'ruled-btc') => box.call('POST', `/v1/keys/${key}/bitcoin/sign-psbt`, { psbt, network }, token);

    it('network, destination, per-transaction and daily limits decide, value + fee; change is not a transfer', async () => {
      await setRules('ruled-btc', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, destinations: { allow: [allowed] }, maxValuePerTransaction: '50000', dailyLimit: '60000' });
      const ok = await sign(psbtPaying(allowed, 40_000n));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.signedInputs, [0]);
      const audit = await auditOf(ok.headers['x-request-id'] as string);
      assert.deepEqual([audit.decision.amount, audit.decision.fee], ['40000', '1000'], 'the change is neither value nor fee');

      const cases: [string, string, string, string][] = [
        ['a destination not on the allow list', psbtPaying(stranger, 1_000n), 'regtest', 'destination_not_allowed'],
        ['another network', psbtPaying(allowed, 1_000n), 'testnet', 'network_not_allowed'],
        ['above the per-transaction maximum with its fee', psbtPaying(allowed, 49_001n), 'regtest', 'value_exceeds_maximum'],
        ['above what is left of the daily limit with its fee', psbtPaying(allowed, 18_001n), 'regtest', 'daily_limit_exceeded'],
      ];
      for (const [what, psbt, network, reason] of cases) {
        const res = await sign(psbt, network);
        assert.equal(res.status, 403, what);
        assert.equal(res.body.reason, reason, what);
        assert.equal(res.body.psbt, undefined);
      }
      assert.equal((await sign(psbtPaying(allowed, 18_000n))).status, 200, 'exactly the rest of the limit, fee included, still signs');
    });

    it('tiny outputs, huge inputs: the difference goes to miners and counts; maxFeePerTransaction caps it', async () => {
      await setRules('ruled-btc', { version: 1, maxValuePerTransaction: '50000' });
      const drain = psbtPaying(stranger, 1_000n, { fee: 100_000_000n });
      const res = await sign(drain);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.reason, 'value_exceeds_maximum');
      assert.match(res.body.detail, /value 1000 \+ fee 100000000 = 100001000 exceeds maxValuePerTransaction 50000/);
      // bitcoinjs-lib computes the same fee from the same PSBT.
      const parsed = bitcoin.Psbt.fromBase64(drain, { network: regtest });
      const inputs = parsed.data.inputs.reduce((sum, i) => sum + i.witnessUtxo!.value, 0n);
      assert.equal(inputs - parsed.txOutputs.reduce((sum, o) => sum + o.value, 0n), 100_000_000n);

      await setRules('ruled-btc', { version: 1, maxFeePerTransaction: '5000' });
      const high = await sign(psbtPaying(stranger, 1_000n, { fee: 5_001n }));
      assert.equal(high.status, 403);
      assert.equal(high.body.code, 'TRANSACTION_DENIED');
      assert.equal(high.body.reason, 'fee_limit_exceeded');
      assert.equal((await sign(psbtPaying(stranger, 1_000_000n, { fee: 5_000n }))).status, 200, 'a fee at the cap signs, whatever the value');
    });

    it('the daily limit reserves value + fee: two PSBTs whose values fit but whose values + fees do not', async () => {
      assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'fees-btc' })).status, 201);
      const pub = bytes((await box.call('GET', '/v1/keys/fees-btc/public-key?format=compressed')).body.publicKey);
      await setRules('fees-btc', { version: 1, dailyLimit: '61000' });
      const first = await sign(psbtPaying(stranger, 30_000n, { pub }), 'regtest', undefined, 'fees-btc');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await sign(psbtPaying(stranger, 30_000n, { pub }), 'regtest', undefined, 'fees-btc');
      assert.equal(second.status, 403, 'values 60,000 fit 61,000; values + fees 62,000 do not');
      assert.equal(second.body.code, 'SPENDING_LIMIT_EXCEEDED');
      assert.match(second.body.detail, /value 30000 \+ fee 1000 = 31000 would exceed the 24-hour limit 61000 \(31000 already spent\)/);
      assert.equal((await sign(psbtPaying(stranger, 29_000n, { pub }), 'regtest', undefined, 'fees-btc')).status, 200);
    });

    it("an input whose amount is unknown, or only claimed by witnessUtxo: refused (naming psbt) by rules that count amounts, signed by rules that do not", async () => {
      await setRules('ruled-btc', { version: 1, maxValuePerTransaction: '1000000000' });
      const unknown = psbtPaying(stranger, 1_000n, { foreign: 'unknown' });
      const res = await sign(unknown);
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.code, 'TRANSACTION_DENIED');
      assert.equal(res.body.reason, 'fee_unknown');
      assert.equal(res.body.field, 'psbt');
      assert.match(res.body.detail, /psbt input 1 has neither witnessUtxo nor nonWitnessUtxo/);
      const audit = await auditOf(res.headers['x-request-id'] as string);
      assert.equal(audit.decision.reason, 'fee_unknown');
      assert.equal(audit.decision.fee, undefined);
      // A witnessUtxo alone is the caller's word: the key's P2WPKH signature commits to its own input's
      // amount only (BIP143), so another input's claimed amount could be anything in the transaction signed.
      const claimed = await sign(psbtPaying(stranger, 1_000n, { foreign: 'claimed' }));
      assert.equal(claimed.status, 403, JSON.stringify(claimed.body));
      assert.equal(claimed.body.reason, 'fee_unknown');
      assert.match(claimed.body.detail, /psbt input 1: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input 0 commits to no other input's amount \(BIP143\); include input 1's nonWitnessUtxo/);
      const proven = await sign(psbtPaying(stranger, 1_000n, { foreign: 'proven' }));
      assert.equal(proven.status, 200, `with the amount proven by the previous transaction, the fee is bounded: ${JSON.stringify(proven.body)}`);
      assert.equal((await auditOf(proven.headers['x-request-id'] as string)).decision.fee, '1000');

      await setRules('ruled-btc', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, destinations: { deny: [allowed] } });
      for (const psbtIn of [unknown, psbtPaying(stranger, 1_000n, { foreign: 'claimed' })]) {
        const signed = await sign(psbtIn);
        assert.equal(signed.status, 200, 'no rule compares amounts: the fee need not be bounded');
        const psbt = bitcoin.Psbt.fromBase64(signed.body.psbt, { network: regtest });
        assert.ok(psbt.validateSignaturesOfInput(0, (pubkey, hash, signature) => ecc.verify(hash, pubkey, signature)));
      }
    });

    it('destination rules without allowedNetworks.bitcoin are refused: the caller-named network would decide how addresses read', async () => {
      await setRules('ruled-btc', { version: 1, destinations: { deny: [stranger] } });
      const res = await sign(psbtPaying(stranger, 1_000n), 'testnet');
      assert.equal(res.status, 403);
      assert.equal(res.body.reason, 'network_not_allowed');
      await setRules('ruled-btc', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, destinations: { deny: [stranger] } });
      assert.equal((await sign(psbtPaying(stranger, 1_000n), 'testnet')).body.reason, 'network_not_allowed', 'another network is refused');
      assert.equal((await sign(psbtPaying(stranger, 1_000n), 'regtest')).body.reason, 'destination_denied');
    });

    it('above the approval threshold: held, approved by two approvers, signed — bitcoinjs-lib finalizes and verifies', async () => {
      await setRules('ruled-btc', { version: 1, approval: { aboveValue: '100000', required: 2, approvers: { subjects: ['ben', 'cat'] } } });
      assert.equal((await sign(psbtPaying(stranger, 99_000n), 'regtest', tokens['ann'])).status, 202, 'value 99,000 + fee 1,000 reaches the threshold');
      const held = await sign(psbtPaying(stranger, 250_000n), 'regtest', tokens['ann']);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const id = held.body.approvalId as string;
      assert.equal((await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['ben'])).body.summary.fee, '1000', 'approvers see the fee');
      assert.equal((await box.call('POST', `/v1/approvals/${id}/approve`, undefined, tokens['ben'])).body.status, 'pending');
      const done = await box.call('POST', `/v1/approvals/${id}/approve`, undefined, tokens['cat']);
      assert.equal(done.body.status, 'signed', JSON.stringify(done.body));
      const result = (await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['ann'])).body.result;
      const psbt = bitcoin.Psbt.fromBase64(result.psbt, { network: regtest });
      assert.ok(psbt.validateSignaturesOfInput(0, (pubkey, hash, signature) => ecc.verify(hash, pubkey, signature)));
      psbt.finalizeAllInputs();
      const tx = psbt.extractTransaction();
      assert.equal(tx.outs[0]!.value, 250_000n);
    });
  });

  describe('Solana', () => {
    const transfer = (to: InstanceType<typeof PublicKey>, lamports: number): string =>
      b64(new Transaction({ feePayer: sol, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(SystemProgram.transfer({ fromPubkey: sol, toPubkey: to, lamports })).serialize({ requireAllSignatures: false, verifySignatures: false }));
    /** A transfer from `from` with a priority fee (web3.js ComputeBudgetProgram), paid by `payer`. */
    const pricedTransfer = (options: { from?: InstanceType<typeof PublicKey>; payer?: InstanceType<typeof PublicKey>; lamports?: number; units?: number; microLamports?: number }): string => {
      const from = options.from ?? sol;
      const tx = new Transaction({ feePayer: options.payer ?? from, recentBlockhash: Keypair.generate().publicKey.toBase58() });
      if (options.units !== undefined) tx.add(web3.ComputeBudgetProgram.setComputeUnitLimit({ units: options.units }));
      if (options.microLamports !== undefined) tx.add(web3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: options.microLamports }));
      tx.add(SystemProgram.transfer({ fromPubkey: from, toPubkey: friend, lamports: options.lamports ?? 1_000 }));
      return b64(tx.serialize({ requireAllSignatures: false, verifySignatures: false }));
    };
    const sign = (transaction: string, token?: string, key = 'ruled-sol') => box.call('POST', `/v1/keys/${key}/solana/sign-transaction`, { transaction }, token);

    it('destinations and limits decide; the network is "unknown"', async () => {
      await setRules('ruled-sol', { version: 1, allowedNetworks: { solana: ['unknown'] }, destinations: { allow: [friend.toBase58()] }, maxValuePerTransaction: '5000000' });
      const ok = await sign(transfer(friend, 1_000_000));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(Transaction.from(Buffer.from(ok.body.transaction, 'base64')).verifySignatures(), true);
      const denied = await sign(transfer(Keypair.generate().publicKey, 1));
      assert.equal(denied.status, 403);
      assert.equal(denied.body.reason, 'destination_not_allowed');
      const big = await sign(transfer(friend, 4_995_001));
      assert.equal(big.body.reason, 'value_exceeds_maximum', 'the value fits, value + the 5,000-lamport base fee does not');
      assert.match(big.body.detail, /value 4995001 \+ fee 5000 = 5000001 exceeds maxValuePerTransaction 5000000/);
      assert.equal((await sign(transfer(friend, 4_995_000))).status, 200);
      await setRules('ruled-sol', { version: 1, allowedNetworks: { solana: ['mainnet-beta'] } });
      assert.equal((await sign(transfer(friend, 1))).body.reason, 'network_not_allowed');
    });

    it('only System transfers and Compute Budget instructions are signed for a key with rules', async () => {
      await setRules('ruled-sol', { version: 1, maxValuePerTransaction: '5000000' });
      const withBudget = new Transaction({ feePayer: sol, recentBlockhash: Keypair.generate().publicKey.toBase58() })
        .add(web3.ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1000 }))
        .add(SystemProgram.transfer({ fromPubkey: sol, toPubkey: friend, lamports: 1000 }));
      assert.equal((await sign(b64(withBudget.serialize({ requireAllSignatures: false, verifySignatures: false })))).status, 200);
      const create = new Transaction({ feePayer: sol, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(
        SystemProgram.createAccount({ fromPubkey: sol, newAccountPubkey: sol, lamports: 9_000_000, space: 0, programId: SystemProgram.programId }),
      );
      const refused = await sign(b64(create.serialize({ requireAllSignatures: false, verifySignatures: false })));
      assert.equal(refused.status, 403, 'CreateAccount moves lamports the transfer rules do not see');
      assert.equal(refused.body.reason, 'unsupported_instruction');
      const assign = new Transaction({ feePayer: sol, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(SystemProgram.assign({ accountPubkey: sol, programId: Keypair.generate().publicKey }));
      assert.equal((await sign(b64(assign.serialize({ requireAllSignatures: false, verifySignatures: false })))).body.reason, 'unsupported_instruction');
    });

    it('a transfer whose recipient comes from a lookup table is refused for a key with rules', async () => {
      await setRules('ruled-sol', { version: 1, maxValuePerTransaction: '5000000' });
      const recipient = Keypair.generate().publicKey;
      const table = new web3.AddressLookupTableAccount({
        key: Keypair.generate().publicKey,
        state: { deactivationSlot: BigInt('18446744073709551615'), lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: [recipient] },
      });
      const message = new TransactionMessage({ payerKey: sol, recentBlockhash: Keypair.generate().publicKey.toBase58(), instructions: [SystemProgram.transfer({ fromPubkey: sol, toPubkey: recipient, lamports: 99_000_000 })] }).compileToV0Message([table]);
      const res = await sign(b64(new VersionedTransaction(message).serialize()));
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.equal(res.body.code, 'TRANSACTION_DENIED');
      assert.equal(res.body.reason, 'undecodable_transaction');
    });

    it('a huge compute-unit price counts as fee: maxValuePerTransaction and maxFeePerTransaction refuse it', async () => {
      await setRules('ruled-sol', { version: 1, maxValuePerTransaction: '5000000' });
      // 1,400,000 CU × 10^7 micro-lamports = 14,000,000 lamports of priority fee on a 1,000-lamport transfer.
      const drain = await sign(pricedTransfer({ units: 1_400_000, microLamports: 10_000_000 }));
      assert.equal(drain.status, 403, JSON.stringify(drain.body));
      assert.equal(drain.body.reason, 'value_exceeds_maximum');
      assert.match(drain.body.detail, /value 1000 \+ fee 14005000 = 14006000/);
      const audit = await auditOf(drain.headers['x-request-id'] as string);
      assert.deepEqual([audit.decision.amount, audit.decision.fee], ['1000', '14005000']);

      await setRules('ruled-sol', { version: 1, maxFeePerTransaction: '6000' });
      // 200,000 CU × 5,000 micro-lamports = 1,000 lamports (+ 5,000 base) is at the cap; one micro-lamport more rounds up over it.
      assert.equal((await sign(pricedTransfer({ units: 200_000, microLamports: 5_000 }))).status, 200);
      const over = await sign(pricedTransfer({ units: 200_000, microLamports: 5_001 }));
      assert.equal(over.status, 403);
      assert.equal(over.body.reason, 'fee_limit_exceeded');
      assert.match(over.body.detail, /fee 6001 exceeds maxFeePerTransaction 6000/);
      // Without SetComputeUnitLimit the price applies to the default limit (200,000 per transfer + 3,000 per Compute Budget instruction).
      assert.equal((await sign(pricedTransfer({ microLamports: 4_926 }))).status, 200, 'ceil(203,000 × 4,926 / 10^6) = 1,000');
      assert.equal((await sign(pricedTransfer({ microLamports: 4_927 }))).body.reason, 'fee_limit_exceeded');
    });

    it('the fee counts only against the fee payer: a co-signer is not charged it', async () => {
      await setRules('ruled-sol', { version: 1, maxFeePerTransaction: '5000', maxValuePerTransaction: '10000' });
      const payer = Keypair.generate();
      // Another account pays a 14,000,000-lamport priority fee; the key signs only its own 1,000-lamport transfer.
      const cosigned = await sign(pricedTransfer({ payer: payer.publicKey, units: 1_400_000, microLamports: 10_000_000 }));
      assert.equal(cosigned.status, 200, JSON.stringify(cosigned.body));
      const audit = await auditOf(cosigned.headers['x-request-id'] as string);
      assert.deepEqual([audit.decision.amount, audit.decision.fee], ['1000', '0']);
      // web3.js: the key's signature is in its slot (1), the payer's slot is left for the payer.
      const tx = Transaction.from(Buffer.from(cosigned.body.transaction, 'base64'));
      tx.partialSign(payer);
      assert.equal(tx.verifySignatures(), true);
      assert.equal(tx.feePayer?.toBase58(), payer.publicKey.toBase58());
      // The same fee with the key as payer is refused.
      const paying = await sign(pricedTransfer({ units: 1_400_000, microLamports: 10_000_000 }));
      assert.equal(paying.body.reason, 'fee_limit_exceeded');
    });

    it('the daily limit reserves value + fee: two transfers whose values fit but whose values + fees do not', async () => {
      const ed = await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'fees-sol' });
      const from = new PublicKey(ed.body.solanaAddress);
      await setRules('fees-sol', { version: 1, dailyLimit: '2005000' });
      assert.equal((await sign(pricedTransfer({ from, lamports: 1_000_000 }), undefined, 'fees-sol')).status, 200);
      const second = await sign(pricedTransfer({ from, lamports: 1_000_000 }), undefined, 'fees-sol');
      assert.equal(second.status, 403, 'values 2,000,000 fit 2,005,000; values + fees 2,010,000 do not');
      assert.equal(second.body.code, 'SPENDING_LIMIT_EXCEEDED');
      assert.match(second.body.detail, /value 1000000 \+ fee 5000 = 1005000 would exceed the 24-hour limit 2005000 \(1005000 already spent\)/);
      assert.equal((await sign(pricedTransfer({ from, lamports: 995_000 }), undefined, 'fees-sol')).status, 200);
    });

    it('held above the threshold, signed once approved; web3.js verifies the result', async () => {
      // A plain transfer pays the 5,000-lamport base fee: value + 5,000 ≥ 6,000 needs approval.
      await setRules('ruled-sol', { version: 1, approval: { aboveValue: '6000', required: 1, approvers: { subjects: ['ben'] } } });
      const held = await sign(transfer(friend, 2_000), tokens['ann']);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const id = held.body.approvalId as string;
      assert.equal((await box.call('POST', `/v1/approvals/${id}/approve`, undefined, tokens['ann'])).status, 403, 'the requester cannot approve');
      assert.equal((await box.call('POST', `/v1/approvals/${id}/approve`, undefined, tokens['ben'])).body.status, 'signed');
      const result = (await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['ann'])).body.result;
      assert.equal(Transaction.from(Buffer.from(result.transaction, 'base64')).verifySignatures(), true);
      assert.equal((await sign(transfer(friend, 999))).status, 200, 'below the threshold signs at once');
    });
  });

  describe('wallet rules', () => {
    const tx = (value: string) => ({ type: 'eip1559', chainId: 1, nonce: 0, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value, gas: 21000, maxFeePerGas: 10, maxPriorityFeePerGas: 1 });
    /** gas × maxFeePerGas of tx(): counted with each value */
    const FEE = 210_000n;
    const plusFees = (value: bigint, count: bigint) => (value + count * FEE).toString();
    const sign = (key: string, value: string) => box.call('POST', `/v1/keys/${key}/ethereum/sign-transaction`, { transaction: tx(value) });

    it("govern every derived key without rules of its own, with one wallet-wide daily limit; a key's own rules take precedence", async () => {
      const wallet = await box.call('POST', '/v1/wallets', { name: 'treasury' });
      assert.equal(wallet.status, 201, JSON.stringify(wallet.body));
      const k0 = (await box.call('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/0" })).body.id as string;
      const k1 = (await box.call('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/1" })).body.id as string;
      const put = await box.call('PUT', '/v1/wallets/treasury/transaction-rules', { version: 1, dailyLimit: plusFees(3000n, 2n) });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal((await box.call('GET', '/v1/wallets/treasury/transaction-rules')).body.rules.dailyLimit, plusFees(3000n, 2n));

      assert.equal((await sign(k0, '2000')).status, 200);
      const second = await sign(k1, '2000');
      assert.equal(second.status, 403, 'the other derived key shares the wallet-wide limit');
      assert.equal(second.body.reason, 'daily_limit_exceeded');
      assert.equal((await sign(k1, '1000')).status, 200);

      const putPolicy = (name: string, actions: string[]) => box.call('PUT', `/v1/policies/${name}`, { statements: [{ effect: 'allow', actions, resources: ['*'] }] });
      assert.equal((await putPolicy('key-rules-only', ['keys:rules:write', 'keys:rules:read'])).status, 200);
      const keyRulesOnly = (await box.call('POST', '/v1/tokens', { policies: ['key-rules-only'] })).body.token;
      const escape = await box.call('PUT', `/v1/keys/${k1}/transaction-rules`, { version: 1 }, keyRulesOnly);
      assert.equal(escape.status, 403, "keys:rules:write alone cannot lift a derived key out of its wallet's rules");
      await setRules(k1, { version: 1, maxValuePerTransaction: plusFees(5000n, 1n) });
      assert.equal((await sign(k1, '4000')).status, 200, "the key's own rules replace the wallet's");
      assert.equal((await sign(k0, '1')).status, 403, 'the wallet limit still binds the other key');

      assert.equal((await box.call('DELETE', '/v1/wallets/treasury/transaction-rules')).status, 200);
      assert.equal((await sign(k0, '1000000')).status, 200, 'without wallet rules the key signs as before');
      assert.equal((await box.call('GET', '/v1/wallets/treasury/transaction-rules')).status, 404);
    });
  });
});
