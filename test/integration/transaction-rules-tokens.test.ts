/**
 * Token limits and the transaction count through the API (inject, real SQLite file): ERC-20 transfer,
 * transferFrom, approve and increaseAllowance calldata and ERC-2612 permits counted per (chain, token),
 * per transaction and per rolling 24 hours; tokens the limits do not list refused; 50 parallel token
 * transfers against a token daily limit (exactly floor(limit / amount) sign); `maxTransactions` across
 * REST, the JSON-RPC signer and typed data, with a held transaction counted when its quorum signs it;
 * SPL Token and Token-2022 instructions (built by hand from the documented layouts, read back and
 * verified with @solana/web3.js); migration 14 on a pre-existing reservation; and a real ERC-20
 * (OpenZeppelin 4.9.6's ERC20PresetFixedSupply bytecode) on a local EDR node, where the signed
 * transfers execute and the recipient's balance is exactly what the limit let through.
 * Signed transactions are checked with viem (recoverTransactionAddress, parseTransaction,
 * decodeFunctionData), never with Strongbox's own decoding.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  decodeFunctionData,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  erc20Abi,
  parseAbi,
  parseTransaction,
  recoverTransactionAddress,
  type Abi,
  type Hex,
  type TransactionSerialized,
} from 'viem';
import * as web3 from '@solana/web3.js';
import { startTestBox, type TestBox, auditRecordOf } from '../helpers/app.js';
import { startEdrNode, type EdrNode } from '../helpers/edr.js';
import { sqliteAtVersion } from '../helpers/migrations.js';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';
import { reserveAndSign } from '../../src/service/shared/transaction-guard.js';

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const DAI = '0x6B175474E89094C44Da98b954EedeAC495271d0F';
const MAX = 2n ** 256n - 1n;
const allowanceAbi = parseAbi(['function increaseAllowance(address spender, uint256 addedValue) returns (bool)', 'function decreaseAllowance(address spender, uint256 subtractedValue) returns (bool)', 'function burn(uint256 amount)']);
const tokenAbi = [...erc20Abi, ...allowanceAbi] as const;

const transfer = (to: string, amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to as Hex, amount] });
const transferFrom = (from: string, to: string, amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'transferFrom', args: [from as Hex, to as Hex, amount] });
const approve = (spender: string, amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender as Hex, amount] });
const increase = (spender: string, amount: bigint) => encodeFunctionData({ abi: allowanceAbi, functionName: 'increaseAllowance', args: [spender as Hex, amount] });
const decrease = (spender: string, amount: bigint) => encodeFunctionData({ abi: allowanceAbi, functionName: 'decreaseAllowance', args: [spender as Hex, amount] });
const burn = (amount: bigint) => encodeFunctionData({ abi: allowanceAbi, functionName: 'burn', args: [amount] });

function tx(overrides: Record<string, unknown> = {}) {
  return { chainId: 1, nonce: 0, to: USDC, value: '0', gas: 100000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000', ...overrides };
}
const usdcBucket = `ethereum:1:${USDC.toLowerCase()}`;

/** The ERC-2612 Permit of `value` for USDC, owner = the key, on the wire (integers as decimal strings). */
function permit(owner: string, spender: string, value: bigint) {
  return {
    domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: USDC },
    types: {
      EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }],
      Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }],
    },
    primaryType: 'Permit',
    message: { owner, spender, value: value.toString(), nonce: '0', deadline: '1900000000' },
  };
}

/** Typed data of no shape the rules read (an order). */
const order = {
  types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Order: [{ name: 'maker', type: 'address' }, { name: 'amount', type: 'uint256' }] },
  primaryType: 'Order',
  domain: { name: 'Exchange', chainId: 1 },
  message: { maker: A, amount: '1000' },
};

