/**
 * Transaction rules on Bitcoin PSBTs and Solana transactions (the Ethereum table is in
 * transaction-rules.test.ts): destinations, networks, per-transaction and daily limits, the
 * undecodable-transfer refusal, and the approval flow ending in a signature an independent library
 * verifies (bitcoinjs-lib + tiny-secp256k1; @solana/web3.js).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import * as web3 from '@solana/web3.js';
import { startTestBox, type TestBox } from '../helpers/app.js';

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

  describe('Bitcoin', () => {
    let n = 0;
    const psbtPaying = (to: string, amount: bigint): string => {
      const mine = bitcoin.payments.p2wpkh({ pubkey: btcPub, network: regtest });
      const psbt = new bitcoin.Psbt({ network: regtest });
      psbt.addInput({ hash: new Uint8Array(32).fill(++n), index: 0, witnessUtxo: { script: mine.output!, value: amount + 10_000n } });
      psbt.addOutput({ address: to, value: amount });
      psbt.addOutput({ address: mine.address!, value: 9_000n }); // change: not a transfer
      return psbt.toBase64();
    };
    const sign = (psbt: string, network = 'regtest', token?: string) => box.call('POST', '/v1/keys/ruled-btc/bitcoin/sign-psbt', { psbt, network }, token);

    it('network, destination, per-transaction and daily limits decide; change is not a transfer', async () => {
      await setRules('ruled-btc', { version: 1, allowedNetworks: { bitcoin: ['regtest'] }, destinations: { allow: [allowed] }, maxValuePerTransaction: '50000', dailyLimit: '60000' });
      const ok = await sign(psbtPaying(allowed, 40_000n));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.signedInputs, [0]);

      const cases: [string, string, string, string][] = [
        ['a destination not on the allow list', psbtPaying(stranger, 1_000n), 'regtest', 'destination_not_allowed'],
        ['another network', psbtPaying(allowed, 1_000n), 'testnet', 'network_not_allowed'],
        ['above the per-transaction maximum', psbtPaying(allowed, 50_001n), 'regtest', 'value_exceeds_maximum'],
        ['above what is left of the daily limit', psbtPaying(allowed, 20_001n), 'regtest', 'daily_limit_exceeded'],
      ];
      for (const [what, psbt, network, reason] of cases) {
        const res = await sign(psbt, network);
        assert.equal(res.status, 403, what);
        assert.equal(res.body.reason, reason, what);
        assert.equal(res.body.psbt, undefined);
      }
      assert.equal((await sign(psbtPaying(allowed, 20_000n))).status, 200, 'exactly the rest of the limit still signs');
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
      const held = await sign(psbtPaying(stranger, 250_000n), 'regtest', tokens['ann']);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const id = held.body.approvalId as string;
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
    const sign = (transaction: string, token?: string) => box.call('POST', '/v1/keys/ruled-sol/solana/sign-transaction', { transaction }, token);

    it('destinations and limits decide; the network is "unknown"', async () => {
      await setRules('ruled-sol', { version: 1, allowedNetworks: { solana: ['unknown'] }, destinations: { allow: [friend.toBase58()] }, maxValuePerTransaction: '5000000' });
      const ok = await sign(transfer(friend, 1_000_000));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(Transaction.from(Buffer.from(ok.body.transaction, 'base64')).verifySignatures(), true);
      const denied = await sign(transfer(Keypair.generate().publicKey, 1));
      assert.equal(denied.status, 403);
      assert.equal(denied.body.reason, 'destination_not_allowed');
      const big = await sign(transfer(friend, 5_000_001));
      assert.equal(big.body.reason, 'value_exceeds_maximum');
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

    it('held above the threshold, signed once approved; web3.js verifies the result', async () => {
      await setRules('ruled-sol', { version: 1, approval: { aboveValue: '1000', required: 1, approvers: { subjects: ['ben'] } } });
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
    const sign = (key: string, value: string) => box.call('POST', `/v1/keys/${key}/ethereum/sign-transaction`, { transaction: tx(value) });

    it("govern every derived key without rules of its own, with one wallet-wide daily limit; a key's own rules take precedence", async () => {
      const wallet = await box.call('POST', '/v1/wallets', { name: 'treasury' });
      assert.equal(wallet.status, 201, JSON.stringify(wallet.body));
      const k0 = (await box.call('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/0" })).body.id as string;
      const k1 = (await box.call('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/1" })).body.id as string;
      const put = await box.call('PUT', '/v1/wallets/treasury/transaction-rules', { version: 1, dailyLimit: '3000' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal((await box.call('GET', '/v1/wallets/treasury/transaction-rules')).body.rules.dailyLimit, '3000');

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
      await setRules(k1, { version: 1, maxValuePerTransaction: '5000' });
      assert.equal((await sign(k1, '4000')).status, 200, "the key's own rules replace the wallet's");
      assert.equal((await sign(k0, '1')).status, 403, 'the wallet limit still binds the other key');

      assert.equal((await box.call('DELETE', '/v1/wallets/treasury/transaction-rules')).status, 200);
      assert.equal((await sign(k0, '1000000')).status, 200, 'without wallet rules the key signs as before');
      assert.equal((await box.call('GET', '/v1/wallets/treasury/transaction-rules')).status, 404);
    });
  });
});
