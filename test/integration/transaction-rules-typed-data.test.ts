/**
 * EIP-712 typed data judged by transaction rules, through the REST route, the JSON-RPC signer and the
 * SDK's viem account (inject / a listening server, real SQLite file). Typed data is built as dapps
 * build it (viem's TypedDataDefinition: the ERC-2612 `Permit` types, Permit2's `PermitSingle` and
 * `PermitTransferFrom`); every signature released is checked with viem (`recoverTypedDataAddress`,
 * `verifyTypedData`), never with Strongbox's own encoder. Denials: 403 / JSON-RPC -32003 with the reason,
 * nothing signed, the decision in the audit record; held permits: 202 / -32000, approved, then the stored
 * signature verifies.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashTypedData, recoverTypedDataAddress, verifyTypedData, type TypedDataDefinition } from 'viem';
import { startTestBox, type TestBox, auditRecordOf } from '../helpers/app.js';
import { ApprovalPendingError, StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { toStrongboxAccount } from '../../src/sdk/viem.js';
import { MAIL_CONTRACT, MAIL_TYPES } from '../helpers/eip712.js';

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const WETH = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2';
const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
const SAFE = '0x5aFE3855358E112B5647B952709E6165e1c1eEEe';
const C = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const ZERO = '0x0000000000000000000000000000000000000000';

/** Gnosis Safe's SafeTx as the Safe SDK builds it: v1.3+ domain {chainId, verifyingContract}, pre-1.3 {verifyingContract}. */
function safeTx(options: { chainId?: number | null; to?: string; value?: bigint; data?: string; operation?: number; safeTxGas?: bigint; baseGas?: bigint; gasPrice?: bigint; gasToken?: string; refundReceiver?: string } = {}): TypedDataDefinition {
  const withChain = options.chainId !== null;
  return {
    domain: withChain ? { chainId: options.chainId ?? 1, verifyingContract: SAFE } : { verifyingContract: SAFE },
    types: {
      EIP712Domain: [...(withChain ? [{ name: 'chainId', type: 'uint256' }] : []), { name: 'verifyingContract', type: 'address' }],
      SafeTx: [
        { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' }, { name: 'operation', type: 'uint8' },
        { name: 'safeTxGas', type: 'uint256' }, { name: 'baseGas', type: 'uint256' }, { name: 'gasPrice', type: 'uint256' },
        { name: 'gasToken', type: 'address' }, { name: 'refundReceiver', type: 'address' }, { name: 'nonce', type: 'uint256' },
      ],
    },
    primaryType: 'SafeTx',
    message: {
      to: options.to ?? C, value: options.value ?? 100n * 10n ** 18n, data: options.data ?? '0x', operation: options.operation ?? 0, safeTxGas: options.safeTxGas ?? 50_000n, baseGas: options.baseGas ?? 10_000n,
      gasPrice: options.gasPrice ?? 0n, gasToken: options.gasToken ?? ZERO, refundReceiver: options.refundReceiver ?? ZERO, nonce: 0n,
    },
  } as unknown as TypedDataDefinition;
}

/** A time window of the next hour starting two hours from now (UTC): the present is outside it. */
function notNow(): { start: string; end: string }[] {
  const at = (minutesFromNow: number) => {
    const d = new Date(Date.now() + minutesFromNow * 60_000);
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  return [{ start: at(120), end: at(180) }];
}
/** A window from an hour ago to two hours from now (UTC): the present is inside it. */
function aroundNow(): { start: string; end: string }[] {
  const at = (minutesFromNow: number) => {
    const d = new Date(Date.now() + minutesFromNow * 60_000);
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  return [{ start: at(-60), end: at(120) }];
}

/** The ERC-2612 Permit as dapps build it for viem's signTypedData. */
const erc2612Types = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

function permit(owner: string, spender: string, options: { chainId?: number | null; value?: bigint; token?: string } = {}): TypedDataDefinition {
  const domain: Record<string, unknown> = { name: 'USD Coin', version: '2', verifyingContract: options.token ?? USDC };
  if (options.chainId !== null) domain['chainId'] = options.chainId ?? 1;
  return { domain, types: erc2612Types, primaryType: 'Permit', message: { owner, spender, value: options.value ?? 1_000_000n, nonce: 0n, deadline: 1_900_000_000n } } as unknown as TypedDataDefinition;
}

function permit2Single(spender: string): TypedDataDefinition {
  return {
    domain: { name: 'Permit2', chainId: 1, verifyingContract: PERMIT2 },
    types: {
      PermitSingle: [
        { name: 'details', type: 'PermitDetails' },
        { name: 'spender', type: 'address' },
        { name: 'sigDeadline', type: 'uint256' },
      ],
      PermitDetails: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint160' },
        { name: 'expiration', type: 'uint48' },
        { name: 'nonce', type: 'uint48' },
      ],
    },
    primaryType: 'PermitSingle',
    message: { details: { token: WETH, amount: 2n ** 160n - 1n, expiration: 1_900_000_000n, nonce: 0n }, spender, sigDeadline: 1_900_000_000n },
  } as unknown as TypedDataDefinition;
}

function permit2Transfer(spender: string): TypedDataDefinition {
  return {
    domain: { name: 'Permit2', chainId: 1, verifyingContract: PERMIT2 },
    types: {
      PermitTransferFrom: [
        { name: 'permitted', type: 'TokenPermissions' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
      TokenPermissions: [
        { name: 'token', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
    },
    primaryType: 'PermitTransferFrom',
    message: { permitted: { token: WETH, amount: 10n ** 18n }, spender, nonce: 1n, deadline: 1_900_000_000n },
  } as unknown as TypedDataDefinition;
}

/** ERC-3009 TransferWithAuthorization (USDC): a transfer of `value` to `to`, submitted by anyone. */
function transferWithAuthorization(from: string, to: string): TypedDataDefinition {
  return {
    domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: USDC },
    types: {
      TransferWithAuthorization: [
        { name: 'from', type: 'address' },
        { name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'validAfter', type: 'uint256' },
        { name: 'validBefore', type: 'uint256' },
        { name: 'nonce', type: 'bytes32' },
      ],
    },
    primaryType: 'TransferWithAuthorization',
    message: { from, to, value: 5_000_000n, validAfter: 0n, validBefore: 1_900_000_000n, nonce: `0x${'ab'.repeat(32)}` },
  } as unknown as TypedDataDefinition;
}

/** EIP-712's own example: typed data of no permit shape. */
function mail(chainId: number | null = 1): TypedDataDefinition {
  return {
    domain: { name: 'Ether Mail', version: '1', ...(chainId === null ? {} : { chainId }), verifyingContract: MAIL_CONTRACT },
    types: MAIL_TYPES,
    primaryType: 'Mail',
    message: { from: { name: 'Cow', wallet: A }, to: { name: 'Bob', wallet: B }, contents: 'Hello, Bob!' },
  } as unknown as TypedDataDefinition;
}

/** A `Permit` whose fields are not ERC-2612's (an extra field): not a permit the rules can read. */
function nearMissPermit(owner: string, spender: string): TypedDataDefinition {
  const p = permit(owner, spender) as unknown as { domain: object; message: object };
  return { ...p, types: { Permit: [...erc2612Types.Permit, { name: 'salt', type: 'uint256' }] }, primaryType: 'Permit', message: { ...p.message, salt: 1n } } as unknown as TypedDataDefinition;
}

/** On the wire: JSON, integers as decimal strings. */
const wire = (td: TypedDataDefinition): unknown => JSON.parse(JSON.stringify(td, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

describe('transaction rules judge EIP-712 typed data', () => {
  let box: TestBox;
  let address: `0x${string}`;
  let rpcId = 1;
  let listening: Promise<string> | undefined;
  const listenAddr = () => (listening ??= box.box.http.listen({ port: 0, host: '127.0.0.1' }));
  const signTyped = (td: TypedDataDefinition, key = 'permits', token?: string) => box.call('POST', `/v1/keys/${key}/ethereum/sign-typed-data`, { typedData: wire(td) }, token);
  const setRules = async (rules: Record<string, unknown>, key = 'permits') => {
    const res = await box.call('PUT', `/v1/keys/${key}/transaction-rules`, { version: 1, ...rules });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const rpc = async (method: string, params: unknown[], token?: string) => {
    const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: rpcId++, method, params }, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { body: res.body as { result?: any; error?: { code: number; message: string; data?: any } }, requestId: res.headers['x-request-id'] as string };
  };
  const auditOf = (requestId: string) => auditRecordOf(box, requestId);
  /** The signature recovers to the key's address for exactly this typed data (viem). */
  async function assertSignedBy(td: TypedDataDefinition, body: { signature: `0x${string}`; hash: `0x${string}` }) {
    assert.equal(await recoverTypedDataAddress({ ...td, signature: body.signature }), address);
    assert.equal(body.hash, hashTypedData(td));
  }

  before(async () => {
    box = await startTestBox();
    const res = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'permits' });
    assert.equal(res.status, 201);
    address = res.body.address;
  });
  after(() => box.cleanup());
  beforeEach(async () => {
    await box.call('DELETE', '/v1/keys/permits/transaction-rules');
  });

  describe('REST: allowed and denied, per rule', () => {
    /** unreadable: typed data of no permit shape (its decisions carry no amounts) */
    type Row = { name: string; rules: Record<string, unknown>; td: () => TypedDataDefinition; status: 200 | 403 | 400; code?: string; reason?: string; field?: string; decision?: string; unreadable?: true };
    const rows: Row[] = [
      { name: 'ERC-2612 Permit to the allowed spender (spender and token on the allow list)', rules: { destinations: { allow: [A, USDC] } }, td: () => permit(address, A), status: 200, decision: 'allow' },
      { name: 'ERC-2612 Permit to another spender', rules: { destinations: { allow: [A, USDC] } }, td: () => permit(address, B), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed' },
      { name: 'ERC-2612 Permit with the spender allowed but not the token (as for approve calldata)', rules: { destinations: { allow: [A] } }, td: () => permit(address, A), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed' },
      { name: 'ERC-2612 Permit to a denied spender (deny list, lowercase)', rules: { destinations: { deny: [A.toLowerCase()] } }, td: () => permit(address, A), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied' },
      { name: 'Permit2 PermitSingle to a denied spender', rules: { destinations: { deny: [A] } }, td: () => permit2Single(A), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied' },
      { name: 'Permit2 PermitTransferFrom to another spender', rules: { destinations: { deny: [A] } }, td: () => permit2Transfer(B), status: 200, decision: 'allow' },
      { name: 'Permit2 PermitTransferFrom: Permit2 and the spender allowed', rules: { destinations: { allow: [A, PERMIT2] } }, td: () => permit2Transfer(A), status: 200, decision: 'allow' },
      { name: 'ERC-3009 TransferWithAuthorization to an allowed recipient', rules: { destinations: { allow: [A, USDC] } }, td: () => transferWithAuthorization(address, A), status: 200, decision: 'allow' },
      { name: 'ERC-3009 TransferWithAuthorization to another recipient', rules: { destinations: { allow: [A, USDC] } }, td: () => transferWithAuthorization(address, B), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed' },
      { name: 'Permit on an allowed chain', rules: { allowedNetworks: { ethereum: ['1', '137'] } }, td: () => permit(address, A, { chainId: 137 }), status: 200, decision: 'allow' },
      { name: 'Permit on a chain not allowed', rules: { allowedNetworks: { ethereum: ['1'] } }, td: () => permit(address, A, { chainId: 5 }), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed' },
      { name: 'Permit without a chainId, networks pinned', rules: { allowedNetworks: { ethereum: ['1'] } }, td: () => permit(address, A, { chainId: null }), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed', field: 'typedData.domain.chainId' },
      { name: 'Permit without a chainId, networks not pinned', rules: { destinations: { deny: [B] } }, td: () => permit(address, A, { chainId: null }), status: 200, decision: 'allow' },
      { name: 'Permit when only transfer and approve selectors are allowed', rules: { allowedSelectors: ['0xa9059cbb', '0x095ea7b3'] }, td: () => permit(address, A), status: 403, code: 'TRANSACTION_DENIED', reason: 'selector_not_allowed' },
      { name: "Permit when permit's selector is allowed", rules: { allowedSelectors: ['0xd505accf'] }, td: () => permit(address, A), status: 200, decision: 'allow' },
      { name: 'Permit outside the time windows', rules: { timeWindows: [{ start: '00:00', end: '00:01' }, { start: '00:01', end: '00:02' }] }, td: () => permit(address, A), status: 403, code: 'TRANSACTION_DENIED', reason: 'outside_time_window' },
      { name: 'Permit under value and daily limits of 0 (token amounts are not native value; no fee)', rules: { maxValuePerTransaction: '0', maxFeePerTransaction: '0', dailyLimit: '0' }, td: () => permit(address, A, { value: 2n ** 255n }), status: 200, decision: 'allow' },
      { name: 'a permit without verifyingContract', rules: { destinations: { deny: [B] } }, td: () => ({ ...permit(address, A), domain: { name: 'USD Coin', version: '2', chainId: 1 } }) as TypedDataDefinition, status: 400, code: 'INVALID_ARGUMENT', field: 'typedData.domain.verifyingContract' },
      { name: 'other typed data, rules without forbidBlindSigning: signed, not judged', rules: { destinations: { allow: [A, MAIL_CONTRACT] } }, td: () => mail(), status: 200, decision: 'unjudged' , unreadable: true },
      { name: 'other typed data whose verifyingContract is on the deny list', rules: { destinations: { deny: [MAIL_CONTRACT] } }, td: () => mail(), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_denied', field: 'typedData.domain.verifyingContract', unreadable: true },
      { name: 'other typed data whose verifyingContract is not on the allow list', rules: { destinations: { allow: [A] } }, td: () => mail(), status: 403, code: 'TRANSACTION_DENIED', reason: 'destination_not_allowed', field: 'typedData.domain.verifyingContract', unreadable: true },
      { name: 'other typed data outside the time windows', rules: { timeWindows: notNow() }, td: () => mail(), status: 403, code: 'TRANSACTION_DENIED', reason: 'outside_time_window', unreadable: true },
      { name: 'other typed data inside the time windows', rules: { timeWindows: aroundNow() }, td: () => mail(), status: 200, decision: 'unjudged', unreadable: true },
      { name: 'other typed data on a chain not allowed', rules: { allowedNetworks: { ethereum: ['1'] } }, td: () => mail(5), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed' , unreadable: true },
      { name: 'other typed data without a chainId, networks pinned (valid on any chain)', rules: { allowedNetworks: { ethereum: ['1'] } }, td: () => mail(null), status: 403, code: 'TRANSACTION_DENIED', reason: 'network_not_allowed', field: 'typedData.domain.chainId', unreadable: true },
      { name: 'other typed data without a chainId, "unknown" among the networks: signed, not judged', rules: { allowedNetworks: { ethereum: ['1', 'unknown'] } }, td: () => mail(null), status: 200, decision: 'unjudged', unreadable: true },
      { name: 'a Permit without a chainId, "unknown" among the networks', rules: { allowedNetworks: { ethereum: ['1', 'unknown'] } }, td: () => permit(address, A, { chainId: null }), status: 200, decision: 'allow' },
      { name: 'other typed data under forbidBlindSigning', rules: { forbidBlindSigning: true }, td: () => mail(), status: 403, code: 'BLIND_SIGNING_FORBIDDEN', reason: 'blind_signing_forbidden' , unreadable: true },
      { name: 'a Permit with an extra field under forbidBlindSigning (not a permit: blind)', rules: { forbidBlindSigning: true, destinations: { allow: [A, USDC] } }, td: () => nearMissPermit(address, A), status: 403, code: 'BLIND_SIGNING_FORBIDDEN', reason: 'blind_signing_forbidden' , unreadable: true },
      { name: 'a real Permit under forbidBlindSigning (readable: judged)', rules: { forbidBlindSigning: true, destinations: { allow: [A, USDC] } }, td: () => permit(address, A), status: 200, decision: 'allow' },
    ];
    for (const row of rows) {
      it(`${row.name} → ${row.status}${row.reason ? ` ${row.reason}` : ''}`, async () => {
        await setRules(row.rules);
        const td = row.td();
        const res = await signTyped(td);
        assert.equal(res.status, row.status, JSON.stringify(res.body));
        const audit = await auditOf(res.headers['x-request-id'] as string);
        assert.equal(audit.status, row.status);
        if (row.status === 200) {
          await assertSignedBy(td, res.body);
          assert.equal(audit.decision.outcome, row.decision);
          if (row.decision === 'allow') assert.deepEqual([audit.decision.amount, audit.decision.fee, audit.decision.reservationId], ['0', '0', undefined], 'no native value, no fee, nothing reserved');
          else assert.equal(audit.decision.reason, 'typed_data_not_judged');
          return;
        }
        assert.equal(res.body.code, row.code);
        assert.equal(res.body.signature, undefined, 'nothing signed');
        if (row.field !== undefined) assert.equal(res.body.field, row.field);
        if (row.reason !== undefined) {
          assert.equal(res.body.reason, row.reason);
          assert.equal(audit.outcome, 'denied');
          assert.deepEqual([audit.decision.outcome, audit.decision.reason], ['deny', row.reason]);
          assert.match(audit.reason, new RegExp(`^${row.reason}: `));
          if (row.unreadable) assert.equal(audit.decision.amount, undefined, 'typed data the rules cannot read has no amounts');
          else assert.deepEqual([audit.decision.amount, audit.decision.fee], ['0', '0'], 'a permit: no native value, no fee');
        } else {
          assert.equal(audit.decision, undefined, 'a 400 is decided before the rules');
        }
      });
    }

    it('a key without rules signs any typed data as before, with no decision recorded', async () => {
      for (const td of [permit(address, B), mail()]) {
        const res = await signTyped(td);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        await assertSignedBy(td, res.body);
        assert.equal((await auditOf(res.headers['x-request-id'] as string)).decision, undefined);
      }
    });

    it("a derived key answers to its wallet's rules", async () => {
      assert.equal((await box.call('POST', '/v1/wallets', { name: 'permit-wallet' })).status, 201);
      const derived = await box.call('POST', '/v1/wallets/permit-wallet/derive', { path: "m/44'/60'/0'/0/0" });
      assert.equal(derived.status, 200, JSON.stringify(derived.body));
      assert.equal((await box.call('PUT', '/v1/wallets/permit-wallet/transaction-rules', { version: 1, destinations: { deny: [A] } })).status, 200);
      const denied = await signTyped(permit(derived.body.address, A), derived.body.id);
      assert.equal(denied.status, 403, JSON.stringify(denied.body));
      assert.equal(denied.body.reason, 'destination_denied');
      const td = permit(derived.body.address, B);
      const ok = await signTyped(td, derived.body.id);
      assert.equal(ok.status, 200);
      assert.equal(await recoverTypedDataAddress({ ...td, signature: ok.body.signature }), derived.body.address);
    });
  });

  describe('Gnosis Safe SafeTx: the transaction the Safe will make', () => {
    /** The reviewer's rules: one allowed destination, 1000 wei a day, a window that is not now, chain 1. */
    const strict = () => ({ allowedNetworks: { ethereum: ['1'] }, destinations: { allow: [B] }, dailyLimit: '1000', timeWindows: notNow() });
    type Row = { name: string; rules: Record<string, unknown>; td: () => TypedDataDefinition; reason: string; field?: string; amount: string; fee: string };
    const rows: Row[] = [
      { name: "the review's exploit: pre-1.3 domain (no chainId), delegatecall, 100 ETH to an unlisted address, outside the window", rules: strict(), td: () => safeTx({ chainId: null, operation: 1 }), reason: 'network_not_allowed', field: 'typedData.domain.chainId', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'the same with "unknown" networks allowed: a delegatecall', rules: { ...strict(), allowedNetworks: { ethereum: ['1', 'unknown'] } }, td: () => safeTx({ chainId: null, operation: 1 }), reason: 'delegatecall_forbidden', field: 'typedData.message.operation', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a delegatecall to an allowed address under a rule that limits nothing else', rules: { destinations: { allow: [B] } }, td: () => safeTx({ to: B, value: 0n, operation: 1 }), reason: 'delegatecall_forbidden', field: 'typedData.message.operation', amount: '0', fee: '0' },
      { name: 'a call (v1.3 domain) to an address not on the allow list', rules: strict(), td: () => safeTx(), reason: 'destination_not_allowed', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a call (v1.3 domain) to an address on the deny list', rules: { destinations: { deny: [C] } }, td: () => safeTx(), reason: 'destination_denied', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a call on a chain not allowed', rules: strict(), td: () => safeTx({ chainId: 5, to: B }), reason: 'network_not_allowed', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a call to the allowed address, outside the window', rules: { ...strict(), dailyLimit: String(200n * 10n ** 18n) }, td: () => safeTx({ to: B }), reason: 'outside_time_window', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a call to the allowed address in the window, over the daily limit (the Safe\'s value counts against the key)', rules: { ...strict(), timeWindows: aroundNow() }, td: () => safeTx({ to: B }), reason: 'daily_limit_exceeded', amount: String(100n * 10n ** 18n), fee: '0' },
      { name: 'a native gas refund (gasPrice ≠ 0): its amount depends on the gas measured at execution', rules: { maxFeePerTransaction: '59999' }, td: () => safeTx({ value: 0n, gasPrice: 1n, refundReceiver: B }), reason: 'safe_refund_forbidden', field: 'typedData.message.gasPrice', amount: '0', fee: '60000' },
      // Third review: safeTxGas = baseGas = 0 made the computed refund 0, so its receiver and token went unjudged,
      // while the Safe still pays gasPrice × the gas it measures (never 0) in USDC to the attacker.
      { name: "the third review's exploit: a USDC refund with safeTxGas = baseGas = 0 to an unlisted receiver", rules: { allowedNetworks: { ethereum: ['1'] }, destinations: { allow: [B] }, maxValuePerTransaction: '0', forbidBlindSigning: true }, td: () => safeTx({ to: B, value: 0n, safeTxGas: 0n, baseGas: 0n, gasPrice: 10n ** 12n, gasToken: USDC, refundReceiver: C }), reason: 'safe_refund_forbidden', field: 'typedData.message.gasPrice', amount: '0', fee: '0' },
      { name: 'a call to the Safe itself (enableModule): a takeover within any value limit', rules: { maxValuePerTransaction: '0', destinations: { allow: [SAFE] } }, td: () => safeTx({ to: SAFE, value: 0n, data: '0x610b5925000000000000000000000000' + C.slice(2).toLowerCase() }), reason: 'safe_self_call_forbidden', field: 'typedData.message.to', amount: '0', fee: '0' },
    ];
    for (const row of rows) {
      it(`${row.name} → 403 ${row.reason}, nothing signed`, async () => {
        await setRules(row.rules);
        const res = await signTyped(row.td());
        assert.equal(res.status, 403, JSON.stringify(res.body));
        assert.deepEqual([res.body.reason, res.body.signature], [row.reason, undefined]);
        if (row.field !== undefined) assert.equal(res.body.field, row.field);
        const audit = await auditOf(res.headers['x-request-id'] as string);
        assert.deepEqual([audit.outcome, audit.decision.outcome, audit.decision.reason, audit.decision.amount, audit.decision.fee], ['denied', 'deny', row.reason, row.amount, row.fee]);
      });
    }

    it('an allowed SafeTx (to on the allow list, in the window, chain 1) signs; viem recovers the key, and the value is reserved', async () => {
      await setRules({ allowedNetworks: { ethereum: ['1'] }, destinations: { allow: [B] }, dailyLimit: '1000', timeWindows: aroundNow() });
      const td = safeTx({ to: B, value: 700n });
      const res = await signTyped(td);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await assertSignedBy(td, res.body);
      const audit = await auditOf(res.headers['x-request-id'] as string);
      assert.deepEqual([audit.decision.outcome, audit.decision.amount, audit.decision.fee], ['allow', '700', '0']);
      assert.equal(typeof audit.decision.reservationId, 'string', 'the Safe\'s value counts against the key\'s daily limit');
      const again = await signTyped(safeTx({ to: B, value: 700n }));
      assert.deepEqual([again.status, again.body.reason], [403, 'daily_limit_exceeded']);
    });

    it('a pre-1.3 SafeTx signs when allowedNetworks lists "unknown"', async () => {
      await setRules({ allowedNetworks: { ethereum: ['unknown'] }, destinations: { allow: [B] } });
      const td = safeTx({ chainId: null, to: B, value: 1n });
      const res = await signTyped(td);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await assertSignedBy(td, res.body);
    });

    it('a SafeTx needing approval is held, and signs at the quorum', async () => {
      const approver = (await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'safe-approver' })).body.token as string;
      await setRules({ destinations: { allow: [B] }, approval: { aboveValue: '10', required: 1, approvers: { subjects: ['safe-approver'] } } });
      const td = safeTx({ to: B, value: 10n });
      const held = await signTyped(td);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      const approved = await box.call('POST', `/v1/approvals/${held.body.approvalId}/approve`, undefined, approver);
      assert.equal(approved.body.status, 'signed', JSON.stringify(approved.body));
      await assertSignedBy(td, (await box.call('GET', `/v1/approvals/${held.body.approvalId}`)).body.result);
    });
  });

  describe('held for approval', () => {
    let approverToken: string;
    let requesterToken: string;
    before(async () => {
      approverToken = (await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'permit-approver' })).body.token;
      requesterToken = (await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'permit-requester' })).body.token;
    });
    const rules = { destinations: { allow: [A, B, USDC] }, approval: { required: 1, approvers: { subjects: ['permit-approver'] } } };

    it('a permit needing approval is 202; approved, its signature is stored and verifies (viem)', async () => {
      await setRules(rules);
      const td = permit(address, A, { value: 123n });
      const held = await signTyped(td, 'permits', requesterToken);
      assert.equal(held.status, 202, JSON.stringify(held.body));
      assert.equal(held.body.status, 'pending');
      assert.equal(held.body.signature, undefined);
      const id = held.body.approvalId as string;
      const pending = await auditOf(held.headers['x-request-id'] as string);
      assert.deepEqual([pending.status, pending.decision.outcome, pending.decision.approvalId], [202, 'pending', id]);

      const view = await box.call('GET', `/v1/approvals/${id}`, undefined, approverToken);
      assert.equal(view.body.operation, 'ethereum.signTypedData');
      assert.equal(view.body.transaction.primaryType, 'Permit', 'approvers see the typed data');
      assert.deepEqual(view.body.summary.transfers, [{ to: A, amount: '123', asset: `token:${USDC.toLowerCase()}` }]);
      assert.deepEqual(view.body.summary.calls, [{ to: USDC.toLowerCase(), selector: '0xd505accf' }]);
      assert.equal(view.body.summary.fee, '0');

      const approved = await box.call('POST', `/v1/approvals/${id}/approve`, undefined, approverToken);
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.status, 'signed');
      assert.equal((await auditOf(approved.headers['x-request-id'] as string)).decision.outcome, 'signed');
      const fetched = await box.call('GET', `/v1/approvals/${id}`, undefined, requesterToken);
      await assertSignedBy(td, fetched.body.result);
      assert.equal(await verifyTypedData({ ...td, address, signature: fetched.body.result.signature }), true);
    });

    it('re-judged at the quorum: a spender denied meanwhile ends the request denied, nothing signed', async () => {
      await setRules(rules);
      const held = await signTyped(permit(address, B), 'permits', requesterToken);
      assert.equal(held.status, 202);
      await setRules({ ...rules, destinations: { allow: [A, B, USDC], deny: [B] } });
      const quorum = await box.call('POST', `/v1/approvals/${held.body.approvalId}/approve`, undefined, approverToken);
      assert.equal(quorum.status, 200);
      assert.deepEqual([quorum.body.status, quorum.body.reason, quorum.body.result], ['denied', 'destination_denied', null]);
    });

    it('typed data the rules cannot read is never held: it signs, unjudged', async () => {
      await setRules({ ...rules, destinations: { allow: [A, B, USDC, MAIL_CONTRACT] } });
      const td = mail();
      const res = await signTyped(td, 'permits', requesterToken);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await assertSignedBy(td, res.body);
    });
  });

  describe('JSON-RPC eth_signTypedData_v4', () => {
    it('signs a Permit to the allowed spender (viem verifies); another spender, a chain not allowed, blind typed data → -32003 with the reason', async () => {
      await setRules({ allowedNetworks: { ethereum: ['1'] }, destinations: { allow: [A, USDC] }, forbidBlindSigning: true });
      const td = permit(address, A);
      const ok = await rpc('eth_signTypedData_v4', [address, JSON.stringify(wire(td))]);
      assert.equal(ok.body.error, undefined, JSON.stringify(ok.body));
      assert.equal(await verifyTypedData({ ...td, address, signature: ok.body.result }), true);
      assert.equal((await auditOf(`${ok.requestId}#0`)).decision.outcome, 'allow');

      for (const [td2, code, reason] of [
        [permit(address, B), 'TRANSACTION_DENIED', 'destination_not_allowed'],
        [permit(address, A, { chainId: 10 }), 'TRANSACTION_DENIED', 'network_not_allowed'],
        [mail(), 'BLIND_SIGNING_FORBIDDEN', 'blind_signing_forbidden'],
      ] as const) {
        const denied = await rpc('eth_signTypedData_v4', [address, wire(td2)]);
        assert.equal(denied.body.result, undefined);
        assert.equal(denied.body.error?.code, -32003, JSON.stringify(denied.body));
        assert.deepEqual([denied.body.error?.data.code, denied.body.error?.data.reason], [code, reason]);
        const audit = await auditOf(`${denied.requestId}#0`);
        assert.deepEqual([audit.outcome, audit.decision.outcome, audit.decision.reason], ['denied', 'deny', reason]);
      }
    });

    it('a held permit is -32000 APPROVAL_PENDING; once approved, the stored signature verifies', async () => {
      await setRules({ approval: { required: 1, approvers: { subjects: ['rpc-permit-approver'] } } });
      const approver = (await box.call('POST', '/v1/tokens', { policies: ['root'], subject: 'rpc-permit-approver' })).body.token as string;
      const td = permit2Single(A);
      const held = await rpc('eth_signTypedData_v4', [address, wire(td)]);
      assert.equal(held.body.error?.code, -32000, JSON.stringify(held.body));
      assert.equal(held.body.error?.data.code, 'APPROVAL_PENDING');
      const id = held.body.error?.data.approvalId as string;
      assert.equal((await auditOf(`${held.requestId}#0`)).decision.outcome, 'pending');
      const approved = await box.call('POST', `/v1/approvals/${id}/approve`, undefined, approver);
      assert.equal(approved.body.status, 'signed', JSON.stringify(approved.body));
      assert.equal(await verifyTypedData({ ...td, address, signature: approved.body.result.signature }), true);
    });
  });

  describe("SDK (the viem account's signTypedData)", () => {
    it('signs an allowed permit, throws StrongboxApiError with the reason for a denied one and ApprovalPendingError for a held one', async () => {
      const client = new StrongboxClient({ addr: await listenAddr(), token: box.rootToken });
      const account = await toStrongboxAccount(client, 'permits');
      await setRules({ destinations: { allow: [A, USDC] } });
      const td = permit(address, A);
      const signature = await account.signTypedData(td as Parameters<typeof account.signTypedData>[0]);
      assert.equal(await verifyTypedData({ ...td, address, signature }), true);
      const denied = await account.signTypedData(permit(address, B) as Parameters<typeof account.signTypedData>[0]).then(() => undefined, (e: unknown) => e);
      assert.ok(denied instanceof StrongboxApiError, String(denied));
      assert.deepEqual([denied.code, denied.reason], ['TRANSACTION_DENIED', 'destination_not_allowed']);
      await setRules({ approval: { required: 1, approvers: { subjects: ['nobody'] } } });
      const held = await account.signTypedData(td as Parameters<typeof account.signTypedData>[0]).then(() => undefined, (e: unknown) => e);
      assert.ok(held instanceof ApprovalPendingError, String(held));
      const orHold = await client.ethereumSignTypedDataOrHold('permits', wire(td) as never);
      assert.ok('approvalId' in orHold && orHold.status === 'pending');
    });
  });
});