describe('token limits and the transaction count', () => {
  let box: TestBox;
  let nowOverride: Date | undefined;
  const keys = new Map<string, { id: string; address: string }>();
  const tokens = new Map<string, string>();

  const createKey = async (name: string, type = 'secp256k1') => {
    const res = await box.call('POST', '/v1/keys', { type, name });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    keys.set(name, { id: res.body.id, address: res.body.address ?? res.body.solanaAddress });
    return res.body;
  };
  const setRules = async (key: string, rules: Record<string, unknown>) => {
    const res = await box.call('PUT', `/v1/keys/${key}/transaction-rules`, { version: 1, ...rules });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const sign = (key: string, t: unknown, token?: string) => box.call('POST', `/v1/keys/${key}/ethereum/sign-transaction`, { transaction: t }, token);
  let rpcId = 1;
  const rpc = async (method: string, params: unknown[]) => {
    const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: rpcId++, method, params });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { body: res.body as { result?: any; error?: { code: number; data?: any } }, requestId: res.headers['x-request-id'] as string };
  };
  const auditOf = (res: { headers: Record<string, unknown> }) => auditRecordOf(box, res.headers['x-request-id'] as string);
  /** Independent reading of a signed ERC-20 call: signer, token contract, function and amount (viem). */
  async function readSigned(raw: string, key: string) {
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized }), keys.get(key)!.address);
    const parsed = parseTransaction(raw as TransactionSerialized);
    const call = decodeFunctionData({ abi: tokenAbi, data: parsed.data! });
    return { to: parsed.to!, functionName: call.functionName, args: call.args as readonly unknown[], chainId: parsed.chainId };
  }
  async function assertDenied(res: { status: number; body: any; headers: Record<string, unknown> }, reason: string) {
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.code, 'TRANSACTION_DENIED');
    assert.equal(res.body.reason, reason);
    assert.equal(res.body.rawTransaction, undefined);
    const audit = await auditOf(res);
    assert.equal(audit.outcome, 'denied');
    assert.equal(audit.decision.outcome, 'deny');
    assert.equal(audit.decision.reason, reason);
    assert.match(audit.reason, new RegExp(`^${reason}: `));
    return audit;
  }

  before(async () => {
    box = await startTestBox();
    const realNow = box.box.ctx.now;
    box.box.ctx.now = () => nowOverride ?? realNow();
    await box.call('PUT', '/v1/policies/tok-approver', { statements: [{ effect: 'allow', actions: ['approvals:read', 'approvals:write'], resources: ['*'] }] });
    tokens.set('ben', (await box.call('POST', '/v1/tokens', { policies: ['tok-approver'], subject: 'ben' })).body.token);
  });
  after(() => box.cleanup());
  beforeEach(() => {
    nowOverride = undefined;
  });

  describe('ERC-20 calldata, per transaction', () => {
    before(async () => {
      await createKey('tok');
      await setRules('tok', { tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC, maxPerTransaction: '1000', dailyLimit: (10n ** 30n).toString() }] });
    });
    type Row = { name: string; t: Record<string, unknown>; reason?: string; fn?: string; amount?: bigint };
    const rows: Row[] = [
      { name: 'transfer at the maximum', t: tx({ data: transfer(B, 1000n) }), fn: 'transfer', amount: 1000n },
      { name: 'transfer one unit over', t: tx({ data: transfer(B, 1001n) }), reason: 'token_limit_exceeded' },
      { name: 'transferFrom counts its amount', t: tx({ data: transferFrom(A, B, 1001n) }), reason: 'token_limit_exceeded' },
      { name: 'transferFrom within', t: tx({ data: transferFrom(A, B, 999n) }), fn: 'transferFrom', amount: 999n },
      { name: 'approve counts the approved amount', t: tx({ data: approve(B, 1000n) }), fn: 'approve', amount: 1000n },
      { name: 'approve of 2^256−1 (unlimited) is refused', t: tx({ data: approve(B, MAX) }), reason: 'token_limit_exceeded' },
      { name: 'increaseAllowance counts the added amount', t: tx({ data: increase(B, 1001n) }), reason: 'token_limit_exceeded' },
      { name: 'decreaseAllowance moves nothing', t: tx({ data: decrease(B, 10n ** 40n) }), fn: 'decreaseAllowance', amount: 10n ** 40n },
      { name: 'the listed contract on another chain is another token', t: tx({ chainId: 137, data: transfer(B, 1n) }), reason: 'token_not_allowed' },
      { name: 'an unlisted token', t: tx({ to: DAI, data: transfer(B, 1n) }), reason: 'token_not_allowed' },
      { name: 'a method of the listed token whose amount the rules do not read', t: tx({ data: burn(1n) }), reason: 'token_method_not_allowed' },
    ];
    for (const row of rows) {
      it(`${row.name} → ${row.reason ?? 'signed'}`, async () => {
        const res = await sign('tok', row.t);
        if (row.reason !== undefined) {
          await assertDenied(res, row.reason);
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const signed = await readSigned(res.body.rawTransaction, 'tok');
        assert.equal(signed.to.toLowerCase(), USDC.toLowerCase());
        assert.equal(signed.functionName, row.fn);
        assert.equal(signed.args.at(-1), row.amount);
        const audit = await auditOf(res);
        assert.equal(audit.decision.outcome, 'allow');
        assert.deepEqual(audit.decision.tokens, row.fn === 'decreaseAllowance' ? undefined : [{ token: usdcBucket, amount: String(row.amount) }]);
      });
    }

    it('a key without tokenLimits does not limit tokens (its recipients are still destinations)', async () => {
      await createKey('tok-free');
      await setRules('tok-free', { dailyLimit: '1', destinations: { deny: [A] } });
      const res = await sign('tok-free', tx({ maxFeePerGas: '0', maxPriorityFeePerGas: '0', data: transfer(B, 10n ** 30n) }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await readSigned(res.body.rawTransaction, 'tok-free')).args[1], 10n ** 30n);
      const denied = await sign('tok-free', tx({ maxFeePerGas: '0', maxPriorityFeePerGas: '0', data: transferFrom(B, A, 1n) }));
      assert.equal(denied.body.reason, 'destination_denied', 'the transferFrom recipient is a destination');
    });
  });

  describe('the token daily limit', () => {
    it('adds transfers, approvals and permits over the rolling 24 hours; each token and the native limit are separate buckets', async () => {
      const key = await createKey('tok-daily');
      await setRules('tok-daily', {
        dailyLimit: (10n ** 18n).toString(),
        tokenLimits: [{ chain: 'ethereum', chainId: '1', token: USDC, dailyLimit: '1000' }, { chain: 'ethereum', chainId: 1, token: DAI, dailyLimit: '50' }],
      });
      nowOverride = new Date('2026-05-01T00:00:00Z');
      assert.equal((await sign('tok-daily', tx({ data: transfer(B, 400n) }))).status, 200);
      nowOverride = new Date('2026-05-01T06:00:00Z');
      assert.equal((await sign('tok-daily', tx({ nonce: 1, data: approve(A, 300n) }))).status, 200);
      const permitted = await box.call('POST', '/v1/keys/tok-daily/ethereum/sign-typed-data', { typedData: permit(key.address, A, 300n) });
      assert.equal(permitted.status, 200, JSON.stringify(permitted.body));
      const permitAudit = await auditOf(permitted);
      assert.deepEqual(permitAudit.decision.tokens, [{ token: usdcBucket, amount: '300' }]);
      assert.match(permitAudit.decision.reservationId, /^[0-9a-f-]{36}$/, 'a permit reserves against the token limit');
      const over = await sign('tok-daily', tx({ nonce: 2, data: transfer(B, 1n) }));
      const audit = await assertDenied(over, 'token_daily_limit_exceeded');
      assert.match(over.body.detail, new RegExp(`token ${usdcBucket} amount 1 would exceed its 24-hour limit 1000 \\(1000 already reserved\\)`));
      assert.deepEqual(audit.decision.tokens, [{ token: usdcBucket, amount: '1' }]);
      const permitOver = await box.call('POST', '/v1/keys/tok-daily/ethereum/sign-typed-data', { typedData: permit(key.address, A, 1n) });
      await assertDenied(permitOver, 'token_daily_limit_exceeded');
      assert.equal((await sign('tok-daily', tx({ nonce: 2, to: DAI, data: transfer(B, 50n) }))).status, 200, 'another token has its own limit');
      assert.equal((await sign('tok-daily', tx({ nonce: 3, to: B, data: undefined, value: '1000' }))).status, 200, 'native value is not the token bucket');
      await assertDenied(await sign('tok-daily', tx({ nonce: 3, to: DAI, data: transfer(B, 51n) })), 'token_daily_limit_exceeded');
      nowOverride = new Date('2026-05-02T00:00:01Z');
      assert.equal((await sign('tok-daily', tx({ nonce: 4, data: transfer(B, 400n) }))).status, 200, 'the first 400 left the window: 300 + 300 + 400');
      await assertDenied(await sign('tok-daily', tx({ nonce: 5, data: transfer(B, 1n) })), 'token_daily_limit_exceeded');
    });

    it('a reservation is released — every bucket — when signing fails', async () => {
      const scope = { scope: 'key' as const, scopeId: 'token-release-test' };
      const spend = { amount: 0n, dailyLimit: undefined, tokens: [{ bucket: `token:${usdcBucket}`, amount: 10n, dailyLimit: 10n }], maxTransactions: { count: 1, windowSeconds: 3600 } };
      await assert.rejects(reserveAndSign(box.box.ctx, scope, { ...spend, requestId: 'r1' }, async () => { throw new Error('signer failed'); }), /signer failed/);
      assert.equal((await reserveAndSign(box.box.ctx, scope, { ...spend, requestId: 'r2' }, async () => 'signed')).result, 'signed');
      await assert.rejects(reserveAndSign(box.box.ctx, scope, { ...spend, tokens: [], requestId: 'r3' }, async () => 'x'), (e: any) => e.publicReason === 'transaction_count_exceeded');
    });
  });

  describe('concurrency', () => {
    it('50 parallel ERC-20 transfers against a token daily limit: exactly floor(limit/amount) sign, never more than the limit', async () => {
      await createKey('tok-busy');
      const amount = 7n * 10n ** 6n;
      const limit = 100n * 10n ** 6n;
      await setRules('tok-busy', { tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC, dailyLimit: limit.toString() }] });
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sign('tok-busy', tx({ nonce: i, data: transfer(B, amount) }))));
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 200);
      assert.ok(refused.every((r) => r.status === 403 && r.body.code === 'TRANSACTION_DENIED' && r.body.reason === 'token_daily_limit_exceeded'), JSON.stringify(refused.map((r) => r.body)));
      assert.equal(ok.length, Number(limit / amount));
      let total = 0n;
      for (const r of ok) {
        const signed = await readSigned(r.body.rawTransaction, 'tok-busy');
        assert.deepEqual([signed.to.toLowerCase(), signed.functionName], [USDC.toLowerCase(), 'transfer']);
        total += signed.args[1] as bigint;
      }
      assert.ok(total <= limit, `signed ${total} > limit ${limit}`);
      assert.equal(total, 14n * amount);
    });
  });

  describe('maxTransactions', () => {
    it('counts every signature the rules judge — REST, JSON-RPC, typed data — and refuses the next in the window', async () => {
      const key = await createKey('counted');
      await setRules('counted', { maxTransactions: { count: 3, windowSeconds: 3600 } });
      nowOverride = new Date('2026-06-01T00:00:00Z');
      assert.equal((await sign('counted', tx({ to: B, data: undefined }))).status, 200);
      const viaRpc = await rpc('eth_signTransaction', [{ from: key.address, to: B, value: '0x1', gas: '0x5208', gasPrice: '0x1', nonce: '0x1', chainId: '0x1' }]);
      assert.equal(await recoverTransactionAddress({ serializedTransaction: viaRpc.body.result }), key.address);
      const typed = await box.call('POST', '/v1/keys/counted/ethereum/sign-typed-data', { typedData: order });
      assert.equal(typed.status, 200, 'typed data the rules cannot read is signed, and counted');
      assert.equal((await auditOf(typed)).decision.outcome, 'unjudged');
      const fourth = await sign('counted', tx({ to: B, data: undefined, nonce: 2 }));
      await assertDenied(fourth, 'transaction_count_exceeded');
      assert.match(fourth.body.detail, /3 signatures in the last 3600 s already reach maxTransactions.count 3/);
      const rpcRefused = await rpc('eth_signTransaction', [{ from: key.address, to: B, value: '0x1', gas: '0x5208', gasPrice: '0x1', nonce: '0x2', chainId: '0x1' }]);
      assert.equal(rpcRefused.body.error?.code, -32003);
      assert.equal(rpcRefused.body.error?.data.reason, 'transaction_count_exceeded');
      const rpcAudit = await auditRecordOf(box, `${rpcRefused.requestId}#0`);
      assert.equal(rpcAudit.decision.reason, 'transaction_count_exceeded');
      const typedRefused = await box.call('POST', '/v1/keys/counted/ethereum/sign-typed-data', { typedData: order });
      await assertDenied(typedRefused, 'transaction_count_exceeded');
      nowOverride = new Date('2026-06-01T01:00:00.001Z');
      assert.equal((await sign('counted', tx({ to: B, data: undefined, nonce: 2 }))).status, 200, 'the window rolled');
    });

    it('a held transaction counts when its quorum signs it, not when it is held', async () => {
      await createKey('counted-held');
      await setRules('counted-held', { maxTransactions: { count: 1, windowSeconds: 600 }, approval: { aboveValue: (10n ** 17n).toString(), required: 1, approvers: { subjects: ['ben'] } } });
      nowOverride = new Date('2026-07-01T00:00:00Z');
      const held = await sign('counted-held', tx({ to: B, data: undefined, value: (2n * 10n ** 17n).toString() }));
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const small = await sign('counted-held', tx({ to: B, data: undefined, nonce: 1 }));
      assert.equal(small.status, 200, 'the hold did not count');
      const approved = await box.call('POST', `/v1/approvals/${held.body.approvalId}/approve`, {}, tokens.get('ben'));
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.deepEqual([approved.body.status, approved.body.reason], ['denied', 'transaction_count_exceeded'], 'at the quorum the window is full');
      assert.equal((await auditOf(approved)).decision.reason, 'transaction_count_exceeded');
      const again = await sign('counted-held', tx({ to: B, data: undefined, value: (2n * 10n ** 17n).toString(), nonce: 2 }));
      nowOverride = new Date('2026-07-01T00:10:00.001Z');
      const signed = await box.call('POST', `/v1/approvals/${again.body.approvalId}/approve`, {}, tokens.get('ben'));
      assert.equal(signed.body.status, 'signed', JSON.stringify(signed.body));
      assert.equal(parseTransaction(signed.body.result.rawTransaction).value, 2n * 10n ** 17n);
      await assertDenied(await sign('counted-held', tx({ to: B, data: undefined, nonce: 3 })), 'transaction_count_exceeded');
    });

    it('JSON-RPC: an ERC-20 transfer over the token limit is -32003 token_limit_exceeded, audited', async () => {
      const key = await createKey('rpc-tok');
      await setRules('rpc-tok', { tokenLimits: [{ chain: 'ethereum', chainId: 1, token: USDC, maxPerTransaction: '5' }] });
      const call = (amount: bigint) => rpc('eth_signTransaction', [{ from: key.address, to: USDC, data: transfer(B, amount), value: '0x0', gas: '0x186a0', gasPrice: '0x1', nonce: '0x0', chainId: '0x1' }]);
      const denied = await call(6n);
      assert.equal(denied.body.error?.code, -32003);
      assert.equal(denied.body.error?.data.reason, 'token_limit_exceeded');
      assert.equal((await auditRecordOf(box, `${denied.requestId}#0`)).decision.reason, 'token_limit_exceeded');
      const ok = await call(5n);
      assert.equal(decodeFunctionData({ abi: erc20Abi, data: parseTransaction(ok.body.result).data! }).args[1], 5n);
    });
  });

  describe('Solana SPL Token and Token-2022', () => {
    const { Keypair, PublicKey, Transaction, TransactionInstruction } = web3;
    const TOKEN = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
    const TOKEN_2022 = new PublicKey('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
    const mint = Keypair.generate().publicKey;
    const otherMint = Keypair.generate().publicKey;
    const source = Keypair.generate().publicKey;
    const dest = Keypair.generate().publicKey;
    let owner: InstanceType<typeof PublicKey>;
    /** program/src/instruction.rs: u8 tag, u64 LE amount, (Checked) u8 decimals */
    const data = (tag: number, amount: bigint, decimals?: number) => {
      const b = Buffer.alloc(decimals === undefined ? 9 : 10);
      b[0] = tag;
      b.writeBigUInt64LE(amount, 1);
      if (decimals !== undefined) b[9] = decimals;
      return b;
    };
    const meta = (pubkey: InstanceType<typeof PublicKey>, isWritable: boolean, isSigner = false) => ({ pubkey, isWritable, isSigner });
    const transferChecked = (amount: bigint, m = mint, program = TOKEN) => new TransactionInstruction({ programId: program, keys: [meta(source, true), meta(m, false), meta(dest, true), meta(owner, false, true)], data: data(12, amount, 6) });
    const approveChecked = (amount: bigint, program = TOKEN_2022) => new TransactionInstruction({ programId: program, keys: [meta(source, true), meta(mint, false), meta(dest, false), meta(owner, false, true)], data: data(13, amount, 6) });
    const plainTransfer = (amount: bigint, to = dest) => new TransactionInstruction({ programId: TOKEN, keys: [meta(source, true), meta(to, true), meta(owner, false, true)], data: data(3, amount) });
    const wire = (...ins: InstanceType<typeof TransactionInstruction>[]) =>
      Buffer.from(new Transaction({ feePayer: owner, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(...ins).serialize({ requireAllSignatures: false, verifySignatures: false })).toString('base64');
    const signSol = (key: string, transaction: string) => box.call('POST', `/v1/keys/${key}/solana/sign-transaction`, { transaction });

    before(async () => {
      const k = await createKey('spl', 'ed25519');
      owner = new PublicKey(k.solanaAddress);
    });

    it('TransferChecked and ApproveChecked count per mint (both programs); web3.js verifies and reads back what was signed', async () => {
      await setRules('spl', { allowedNetworks: { solana: ['unknown'] }, tokenLimits: [{ chain: 'solana', token: mint.toBase58(), maxPerTransaction: '1000', dailyLimit: '1500' }] });
      const ok = await signSol('spl', wire(transferChecked(1000n)));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const signed = Transaction.from(Buffer.from(ok.body.transaction, 'base64'));
      assert.equal(signed.verifySignatures(), true);
      const ins = signed.instructions[0]!;
      assert.deepEqual([ins.programId.toBase58(), ins.data[0], ins.data.readBigUInt64LE(1), ins.keys[1]!.pubkey.toBase58()], [TOKEN.toBase58(), 12, 1000n, mint.toBase58()]);
      assert.deepEqual((await auditOf(ok)).decision.tokens, [{ token: `solana:${mint.toBase58()}`, amount: '1000' }]);
      await assertDenied(await signSol('spl', wire(transferChecked(1001n))), 'token_limit_exceeded');
      await assertDenied(await signSol('spl', wire(transferChecked(300n), transferChecked(300n, mint, TOKEN_2022))), 'token_daily_limit_exceeded');
      const approved = await signSol('spl', wire(approveChecked(500n)));
      assert.equal(approved.status, 200, 'Token-2022 ApproveChecked of the same mint fills the limit exactly');
      await assertDenied(await signSol('spl', wire(approveChecked(1n, TOKEN))), 'token_daily_limit_exceeded');
      await assertDenied(await signSol('spl', wire(transferChecked(1n, otherMint))), 'token_not_allowed');
    });

    it('Transfer and Approve name no mint: refused under tokenLimits, judged by destination otherwise; other instructions are refused', async () => {
      await setRules('spl', { tokenLimits: [{ chain: 'solana', token: mint.toBase58(), dailyLimit: '10' }] });
      await assertDenied(await signSol('spl', wire(plainTransfer(1n))), 'token_mint_unknown');
      await setRules('spl', { destinations: { allow: [dest.toBase58()] } });
      const ok = await signSol('spl', wire(plainTransfer(10n ** 18n)));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(Transaction.from(Buffer.from(ok.body.transaction, 'base64')).verifySignatures(), true);
      await assertDenied(await signSol('spl', wire(plainTransfer(1n, Keypair.generate().publicKey))), 'destination_not_allowed');
      const burnIx = new TransactionInstruction({ programId: TOKEN, keys: [meta(source, true), meta(mint, true), meta(owner, false, true)], data: data(8, 1n) });
      const burned = await signSol('spl', wire(burnIx));
      assert.deepEqual([burned.status, burned.body.reason], [403, 'unsupported_instruction']);
      const short = new TransactionInstruction({ programId: TOKEN, keys: [meta(source, true), meta(mint, false), meta(dest, true), meta(owner, false, true)], data: data(12, 1n).subarray(0, 9) });
      const cut = await signSol('spl', wire(short));
      assert.deepEqual([cut.status, cut.body.reason], [403, 'undecodable_transaction']);
    });
  });

  it('migration 14: a native reservation made before it still counts against the native limit, and is released by its id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-mig14-'));
    try {
      const db = sqliteAtVersion(dir, 13);
      const at = new Date().toISOString();
      db.prepare('INSERT INTO spend_reservations (id, scope, scope_id, amount, created_at, request_id) VALUES (?, ?, ?, ?, ?, NULL)').run('old-res', 'key', 'k1', (10n ** 30n).toString(), at);
      db.close();
      const store = openSqliteStore(dir);
      try {
        const window = new Date(Date.now() - 86_400_000).toISOString();
        const reserve = () => store.reserveLimits({ id: `r${Math.random()}`, scope: 'key', scopeId: 'k1', createdAt: at, requestId: null }, [{ bucket: 'native', amount: 1n, limit: 10n ** 30n, windowStart: window }, { bucket: 'count', amount: 1n, limit: 10n, windowStart: window }]);
        assert.deepEqual(await reserve(), { reserved: false, spent: [10n ** 30n, 0n] });
        assert.equal(await store.releaseSpend('old-res'), true);
        assert.deepEqual(await reserve(), { reserved: true, spent: [0n, 0n] });
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on chain: a real ERC-20 on a local EDR node', () => {
    let node: EdrNode;
    before(async () => {
      node = await startEdrNode({ hardfork: 'Prague' });
    });
    after(() => node?.close());

    it('only the transfers the token limits allow are signed; executed, they move exactly that much', async () => {
      const require = createRequire(import.meta.url);
      const artifact = require('@openzeppelin/contracts/build/contracts/ERC20PresetFixedSupply.json') as { abi: Abi; bytecode: Hex };
      const key = await createKey('onchain');
      const recipient = '0x00000000000000000000000000000000000f00d5';
      const wait = async (hash: string) => {
        const receipt = await node.request<{ status: string; contractAddress: string | null }>('eth_getTransactionReceipt', [hash]);
        assert.equal(receipt.status, '0x1');
        return receipt;
      };
      const deploy = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: ['Test USD', 'TUSD', 10n ** 24n, key.address] });
      const token = (await wait(await node.request<string>('eth_sendTransaction', [{ from: node.faucet, data: deploy, gas: '0x2dc6c0' }]))).contractAddress!;
      await wait(await node.request<string>('eth_sendTransaction', [{ from: node.faucet, to: key.address, value: '0xde0b6b3a7640000' }]));
      await setRules('onchain', { allowedNetworks: { ethereum: [String(node.chainId)] }, tokenLimits: [{ chain: 'ethereum', chainId: node.chainId, token, maxPerTransaction: '100', dailyLimit: '250' }] });
      const send = (nonce: number, data: Hex) => sign('onchain', { chainId: node.chainId, nonce, to: token, value: '0', gas: 100000, maxFeePerGas: '3000000000', maxPriorityFeePerGas: '1000000000', data });
      await assertDenied(await send(0, transfer(recipient, 101n)), 'token_limit_exceeded');
      const signed = [await send(0, transfer(recipient, 100n)), await send(1, transfer(recipient, 100n))];
      await assertDenied(await send(2, transfer(recipient, 100n)), 'token_daily_limit_exceeded');
      const last = await send(2, transfer(recipient, 50n));
      for (const r of [...signed, last]) {
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await wait(await node.request<string>('eth_sendRawTransaction', [r.body.rawTransaction]));
      }
      const balanceOf = async (who: string) =>
        decodeFunctionResult({ abi: erc20Abi, functionName: 'balanceOf', data: await node.request<Hex>('eth_call', [{ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [who as Hex] }) }, 'latest']) });
      assert.equal(await balanceOf(recipient), 250n, 'exactly the daily limit reached the recipient');
      assert.equal(await balanceOf(key.address), 10n ** 24n - 250n);
    });
  });
});
