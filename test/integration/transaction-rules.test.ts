/**
 * Transaction rules through the REST API (inject, real SQLite file): a table of allowed and denied
 * Ethereum transactions per rule (status, reason, no signature, an audit record with the decision);
 * 50 concurrent spends against a daily limit; the M-of-N approval flow with the signed result checked
 * by viem; rejection and expiry that never sign; forbidBlindSigning on the sign route and the AWS
 * endpoint (a real @aws-sdk/client-kms client).
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFunctionData, erc20Abi, parseTransaction, recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { startTestBox, type TestBox, auditRecordOf } from '../helpers/app.js';
import { ApprovalPendingError, StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { toStrongboxAccount } from '../../src/sdk/viem.js';
import { reserveAndSign } from '../../src/service/shared/transaction-guard.js';
import { SIGNING_TIMEOUT_MS } from '../../src/service/approvals/approvals.js';

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const TOKEN = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const ETH = 10n ** 18n;

const transfer = (to: string, amount = 1n) => encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to as `0x${string}`, amount] });
const approve = (spender: string, amount = 1n) => encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [spender as `0x${string}`, amount] });

function tx(overrides: Record<string, unknown> = {}) {
  return { chainId: 1, nonce: 0, to: B, value: '0', gas: 100000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000', ...overrides };
}
/** The most tx() can pay in fees, counted with its value: gas × maxFeePerGas. */
const FEE = 100000n * 30000000000n;

describe('transaction rules', () => {
  let box: TestBox;
  let address: string;
  let keyId: string;
  let nowOverride: Date | undefined;
  let listening: Promise<string> | undefined;
  const listenAddr = () => (listening ??= box.box.http.listen({ port: 0, host: '127.0.0.1' }));
  const sign = (t: unknown, key = 'ruled', token?: string) => box.call('POST', `/v1/keys/${key}/ethereum/sign-transaction`, { transaction: t }, token);
  const setRules = async (rules: unknown, key = 'ruled') => {
    const res = await box.call('PUT', `/v1/keys/${key}/transaction-rules`, rules);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res;
  };
  const auditOf = (requestId: string) => auditRecordOf(box, requestId);
  async function assertSignedBy(rawTransaction: string, fields: { to?: string; value?: bigint }) {
    assert.equal(await recoverTransactionAddress({ serializedTransaction: rawTransaction as TransactionSerialized }), address);
    const parsed = parseTransaction(rawTransaction as TransactionSerialized);
    if (fields.to !== undefined) assert.equal(parsed.to?.toLowerCase(), fields.to.toLowerCase());
    if (fields.value !== undefined) assert.equal(parsed.value ?? 0n, fields.value);
  }

  before(async () => {
    box = await startTestBox();
    const ctx = box.box.ctx;
    const realNow = ctx.now;
    ctx.now = () => nowOverride ?? realNow();
    const res = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'ruled' });
    assert.equal(res.status, 201);
    address = res.body.address;
    keyId = res.body.id;
  });
  after(() => box.cleanup());
  beforeEach(() => {
    nowOverride = undefined;
  });

  describe('rules documents', () => {
    it('PUT validates and normalizes (addresses lowercased, amounts as strings); GET returns it; DELETE removes it', async () => {
      const put = await setRules({ version: 1, destinations: { allow: [A] }, maxValuePerTransaction: 5, maxFeePerTransaction: 7, dailyLimit: (10n ** 30n).toString(), allowedSelectors: ['0xA9059CBB'] });
      assert.deepEqual(put.body.rules, { version: 1, destinations: { allow: [A.toLowerCase()] }, maxValuePerTransaction: '5', maxFeePerTransaction: '7', dailyLimit: (10n ** 30n).toString(), allowedSelectors: ['0xa9059cbb'] });
      assert.equal(put.body.keyId, keyId);
      const get = await box.call('GET', '/v1/keys/ruled/transaction-rules');
      assert.deepEqual(get.body.rules, put.body.rules);
      assert.equal((await box.call('DELETE', '/v1/keys/ruled/transaction-rules')).status, 200);
      const gone = await box.call('GET', '/v1/keys/ruled/transaction-rules');
      assert.equal(gone.status, 404);
      assert.equal(gone.body.code, 'TRANSACTION_RULES_NOT_FOUND');
      assert.equal((await box.call('DELETE', '/v1/keys/ruled/transaction-rules')).status, 404);
    });

    for (const [name, rules, field, code] of [
      ['no version', { dailyLimit: '1' }, 'version', 'INVALID_ARGUMENT'],
      ['version 2', { version: 2 }, 'version', 'INVALID_ARGUMENT'],
      ['unknown top-level member', { version: 1, dailyLimt: '1' }, 'dailyLimt', 'UNKNOWN_FIELD'],
      ['negative amount', { version: 1, maxValuePerTransaction: '-1' }, 'maxValuePerTransaction', 'INVALID_ARGUMENT'],
      ['fractional amount', { version: 1, dailyLimit: '1.5' }, 'dailyLimit', 'INVALID_ARGUMENT'],
      ['negative maxFeePerTransaction', { version: 1, maxFeePerTransaction: '-1' }, 'maxFeePerTransaction', 'INVALID_ARGUMENT'],
      ['unsafe JSON number amount', { version: 1, dailyLimit: 2 ** 60 }, 'dailyLimit', 'INVALID_ARGUMENT'],
      ['bad address', { version: 1, destinations: { deny: ['0x1234'] } }, 'destinations.deny.0', 'INVALID_ARGUMENT'],
      ['unknown destinations member', { version: 1, destinations: { block: [A] } }, 'destinations.block', 'UNKNOWN_FIELD'],
      ['unknown chain', { version: 1, allowedNetworks: { dogecoin: ['main'] } }, 'allowedNetworks.dogecoin', 'UNKNOWN_FIELD'],
      ['chain id not decimal', { version: 1, allowedNetworks: { ethereum: ['0x1'] } }, 'allowedNetworks.ethereum.0', 'INVALID_ARGUMENT'],
      ['selector too short', { version: 1, allowedSelectors: ['0xa9059c'] }, 'allowedSelectors.0', 'INVALID_ARGUMENT'],
      ['time window hour 24', { version: 1, timeWindows: [{ start: '09:00', end: '24:00' }] }, 'timeWindows.0.end', 'INVALID_ARGUMENT'],
      ['time window bad day', { version: 1, timeWindows: [{ days: ['monday'], start: '09:00', end: '17:00' }] }, 'timeWindows.0.days.0', 'INVALID_ARGUMENT'],
      ['approval required 0', { version: 1, approval: { required: 0, approvers: { subjects: ['a'] } } }, 'approval.required', 'INVALID_ARGUMENT'],
      ['approval M > N', { version: 1, approval: { required: 3, approvers: { subjects: ['a', 'b'] } } }, 'approval.required', 'INVALID_ARGUMENT'],
      ['approval without approvers', { version: 1, approval: { required: 1, approvers: {} } }, 'approval.approvers', 'INVALID_ARGUMENT'],
      ['approval repeated subject', { version: 1, approval: { required: 1, approvers: { subjects: ['a', 'a'] } } }, 'approval.approvers.subjects', 'INVALID_ARGUMENT'],
      ['approval expiry too short', { version: 1, approval: { required: 1, approvers: { policy: 'p' }, expiresAfterSeconds: 5 } }, 'approval.expiresAfterSeconds', 'INVALID_ARGUMENT'],
      ['forbidBlindSigning not boolean', { version: 1, forbidBlindSigning: 'yes' }, 'forbidBlindSigning', 'INVALID_ARGUMENT'],
    ] as const) {
      it(`PUT refuses ${name}: 4xx naming ${field}`, async () => {
        const res = await box.call('PUT', '/v1/keys/ruled/transaction-rules', rules);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, code);
        assert.equal(res.body.field, field);
      });
    }

    it('a signer token cannot change rules (keys:rules:write is not in the signer policy)', async () => {
      const t = await box.call('POST', '/v1/tokens', { policies: ['signer'] });
      const res = await box.call('PUT', '/v1/keys/ruled/transaction-rules', { version: 1 }, t.body.token);
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'PERMISSION_DENIED');
      assert.equal((await box.call('GET', '/v1/approvals', undefined, t.body.token)).status, 200, 'but it can read approvals (to fetch signed results)');
      const vote = await box.call('POST', '/v1/approvals/00000000-0000-4000-8000-000000000000/approve', undefined, t.body.token);
      assert.equal(vote.status, 403, 'no existence oracle: an unknown approval id is 403 without approvals:write');
    });
  });

  describe('allowed and denied transactions, per rule', () => {
    type Row = { name: string; rules: Record<string, unknown>; tx: Record<string, unknown>; status: 200 | 403 | 400; code?: string; reason?: string; now?: string };
    const rows: Row[] = [
      { name: 'network allowed', rules: { allowedNetworks: { ethereum: ['1', '11155111'] } }, tx: tx({ chainId: 11155111 }), status: 200 },
      { name: 'network not allowed', rules: { allowedNetworks: { ethereum: ['1'] } }, tx: tx({ chainId: 5 }), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed' },
      { name: 'chain not listed at all', rules: { allowedNetworks: { bitcoin: ['mainnet'] } }, tx: tx(), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed' },
      { name: 'deny list (checksummed vs lowercase)', rules: { destinations: { deny: [A.toLowerCase()] } }, tx: tx({ to: A }), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied' },
      { name: 'deny list, other destination', rules: { destinations: { deny: [A] } }, tx: tx({ to: B }), status: 200 },
      { name: 'deny list catches the ERC-20 transfer recipient', rules: { destinations: { deny: [A] } }, tx: tx({ to: TOKEN, data: transfer(A) }), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied' },
      { name: 'deny list catches the ERC-20 approve spender', rules: { destinations: { deny: [A] } }, tx: tx({ to: TOKEN, data: approve(A) }), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied' },
      { name: 'allow list', rules: { destinations: { allow: [B.toUpperCase().replace('0X', '0x')] } }, tx: tx({ to: B.toLowerCase() }), status: 200 },
      { name: 'allow list miss', rules: { destinations: { allow: [B] } }, tx: tx({ to: A }), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed' },
      { name: 'allow list: token allowed, recipient not', rules: { destinations: { allow: [B, TOKEN] } }, tx: tx({ to: TOKEN, data: transfer(A) }), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed' },
      { name: 'allow list: token and recipient allowed', rules: { destinations: { allow: [B, TOKEN] } }, tx: tx({ to: TOKEN, data: transfer(B) }), status: 200 },
      { name: 'allow list refuses a contract creation', rules: { destinations: { allow: [B] } }, tx: tx({ to: null, data: '0x6000' }), status: 403, code: 'TRANSACTION_DENIED', reason: 'contract_creation_not_allowed' },
      { name: 'max value: value + fee at the maximum', rules: { maxValuePerTransaction: (ETH + FEE).toString() }, tx: tx({ value: ETH.toString() }), status: 200 },
      { name: 'max value: one wei over', rules: { maxValuePerTransaction: (ETH + FEE).toString() }, tx: tx({ value: (ETH + 1n).toString() }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max value beyond 2^64 wei', rules: { maxValuePerTransaction: (2n ** 70n).toString() }, tx: tx({ value: '0x' + (2n ** 70n + 1n).toString(16) }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max value: the value fits, value + fee does not', rules: { maxValuePerTransaction: ETH.toString() }, tx: tx({ value: (ETH - FEE + 1n).toString() }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max value: no value, a gas price that alone exceeds it', rules: { maxValuePerTransaction: ETH.toString() }, tx: tx({ maxFeePerGas: '10000000000001', maxPriorityFeePerGas: '1' }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max value: no value, a gas limit that alone exceeds it (legacy)', rules: { maxValuePerTransaction: ETH.toString() }, tx: tx({ type: 'legacy', maxFeePerGas: undefined, maxPriorityFeePerGas: undefined, gasPrice: '100000000000', gas: 16_000_000 }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max value: a contract creation\'s value counts', rules: { maxValuePerTransaction: ETH.toString() }, tx: tx({ to: null, data: '0x6000', value: ETH.toString() }), status: 403, code: 'TRANSACTION_DENIED', reason: 'value_exceeds_maximum' },
      { name: 'max fee: at the maximum', rules: { maxFeePerTransaction: FEE.toString() }, tx: tx({ value: ETH.toString() }), status: 200 },
      { name: 'max fee: one gwei of maxFeePerGas too many', rules: { maxFeePerTransaction: FEE.toString() }, tx: tx({ maxFeePerGas: '30000000001' }), status: 403, code: 'TRANSACTION_DENIED', reason: 'fee_limit_exceeded' },
      { name: 'max fee: a legacy gas price', rules: { maxFeePerTransaction: '21000000000000' }, tx: tx({ type: 'legacy', maxFeePerGas: undefined, maxPriorityFeePerGas: undefined, gasPrice: '1000000001', gas: 21000 }), status: 403, code: 'TRANSACTION_DENIED', reason: 'fee_limit_exceeded' },
      { name: 'max fee: a legacy gas price within it', rules: { maxFeePerTransaction: '21000000000000' }, tx: tx({ type: 'legacy', maxFeePerGas: undefined, maxPriorityFeePerGas: undefined, gasPrice: '1000000000', gas: 21000 }), status: 200 },
      { name: 'selector allowed', rules: { allowedSelectors: ['0xa9059cbb'] }, tx: tx({ to: TOKEN, data: transfer(B) }), status: 200 },
      { name: 'selector not allowed', rules: { allowedSelectors: ['0xa9059cbb'] }, tx: tx({ to: TOKEN, data: approve(B) }), status: 403, code: 'TRANSACTION_DENIED', reason: 'selector_not_allowed' },
      { name: 'selectors: a plain value transfer is no call', rules: { allowedSelectors: ['0xa9059cbb'] }, tx: tx({ value: '1' }), status: 200 },
      { name: 'selectors refuse a contract creation', rules: { allowedSelectors: ['0xa9059cbb'] }, tx: tx({ to: null, data: '0x6000' }), status: 403, code: 'TRANSACTION_DENIED', reason: 'contract_creation_not_allowed' },
      { name: 'time window: Wednesday 10:00 UTC', rules: { timeWindows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] }, tx: tx(), status: 200, now: '2026-11-18T10:00:00Z' },
      { name: 'time window: Wednesday 17:00 UTC (end exclusive)', rules: { timeWindows: [{ days: ['wed'], start: '09:00', end: '17:00' }] }, tx: tx(), status: 403, code: 'TRANSACTION_DENIED', reason: 'outside_time_window', now: '2026-11-18T17:00:00Z' },
      { name: 'time window: Saturday', rules: { timeWindows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }] }, tx: tx(), status: 403, code: 'TRANSACTION_DENIED', reason: 'outside_time_window', now: '2026-11-21T10:00:00Z' },
      { name: 'time window across midnight: Friday night 01:00 Saturday', rules: { timeWindows: [{ days: ['fri'], start: '22:00', end: '02:00' }] }, tx: tx(), status: 200, now: '2026-11-21T01:00:00Z' },
      { name: 'daily limit: one transaction alone above it', rules: { dailyLimit: (FEE + 10n).toString() }, tx: tx({ value: '11' }), status: 403, code: 'SPENDING_LIMIT_EXCEEDED', reason: 'daily_limit_exceeded' },
      { name: 'daily limit: a zero-value transaction whose fee alone is above it', rules: { dailyLimit: (FEE - 1n).toString() }, tx: tx(), status: 403, code: 'SPENDING_LIMIT_EXCEEDED', reason: 'daily_limit_exceeded' },
      { name: 'ERC-20 selector with undecodable arguments', rules: { destinations: { deny: [A] } }, tx: tx({ to: TOKEN, data: '0xa9059cbb' + '00'.repeat(10) }), status: 400, code: 'INVALID_ARGUMENT' },
    ];
    for (const row of rows) {
      it(`${row.name} → ${row.status}${row.reason ? ` ${row.reason}` : ''}`, async () => {
        await setRules({ version: 1, ...row.rules });
        if (row.now !== undefined) nowOverride = new Date(row.now);
        const res = await sign(row.tx);
        assert.equal(res.status, row.status, JSON.stringify(res.body));
        const audit = await auditOf(res.headers['x-request-id'] as string);
        assert.equal(audit.status, row.status);
        if (row.status === 200) {
          await assertSignedBy(res.body.rawTransaction, { to: row.tx['to'] as string });
          assert.equal(audit.decision.outcome, 'allow');
          // The fee recorded is the most the signed transaction can pay, as viem reads it back.
          const signed = parseTransaction(res.body.rawTransaction as TransactionSerialized);
          assert.equal(audit.decision.fee, (signed.gas! * (signed.maxFeePerGas ?? signed.gasPrice!)).toString());
          return;
        }
        assert.equal(res.body.code, row.code);
        assert.equal(res.body.rawTransaction, undefined, 'no signature');
        assert.doesNotMatch(JSON.stringify(res.body), /0x02f8/, 'no signed transaction anywhere in the body');
        if (row.reason !== undefined) {
          assert.equal(res.body.reason, row.reason);
          assert.equal(audit.outcome, 'denied');
          assert.equal(audit.code, row.code);
          assert.equal(audit.decision.outcome, 'deny');
          assert.equal(audit.decision.reason, row.reason);
          assert.match(audit.reason, new RegExp(`^${row.reason}: `));
        }
      });
    }

    it('daily limit: spends add up over the rolling 24 hours, bigint-exact, and roll off after 24 h', async () => {
      const limit = 5n * 10n ** 20n; // 500 ETH, beyond int64 wei
      await setRules({ version: 1, dailyLimit: limit.toString() });
      const spend = 2n * 10n ** 20n; // each reserves spend + FEE
      nowOverride = new Date('2026-11-10T00:00:00Z');
      assert.equal((await sign(tx({ value: spend.toString() }))).status, 200);
      nowOverride = new Date('2026-11-10T12:00:00Z');
      const second = await sign(tx({ value: spend.toString() }));
      assert.equal(second.status, 200);
      const audit = await auditOf(second.headers['x-request-id'] as string);
      assert.match(audit.decision.reservationId, /^[0-9a-f-]{36}$/, 'the reservation id is in the audit record');
      assert.equal(audit.decision.amount, spend.toString());
      assert.equal(audit.decision.fee, FEE.toString());
      const third = await sign(tx({ value: spend.toString() }));
      assert.equal(third.status, 403);
      assert.equal(third.body.reason, 'daily_limit_exceeded');
      const rest = limit - 2n * (spend + FEE);
      const over = await sign(tx({ value: (rest - FEE + 1n).toString() }));
      assert.equal(over.status, 403, 'the rest of the limit holds the value but not value + fee');
      assert.match(over.body.detail, new RegExp(`value ${rest - FEE + 1n} \\+ fee ${FEE} = ${rest + 1n} would exceed the 24-hour limit ${limit}`));
      assert.equal((await sign(tx({ value: (rest - FEE).toString() }))).status, 200, 'exactly up to the limit, fee included, is allowed');
      nowOverride = new Date('2026-11-11T00:00:01Z');
      assert.equal((await sign(tx({ value: spend.toString() }))).status, 200, 'the first spend left the window');
    });

    it('two transactions whose values fit the daily limit but whose values + fees do not: the second is denied, naming the fee', async () => {
      assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'fees-daily' })).status, 201);
      const value = 10n ** 17n;
      await setRules({ version: 1, dailyLimit: (2n * value + FEE).toString() }, 'fees-daily');
      const first = await sign(tx({ value: value.toString() }), 'fees-daily');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const reserved = await auditOf(first.headers['x-request-id'] as string);
      assert.deepEqual([reserved.decision.amount, reserved.decision.fee], [value.toString(), FEE.toString()]);
      const second = await sign(tx({ value: value.toString(), nonce: 1 }), 'fees-daily');
      assert.equal(second.status, 403, JSON.stringify(second.body));
      assert.equal(second.body.code, 'SPENDING_LIMIT_EXCEEDED');
      assert.equal(second.body.reason, 'daily_limit_exceeded');
      assert.match(second.body.detail, new RegExp(`value ${value} \\+ fee ${FEE} = ${value + FEE} would exceed the 24-hour limit ${2n * value + FEE} \\(${value + FEE} already spent\\)`));
      const audit = await auditOf(second.headers['x-request-id'] as string);
      assert.deepEqual([audit.decision.outcome, audit.decision.reason, audit.decision.fee], ['deny', 'daily_limit_exceeded', FEE.toString()]);
      assert.equal((await sign(tx({ value: (value - FEE).toString(), nonce: 1 }), 'fees-daily')).status, 200, 'what is left, fee included, still signs');
    });

    it('a reservation is released when signing fails', async () => {
      const ctx = box.box.ctx;
      const scope = { scope: 'key' as const, scopeId: 'release-test' };
      await assert.rejects(reserveAndSign(ctx, scope, { amount: 10n, dailyLimit: 10n, requestId: 'r1' }, async () => { throw new Error('signer failed'); }), /signer failed/);
      const ok = await reserveAndSign(ctx, scope, { amount: 10n, dailyLimit: 10n, requestId: 'r2' }, async () => 'signed');
      assert.equal(ok.result, 'signed', 'the failed attempt did not keep its 10');
      await assert.rejects(reserveAndSign(ctx, scope, { amount: 1n, dailyLimit: 10n, requestId: 'r3' }, async () => 'x'), (e: any) => e.code === 'SPENDING_LIMIT_EXCEEDED');
    });

    it('deleting the rules restores plain signing', async () => {
      await setRules({ version: 1, destinations: { allow: [B] } });
      assert.equal((await sign(tx({ to: A }))).status, 403);
      await box.call('DELETE', '/v1/keys/ruled/transaction-rules');
      const res = await sign(tx({ to: A }));
      assert.equal(res.status, 200);
      assert.equal((await auditOf(res.headers['x-request-id'] as string)).decision, undefined, 'no rules, no decision field');
    });
  });

  describe('concurrency', () => {
    it('50 parallel spends against a daily limit: exactly floor(limit/amount) sign, never more than the limit', async () => {
      const created = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'busy' });
      assert.equal(created.status, 201);
      const amount = 3n * ETH;
      const limit = 40n * ETH + 1n;
      await setRules({ version: 1, dailyLimit: limit.toString() }, 'busy');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(tx({ nonce: i, value: amount.toString() }), 'busy')));
      const ok = results.filter((r) => r.status === 200);
      const denied = results.filter((r) => r.status !== 200);
      assert.equal(ok.length, Number(limit / (amount + FEE)));
      assert.ok(denied.every((r) => r.status === 403 && r.body.code === 'SPENDING_LIMIT_EXCEEDED' && r.body.reason === 'daily_limit_exceeded'));
      let total = 0n;
      for (const r of ok) {
        assert.equal(await recoverTransactionAddress({ serializedTransaction: r.body.rawTransaction }), created.body.address);
        const signed = parseTransaction(r.body.rawTransaction as TransactionSerialized);
        total += (signed.value ?? 0n) + signed.gas! * signed.maxFeePerGas!;
      }
      assert.ok(total <= limit, `signed ${total} > limit ${limit}`);
      assert.equal(total, 13n * (amount + FEE));
    });
  });

  describe('approvals', () => {
    const tokens: Record<string, string> = {};
    before(async () => {
      const put = async (name: string, actions: string[]) =>
        assert.equal((await box.call('PUT', `/v1/policies/${name}`, { statements: [{ effect: 'allow', actions, resources: ['key:*'] }] })).status, 200);
      await put('tx-requester', ['keys:sign', 'keys:read', 'approvals:read', 'approvals:write']);
      await put('tx-approver', ['approvals:read', 'approvals:write']);
      for (const [subject, policy] of [['alice', 'tx-requester'], ['bob', 'tx-approver'], ['carol', 'tx-approver'], ['dave', 'tx-approver'], ['eve', 'tx-approver']] as const) {
        const res = await box.call('POST', '/v1/tokens', { policies: [policy], subject });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        tokens[subject] = res.body.token;
      }
      // alice can also approve in general (approvals:write) — the rules still refuse her own requests.
    });
    // tx() pays at most FEE: value + FEE ≥ FEE + 1000 needs approval.
    const rules = { version: 1, destinations: { deny: [A] }, approval: { aboveValue: (FEE + 1000n).toString(), required: 2, approvers: { subjects: ['alice', 'bob', 'carol', 'dave'] } } };
    const approve = (id: string, who: string) => box.call('POST', `/v1/approvals/${id}/approve`, undefined, tokens[who]);

    it('below the threshold signs at once; above it is held (202), then 2 of the listed approvers sign it', async () => {
      await setRules(rules);
      assert.equal((await sign(tx({ value: '999' }), 'ruled', tokens['alice'])).status, 200);
      const held = await sign(tx({ value: '5000', nonce: 7 }), 'ruled', tokens['alice']);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      assert.equal(held.body.status, 'pending');
      assert.equal(held.body.required, 2);
      assert.equal(held.body.rawTransaction, undefined);
      const id = held.body.approvalId as string;
      const pendingAudit = await auditOf(held.headers['x-request-id'] as string);
      assert.equal(pendingAudit.status, 202);
      assert.deepEqual([pendingAudit.decision.outcome, pendingAudit.decision.approvalId, pendingAudit.decision.amount, pendingAudit.decision.fee], ['pending', id, '5000', FEE.toString()]);

      const view = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['bob']);
      assert.equal(view.status, 200);
      assert.equal(view.body.status, 'pending');
      assert.equal(view.body.requester, 'alice');
      assert.equal(view.body.transaction.value, '5000');
      assert.equal(view.body.summary.fee, FEE.toString(), 'approvers see the most the transaction can pay in fees');
      assert.equal(view.body.transaction.nonce, 7);
      assert.equal(view.body.result, null);
      const listed = await box.call('GET', '/v1/approvals?status=pending', undefined, tokens['bob']);
      assert.ok(listed.body.approvals.some((a: { id: string }) => a.id === id));

      const self = await approve(id, 'alice');
      assert.equal(self.status, 403);
      assert.equal(self.body.code, 'SELF_APPROVAL_FORBIDDEN');
      assert.equal((await auditOf(self.headers['x-request-id'] as string)).decision.reason, 'self_approval');
      const outsider = await approve(id, 'eve');
      assert.equal(outsider.status, 403);
      assert.equal(outsider.body.code, 'APPROVER_NOT_ELIGIBLE');
      const noPolicy = await box.call('POST', `/v1/approvals/${id}/approve`, undefined, (await box.call('POST', '/v1/tokens', { policies: ['signer'] })).body.token);
      assert.equal(noPolicy.status, 403);
      assert.equal(noPolicy.body.code, 'PERMISSION_DENIED');

      const first = await approve(id, 'bob');
      assert.equal(first.status, 200);
      assert.equal(first.body.status, 'pending');
      assert.deepEqual(first.body.approvals.map((v: { subject: string }) => v.subject), ['bob']);
      const twice = await approve(id, 'bob');
      assert.equal(twice.status, 200);
      assert.equal(twice.body.approvals.length, 1, 'a second approval by the same subject counts once');
      assert.equal(twice.body.status, 'pending');
      assert.equal((await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice'])).body.result, null, 'nothing signed before the quorum');

      const quorum = await approve(id, 'carol');
      assert.equal(quorum.status, 200, JSON.stringify(quorum.body));
      assert.equal(quorum.body.status, 'signed');
      const signedAudit = await auditOf(quorum.headers['x-request-id'] as string);
      assert.equal(signedAudit.decision.outcome, 'signed');
      assert.equal(signedAudit.decision.approvalId, id);

      const fetched = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice']);
      assert.equal(fetched.body.status, 'signed');
      assert.equal(fetched.body.result.from, address);
      await assertSignedBy(fetched.body.result.rawTransaction, { to: B, value: 5000n });
      assert.equal(parseTransaction(fetched.body.result.rawTransaction).nonce, 7);

      const late = await approve(id, 'dave');
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'APPROVAL_NOT_PENDING');
    });

    it('a rejected request never signs', async () => {
      await setRules(rules);
      const held = await sign(tx({ value: '5000' }), 'ruled', tokens['alice']);
      assert.equal(held.status, 202);
      const id = held.body.approvalId as string;
      assert.equal((await approve(id, 'bob')).status, 200);
      const rejected = await box.call('POST', `/v1/approvals/${id}/reject`, { reason: 'unknown invoice' }, tokens['carol']);
      assert.equal(rejected.status, 200);
      assert.equal(rejected.body.status, 'rejected');
      assert.match(rejected.body.reason, /carol: unknown invoice/);
      const audit = await auditOf(rejected.headers['x-request-id'] as string);
      assert.equal(audit.decision.outcome, 'reject');
      const after = await approve(id, 'dave');
      assert.equal(after.status, 409);
      assert.equal(after.body.code, 'APPROVAL_NOT_PENDING');
      const view = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice']);
      assert.equal(view.body.status, 'rejected');
      assert.equal(view.body.result, null);
    });

    it('the requester may withdraw; an outsider may not reject', async () => {
      await setRules(rules);
      const held = await sign(tx({ value: '5000' }), 'ruled', tokens['alice']);
      const id = held.body.approvalId as string;
      const eve = await box.call('POST', `/v1/approvals/${id}/reject`, {}, tokens['eve']);
      assert.equal(eve.status, 403);
      assert.equal(eve.body.code, 'APPROVER_NOT_ELIGIBLE');
      const withdrawn = await box.call('POST', `/v1/approvals/${id}/reject`, {}, tokens['alice']);
      assert.equal(withdrawn.status, 200);
      assert.equal(withdrawn.body.status, 'rejected');
    });

    it('an expired request never signs', async () => {
      await setRules({ ...rules, approval: { ...rules.approval, expiresAfterSeconds: 3600 } });
      nowOverride = new Date('2026-11-12T00:00:00Z');
      const held = await sign(tx({ value: '5000' }), 'ruled', tokens['alice']);
      const id = held.body.approvalId as string;
      assert.equal(held.body.expiresAt, '2026-11-12T01:00:00.000Z');
      assert.equal((await approve(id, 'bob')).status, 200);
      nowOverride = new Date('2026-11-12T01:00:01Z');
      const late = await approve(id, 'carol');
      assert.equal(late.status, 409);
      assert.equal(late.body.code, 'APPROVAL_NOT_PENDING');
      assert.equal((await auditOf(late.headers['x-request-id'] as string)).decision.outcome, 'expired');
      const view = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice']);
      assert.equal(view.body.status, 'expired');
      assert.equal(view.body.result, null);
    });

    it('rules are evaluated again at the quorum: a limit lowered meanwhile denies it, nothing signed', async () => {
      await setRules(rules);
      const held = await sign(tx({ value: '5000' }), 'ruled', tokens['alice']);
      const id = held.body.approvalId as string;
      assert.equal((await approve(id, 'bob')).status, 200);
      await setRules({ ...rules, maxValuePerTransaction: (FEE + 4999n).toString() });
      const quorum = await approve(id, 'dave');
      assert.equal(quorum.status, 200);
      assert.equal(quorum.body.status, 'denied');
      assert.equal(quorum.body.reason, 'value_exceeds_maximum');
      assert.equal(quorum.body.result, null);
      assert.equal((await auditOf(quorum.headers['x-request-id'] as string)).decision.outcome, 'deny');
    });

    it('the quorum reserves against the 24-hour limit; a held request that no longer fits ends denied', async () => {
      const created = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'vault' });
      assert.equal(created.status, 201);
      await setRules({ version: 1, dailyLimit: (8000n + 2n * FEE).toString(), approval: { required: 1, approvers: { subjects: ['bob'] } } }, 'vault');
      const first = await sign(tx({ value: '5000' }), 'vault', tokens['alice']);
      const second = await sign(tx({ value: '5000', nonce: 1 }), 'vault', tokens['alice']);
      assert.deepEqual([first.status, second.status], [202, 202], 'held requests reserve nothing yet');
      const signed = await approve(first.body.approvalId, 'bob');
      assert.equal(signed.body.status, 'signed');
      const audit = await auditOf(signed.headers['x-request-id'] as string);
      assert.match(audit.decision.reservationId, /^[0-9a-f-]{36}$/);
      assert.equal(audit.decision.amount, '5000');
      assert.equal(audit.decision.fee, FEE.toString(), 'the fee is reserved with the value');
      const over = await approve(second.body.approvalId, 'bob');
      assert.equal(over.status, 200);
      assert.equal(over.body.status, 'denied');
      assert.equal(over.body.reason, 'daily_limit_exceeded');
      assert.equal(over.body.result, null);
      assert.equal((await sign(tx({ value: '0', nonce: 2 }), 'vault', tokens['alice'])).status, 202, 'every transaction needs approval under this rule');
    });

    it('two approvers meeting the quorum at the same moment: it signs once, and both approve responses answer the outcome, never "signing"', async () => {
      await setRules(rules);
      const held = await sign(tx({ value: '5000', nonce: 11 }), 'ruled', tokens['alice']);
      assert.equal(held.status, 202);
      const id = held.body.approvalId as string;
      assert.equal((await approve(id, 'bob')).body.status, 'pending');
      // The race two nodes on one PostgreSQL database run into, made certain: carol's and dave's votes both
      // land before either moves the request pending → signing, so both see the quorum met and one loses
      // the compare-and-set; the winner's final update waits until the loser has looked (it then sees
      // `signing`) — or until a response came back, which must not be `signing`.
      const store = box.box.ctx.store;
      const { addApprovalVote, updateApproval, getApproval } = store;
      let votesIn = 0;
      let bothVoted!: () => void;
      const votes = new Promise<void>((resolve) => (bothVoted = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let signingSeen = 0;
      let updates = 0;
      store.addApprovalVote = async (...args) => {
        const r = await addApprovalVote(...args);
        if (++votesIn === 2) bothVoted();
        await votes;
        return r;
      };
      store.updateApproval = async (approvalId, expect, patch) => {
        if (patch.status === 'signed') await gate;
        const changed = await updateApproval(approvalId, expect, patch);
        if (changed) updates++;
        return changed;
      };
      store.getApproval = async (approvalId) => {
        const a = await getApproval(approvalId);
        if (a?.status === 'signing' && ++signingSeen >= 2) release();
        return a;
      };
      try {
        const racing = [approve(id, 'carol'), approve(id, 'dave')];
        for (const r of racing) void r.finally(release);
        const answers = await Promise.all(racing);
        assert.deepEqual(
          answers.map((r) => [r.status, r.body.status]),
          [
            [200, 'signed'],
            [200, 'signed'],
          ],
          'both approvers get the outcome',
        );
        assert.ok(signingSeen >= 2, 'the losing approver saw the request while it was being signed');
        assert.deepEqual(answers[0]!.body.result, answers[1]!.body.result);
        await assertSignedBy(answers[0]!.body.result.rawTransaction, { to: B, value: 5000n });
        const decisions = await Promise.all(answers.map(async (r) => (await auditOf(r.headers['x-request-id'] as string)).decision.outcome));
        assert.deepEqual(decisions.sort(), ['approve', 'signed'], 'one of them signed; the other approved');
        assert.equal(updates, 2, 'pending → signing once (the other compare-and-set lost), signing → signed once');
      } finally {
        Object.assign(store, { addApprovalVote, updateApproval, getApproval });
      }
    });

    it('"signing" is transient: a request a stopped node left signing reads as failed (signing_interrupted) after 2 minutes, nothing released', async () => {
      await setRules(rules);
      const held = await sign(tx({ value: '5000', nonce: 12 }), 'ruled', tokens['alice']);
      const id = held.body.approvalId as string;
      assert.equal((await approve(id, 'bob')).status, 200);
      // What the node that met the quorum wrote before it stopped.
      const startedAt = new Date(Date.now() + 1000);
      assert.equal(await box.box.ctx.store.updateApproval(id, ['pending'], { status: 'signing', updatedAt: startedAt.toISOString() }), true);
      nowOverride = new Date(startedAt.getTime() + SIGNING_TIMEOUT_MS - 1000);
      const during = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice']);
      assert.equal(during.body.status, 'signing');
      assert.ok((await box.call('GET', '/v1/approvals?status=signing', undefined, tokens['alice'])).body.approvals.some((a: { id: string }) => a.id === id));
      const vote = await approve(id, 'carol');
      assert.equal(vote.status, 409);
      assert.equal(vote.body.code, 'APPROVAL_NOT_PENDING');
      nowOverride = new Date(startedAt.getTime() + SIGNING_TIMEOUT_MS);
      const ended = await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice']);
      assert.equal(ended.body.status, 'failed');
      assert.equal(ended.body.reason, 'signing_interrupted');
      assert.equal(ended.body.result, null);
      nowOverride = undefined;
      assert.equal((await box.call('GET', `/v1/approvals/${id}`, undefined, tokens['alice'])).body.status, 'failed', 'persisted');
    });

    it('approvers named by policy: every holder of the policy counts, except the requester', async () => {
      await setRules({ version: 1, approval: { required: 1, approvers: { policy: 'tx-approver' } } });
      const held = await sign(tx({ value: '1' }), 'ruled', tokens['alice']);
      assert.equal(held.status, 202);
      const res = await approve(held.body.approvalId, 'eve');
      assert.equal(res.body.status, 'signed');
      await assertSignedBy(res.body.result.rawTransaction, { value: 1n });
    });

    it('unknown approval id → 404 APPROVAL_NOT_FOUND', async () => {
      const res = await box.call('GET', '/v1/approvals/00000000-0000-4000-8000-000000000000');
      assert.equal(res.status, 404);
      assert.equal(res.body.code, 'APPROVAL_NOT_FOUND');
    });
  });

  describe('forbidBlindSigning', () => {
    it('refuses generic signing (digest and message) on the sign route and the AWS endpoint; transactions and readable EIP-191 text still sign', async () => {
      await setRules({ version: 1, forbidBlindSigning: true });
      const digest = '0x' + 'ab'.repeat(32);
      const res = await box.call('POST', '/v1/keys/ruled/sign', { digest });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'BLIND_SIGNING_FORBIDDEN');
      assert.equal(res.body.reason, 'blind_signing_forbidden');
      assert.equal(res.body.signature, undefined);
      const audit = await auditOf(res.headers['x-request-id'] as string);
      assert.equal(audit.outcome, 'denied');
      assert.match(audit.reason, /^blind_signing_forbidden: /);
      // A message hashed by the route could be a transaction too (keccak256 of an unsigned transaction).
      const message = await box.call('POST', '/v1/keys/ruled/sign', { message: '0x01', hash: 'keccak256' });
      assert.equal(message.status, 403);
      assert.equal(message.body.code, 'BLIND_SIGNING_FORBIDDEN');
      assert.equal((await box.call('POST', '/v1/keys/ruled/ethereum/sign-message', { message: 'hello' })).status, 200, 'readable EIP-191 text is no transaction');
      const hashMessage = await box.call('POST', '/v1/keys/ruled/ethereum/sign-message', { message: '0x' + 'ab'.repeat(32), encoding: 'hex' });
      assert.equal(hashMessage.status, 403, 'a 32-byte message can be a Safe or user-operation hash');
      assert.equal(hashMessage.body.code, 'BLIND_SIGNING_FORBIDDEN');
      assert.equal((await sign(tx())).status, 200);

      const creds = await box.call('POST', '/v1/aws-credentials', { policies: ['root'] });
      assert.equal(creds.status, 201, JSON.stringify(creds.body));
      const addr = await listenAddr();
      const kms = new KMSClient({ endpoint: addr, region: 'us-east-1', credentials: { accessKeyId: creds.body.accessKeyId, secretAccessKey: creds.body.secretAccessKey }, maxAttempts: 1 });
      try {
        await assert.rejects(
          kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.alloc(32, 1), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })),
          (e: any) => e.name === 'AccessDeniedException',
        );
        await assert.rejects(
          kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.from('hello'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })),
          (e: any) => e.name === 'AccessDeniedException',
          'RAW messages are refused too',
        );
        await box.call('DELETE', '/v1/keys/ruled/transaction-rules');
        const ok = await kms.send(new SignCommand({ KeyId: keyId, Message: Buffer.alloc(32, 1), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
        assert.ok(ok.Signature, 'without the rule DIGEST signs again');
      } finally {
        kms.destroy();
      }
    });
  });

  describe('SDK', () => {
    it('the viem account throws ApprovalPendingError for a held transaction; the client approves and fetches the signed result; denials carry their reason', async () => {
      const addr = await listenAddr();
      const admin = new StrongboxClient({ addr, token: box.rootToken });
      // base below pays at most 21000 × 2 = 42000 wei in fees, counted with the value.
      await admin.putTransactionRules('ruled', { version: 1, maxValuePerTransaction: '100000', approval: { aboveValue: '43000', required: 1, approvers: { subjects: ['sdk-approver'] } } });
      assert.equal((await admin.getTransactionRules('ruled')).rules.maxValuePerTransaction, '100000');
      const minted = await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'sdk-approver' });
      const approver = new StrongboxClient({ addr, token: minted.body.token });
      const account = await toStrongboxAccount(admin, 'ruled');
      const base = { chainId: 1, nonce: 3, to: B as `0x${string}`, gas: 21000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, type: 'eip1559' as const };
      const small = await account.signTransaction({ ...base, value: 10n });
      assert.equal(await recoverTransactionAddress({ serializedTransaction: small as TransactionSerialized }), address);
      const err = await account.signTransaction({ ...base, value: 5000n }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ApprovalPendingError, String(err));
      const approved = await approver.approveTransaction(err.approvalId);
      assert.equal(approved.status, 'signed');
      const fetched = await admin.getApproval(err.approvalId);
      await assertSignedBy(fetched.result!['rawTransaction'] as string, { to: B, value: 5000n });
      const denied = await account.signTransaction({ ...base, value: 58001n }).then(() => undefined, (e: unknown) => e);
      assert.ok(denied instanceof StrongboxApiError);
      assert.equal(denied.code, 'TRANSACTION_DENIED');
      assert.equal(denied.reason, 'value_exceeds_maximum');
      await admin.deleteTransactionRules('ruled');
    });
  });
});
