/**
 * The Ethereum JSON-RPC signer (POST /v1/ethereum/rpc): what a wallet library expects from a node
 * with unlocked accounts, where the accounts are Strongbox keys.
 *
 * Answered here: eth_accounts / eth_requestAccounts (the addresses this token may sign with),
 * eth_sign and personal_sign (EIP-191; for a key with rules, a message that is not readable text is blind
 * signing, see service/ethereum/ethereum-sign-message.ts), eth_signTypedData_v4 (EIP-712), eth_signTransaction,
 * eth_sendTransaction (filled, signed, submitted upstream), eth_chainId (from the upstream node).
 * Passed through to the upstream node: every other `eth_*`, `net_*` and `web3_*` method — except
 * signing methods, which are never forwarded (an upstream node may hold unlocked accounts of its own).
 * Anything else is -32601.
 *
 * Authorization: signing needs `keys:sign` on the key whose address is `from`; passing a call
 * through needs `ethereum:rpc`. Each call in a request (batches included) gets its own audit
 * record (`ethrpc.<method>`), durable before the response is released; the HTTP request gets the
 * usual one too.
 *
 * Token limits count calls, not requests, as REST batches count items (http/batch.ts): the HTTP
 * request's own charge (taken at authentication) pays for the first call that runs, and every further
 * call that runs takes one more unit of the token's use count and rate limit before it runs — read-only
 * and passed-through calls too, so a batch of n calls costs what n single requests would. A call over
 * the limit is answered alone with its JSON-RPC error (TOKEN_USES_EXHAUSTED → 4100, RATE_LIMITED →
 * -32002) and its own `denied` audit record; the calls before and after it are unaffected. Calls that
 * are not valid requests (-32600) never run and cost nothing.
 */
import { StrongboxError, errorCodes } from '../protocol/errors.js';
import { parseClientJson } from '../protocol/json.js';
import { inputDigest } from '../audit/inputs.js';
import { UpstreamRpcError } from '../chains/ethereum/rpc-client.js';
import { toChecksumAddress } from '../chains/ethereum/address.js';
import { parseAddress } from '../chains/ethereum/fields.js';
import { authorize, decide } from '../service/access/authorize.js';
import type { Principal, ServiceContext } from '../service/shared/context.js';
import { ethereumSignMessage } from '../service/ethereum/ethereum-sign-message.js';
import { ethereumSignTypedData } from '../service/ethereum/ethereum-sign-typed-data.js';
import { ethereumFillAndSignTransaction, ethereumSendTransaction, requireUpstream, TransactionHeldError, upstreamChainId } from '../service/ethereum/ethereum-send-transaction.js';
import type { RequestContext } from '../service/shared/transaction-guard.js';
import { resolveEthereumKey } from '../service/ethereum/ethereum-signer.js';
import { keyRecordResource } from '../service/shared/resolve-key.js';
import type { ServiceKey } from '../service/shared/resolve-key.js';
import type { AuditDecision, AuditOutcome } from '../audit/record.js';

export const MAX_BATCH = 100;
/** eth_accounts looks at no more than this many keys (see docs/api.md). */
export const MAX_ACCOUNT_SCAN = 10_000;

const SIGNING_METHODS = new Set(['eth_sign', 'personal_sign', 'eth_signTypedData_v4', 'eth_signTransaction', 'eth_sendTransaction']);
/** Never forwarded: signing and account methods the upstream node might answer with its own keys. */
const NEVER_FORWARDED = /^(eth_sign|eth_signTypedData.*|eth_signTransaction|eth_sendTransaction|eth_accounts|eth_requestAccounts|eth_coinbase|personal_.*)$/i;
const FORWARDED = /^(eth|net|web3)_[A-Za-z0-9_]+$/;

type Id = string | number | null;
interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}
type RpcResponse = { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: RpcError };

export interface RpcCaller {
  principal: Principal;
  ip: string | undefined;
  requestId: string;
  /** eth_accounts, once per request */
  accounts?: Promise<string[]>;
  /**
   * Takes one more unit of the token's limits (use count, rate limit): called before each call that runs
   * after the first. Throws TOKEN_USES_EXHAUSTED or RATE_LIMITED. Absent: the token has no limits.
   */
  charge?: () => Promise<void>;
  /** the request's own charge is still unspent (set by handleRpc; the first call that runs spends it) */
  prepaid?: boolean;
}

/** JSON-RPC error codes (JSON-RPC 2.0, EIP-1193, EIP-1474). */
const RPC = { parse: -32700, invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602, internal: -32603, unauthorized: 4100, resourceUnavailable: -32002, rejected: -32003, server: -32000 } as const;

/** Refusals by the key's transaction rules: JSON-RPC -32003 "transaction rejected", not 4100. */
const POLICY_REFUSALS = new Set<string>(['TRANSACTION_DENIED', 'SPENDING_LIMIT_EXCEEDED', 'BLIND_SIGNING_FORBIDDEN']);

class RpcFailure extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.message);
  }
}

function invalidParams(message: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', message, { field: 'params' });
}

/** Maps an error to its JSON-RPC error object; the Strongbox code rides in `data.code`. */
function toRpcError(err: unknown, requestId: string): RpcError {
  if (err instanceof RpcFailure) return err.rpc;
  if (err instanceof TransactionHeldError) {
    const { approvalId, required, expiresAt, reason } = err.held;
    return { code: RPC.server, message: err.message, data: { code: 'APPROVAL_PENDING', requestId, approvalId, required, expiresAt, reason } };
  }
  if (err instanceof UpstreamRpcError) return { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) };
  const e = err instanceof StrongboxError ? err : new StrongboxError('INTERNAL');
  const category = errorCodes[e.code].category;
  const code =
    category === 'INVALID_ARGUMENT' || category === 'PAYLOAD_TOO_LARGE'
      ? RPC.invalidParams
      : category === 'PERMISSION_DENIED' || category === 'UNAUTHENTICATED'
        ? POLICY_REFUSALS.has(e.code)
          ? RPC.rejected
          : RPC.unauthorized
        : category === 'UNAVAILABLE' || category === 'RESOURCE_EXHAUSTED'
          ? RPC.resourceUnavailable
          : category === 'INTERNAL' || category === 'DATA_LOSS'
            ? RPC.internal
            : RPC.server;
  const message = e.code === 'INTERNAL' ? 'internal error' : e.message;
  return { code, message, data: { code: e.code, requestId, ...(e.field === undefined ? {} : { field: e.field }), ...(e.publicReason === undefined ? {} : { reason: e.publicReason }) } };
}

function paramsOf(call: Record<string, unknown>): unknown[] {
  const p = call['params'];
  if (p === undefined) return [];
  if (!Array.isArray(p)) throw invalidParams('params must be an array (by-position parameters)');
  return p;
}

function param(params: unknown[], i: number, name: string): unknown {
  if (params.length <= i || params[i] === undefined) throw invalidParams(`missing parameter ${i} (${name})`);
  return params[i];
}

/** The key behind `from`, which the caller must be allowed to sign with. Unknown and forbidden look alike. */
async function signingKey(ctx: ServiceContext, caller: RpcCaller, address: unknown, audit: AuditNote): Promise<{ record: ServiceKey & { publicKey: Uint8Array }; from: `0x${string}` }> {
  const from = parseAddress(address, 'from');
  const record = await ctx.store.getKeyByEthereumAddress(from.toLowerCase());
  const resource = record === undefined ? undefined : keyRecordResource(record);
  audit.action = 'keys:sign';
  audit.resource = record === undefined ? `address:${from.toLowerCase()}` : `key:${record.id}`;
  if (record === undefined || resource === undefined) throw new StrongboxError('PERMISSION_DENIED', `account ${from} is not available to this token`, { reason: 'no key has that address' });
  const decision = await decide(ctx, caller.principal, 'keys:sign', resource, caller.ip);
  audit.reason = decision.reason;
  if (!decision.allowed) throw new StrongboxError('PERMISSION_DENIED', `account ${from} is not available to this token`, { reason: decision.reason });
  return { record: await resolveEthereumKey(ctx, record), from };
}

/** The addresses of enabled secp256k1 keys the caller may sign with, in creation order. */
async function accounts(ctx: ServiceContext, caller: RpcCaller): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (let scanned = 0; scanned < MAX_ACCOUNT_SCAN; ) {
    const page = await ctx.store.listKeys({ limit: 500, ...(after === undefined ? {} : { after }) });
    for (const k of page.keys) {
      scanned++;
      if (k.type !== 'secp256k1' || k.state !== 'enabled' || k.ethereumAddress === undefined) continue;
      const d = await decide(ctx, caller.principal, 'keys:sign', keyRecordResource(k), caller.ip);
      if (d.allowed) out.push(toChecksumAddress(Buffer.from(k.ethereumAddress.slice(2), 'hex')));
    }
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  return out;
}

interface AuditNote {
  action: string | null;
  resource: string | null;
  reason: string | null;
  sensitive: boolean;
  /** position in the batch (0 for a single call) */
  index: number;
  decision?: AuditDecision;
}

/** The caller as the requester of a judged signature: its decision goes into this call's audit record. */
function requesterOf(caller: RpcCaller, audit: AuditNote): RequestContext {
  return { subject: caller.principal.subject, accessor: caller.principal.accessor, requestId: `${caller.requestId}#${audit.index}`, decide: (d) => void (audit.decision = d) };
}

async function run(ctx: ServiceContext, caller: RpcCaller, method: string, params: unknown[], audit: AuditNote): Promise<unknown> {
  switch (method) {
    case 'eth_accounts':
    case 'eth_requestAccounts':
      audit.action = 'keys:sign';
      // Computed once per request: a batch of account calls does not repeat the scan.
      caller.accounts ??= accounts(ctx, caller);
      return caller.accounts;
    case 'eth_chainId':
      audit.action = 'ethereum:rpc';
      await authorize(ctx, caller.principal, 'ethereum:rpc', { kind: 'sys' }, caller.ip);
      return toHexQuantity(await upstreamChainId(ctx));
    case 'eth_sign': {
      // geth's eth_sign(address, data) signs the EIP-191 personal message of data, like personal_sign.
      audit.sensitive = true;
      const { record } = await signingKey(ctx, caller, param(params, 0, 'address'), audit);
      const data = param(params, 1, 'data');
      if (typeof data !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(data)) throw invalidParams('eth_sign data must be 0x-hex bytes');
      return (await ethereumSignMessage(ctx, { key: record, message: data, encoding: 'hex', requester: requesterOf(caller, audit) })).signature;
    }
    case 'personal_sign': {
      audit.sensitive = true;
      const { record } = await signingKey(ctx, caller, param(params, 1, 'address'), audit);
      const message = param(params, 0, 'message');
      if (typeof message !== 'string') throw invalidParams('personal_sign message must be a string: 0x-hex bytes, or UTF-8 text');
      const isHex = /^0x([0-9a-fA-F]{2})*$/.test(message);
      return (await ethereumSignMessage(ctx, { key: record, message, encoding: isHex ? 'hex' : 'utf8', requester: requesterOf(caller, audit) })).signature;
    }
    case 'eth_signTypedData_v4': {
      audit.sensitive = true;
      const { record } = await signingKey(ctx, caller, param(params, 0, 'address'), audit);
      let typedData = param(params, 1, 'typedData');
      if (typeof typedData === 'string') {
        try {
          // JSON inside a string escaped the body parser's depth and surrogate checks: the same ones here.
          typedData = parseClientJson(typedData, 'params.1');
        } catch (err) {
          if (err instanceof StrongboxError && err.code !== 'INVALID_JSON') throw err;
          throw invalidParams('eth_signTypedData_v4 typed data is not valid JSON');
        }
      }
      const requester = requesterOf(caller, audit);
      const result = await ethereumSignTypedData(ctx, { key: record, typedData, requester });
      // A permit held for approval by the key's transaction rules: -32000 APPROVAL_PENDING, as for transactions.
      if ('approvalId' in result) throw new TransactionHeldError(result);
      return result.signature;
    }
    case 'eth_signTransaction':
    case 'eth_sendTransaction': {
      audit.sensitive = true;
      const request = param(params, 0, 'transaction');
      if (typeof request !== 'object' || request === null || Array.isArray(request)) throw invalidParams(`${method} takes one transaction object`);
      const { record, from } = await signingKey(ctx, caller, (request as Record<string, unknown>)['from'], audit);
      const requester = requesterOf(caller, audit);
      if (method === 'eth_signTransaction') return (await ethereumFillAndSignTransaction(ctx, record, from, request, requester)).rawTransaction;
      return ethereumSendTransaction(ctx, record, from, request, requester);
    }
    default: {
      if (NEVER_FORWARDED.test(method) || !FORWARDED.test(method)) {
        throw new RpcFailure({ code: RPC.methodNotFound, message: `the method ${method.slice(0, 64)} does not exist/is not available` });
      }
      audit.action = 'ethereum:rpc';
      await authorize(ctx, caller.principal, 'ethereum:rpc', { kind: 'sys' }, caller.ip);
      const upstream = requireUpstream(ctx);
      return upstream.request(method, params);
    }
  }
}

function toHexQuantity(n: bigint): string {
  return `0x${n.toString(16)}`;
}

function outcomeOf(err: unknown): { outcome: AuditOutcome; status: number; code: string | null; reason: string | null } {
  if (err instanceof UpstreamRpcError) return { outcome: 'error', status: 502, code: null, reason: `upstream error ${err.code}: ${err.message.slice(0, 200)}` };
  if (err instanceof RpcFailure) return { outcome: 'error', status: 404, code: null, reason: err.rpc.message };
  if (err instanceof TransactionHeldError) return { outcome: 'success', status: 202, code: null, reason: `held for approval ${err.held.approvalId}: ${err.held.reason}` };
  const e = err instanceof StrongboxError ? err : new StrongboxError('INTERNAL');
  const category = errorCodes[e.code].category;
  const denied = category === 'PERMISSION_DENIED' || category === 'UNAUTHENTICATED';
  return { outcome: denied ? 'denied' : 'error', status: e.status, code: e.code, reason: e.reason ?? (denied ? `${e.code}: ${e.message}` : null) };
}

/** One call: validated, run, audited (durably, before its answer exists), answered. */
async function handleCall(ctx: ServiceContext, caller: RpcCaller, call: unknown, index: number): Promise<RpcResponse | undefined> {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    return { jsonrpc: '2.0', id: null, error: { code: RPC.invalidRequest, message: 'a JSON-RPC request must be an object' } };
  }
  const c = call as Record<string, unknown>;
  const rawId = c['id'];
  const isNotification = !('id' in c);
  const id: Id = typeof rawId === 'string' || typeof rawId === 'number' || rawId === null ? (rawId ?? null) : null;
  if (c['jsonrpc'] !== '2.0') return { jsonrpc: '2.0', id, error: { code: RPC.invalidRequest, message: 'jsonrpc must be "2.0"' } };
  if (rawId !== undefined && rawId !== null && typeof rawId !== 'string' && typeof rawId !== 'number') {
    return { jsonrpc: '2.0', id: null, error: { code: RPC.invalidRequest, message: 'id must be a string, a number or null' } };
  }
  const method = c['method'];
  if (typeof method !== 'string' || method.length === 0 || method.length > 128) {
    return { jsonrpc: '2.0', id, error: { code: RPC.invalidRequest, message: 'method must be a non-empty string' } };
  }
  const note: AuditNote = { action: null, resource: null, reason: null, sensitive: false, index };
  let result: unknown;
  let failure: unknown;
  let ok = false;
  try {
    if (caller.prepaid === false) await caller.charge?.();
    caller.prepaid = false;
    result = await run(ctx, caller, method, paramsOf(c), note);
    ok = true;
  } catch (err) {
    failure = err;
  }
  const keys = ctx.auditKeys();
  const summary = ok ? { outcome: 'success' as const, status: 200, code: null, reason: note.reason } : outcomeOf(failure);
  if (!ok && summary.outcome === 'denied' && note.reason !== null && summary.reason === null) summary.reason = note.reason;
  await ctx.audit.append({
    requestId: `${caller.requestId}#${index}`,
    interface: 'ethrpc',
    operation: `ethrpc.${NEVER_FORWARDED.test(method) || SIGNING_METHODS.has(method) || FORWARDED.test(method) ? method : 'unknown'}`,
    action: note.action,
    resource: note.resource,
    principal: caller.principal.accessor,
    clientIp: caller.ip ?? null,
    outcome: summary.outcome,
    status: summary.status,
    code: summary.code,
    reason: summary.reason,
    inputs: note.sensitive && c['params'] !== undefined ? { params: inputDigest(keys, 'params', c['params']) } : null,
    ...(note.decision === undefined ? {} : { decision: note.decision }),
  });
  if (isNotification) return undefined;
  return ok ? { jsonrpc: '2.0', id, result } : { jsonrpc: '2.0', id, error: toRpcError(failure, caller.requestId) };
}

/**
 * A JSON-RPC request body (one call or a batch) → the HTTP status and response body (undefined when
 * every call was a notification: 204). A body that is not a JSON-RPC request at all (a single invalid
 * request, an empty or oversized batch) is answered 400 with the JSON-RPC error; otherwise 200, with
 * per-call errors inside. Calls of a batch run one after another, in order.
 */
export async function handleRpc(ctx: ServiceContext, caller: RpcCaller, body: unknown): Promise<{ status: 200 | 204 | 400; body: unknown }> {
  const invalid = (message: string) => ({ status: 400 as const, body: { jsonrpc: '2.0', id: null, error: { code: RPC.invalidRequest, message } } });
  if (Array.isArray(body)) {
    if (body.length === 0) return invalid('an empty batch is not a request');
    if (body.length > MAX_BATCH) return invalid(`a batch holds at most ${MAX_BATCH} calls`);
    // Limits count calls: the request's charge pays for the first call that runs, handleCall charges the rest.
    // An interface that cannot charge further calls must not let a limited token batch at all.
    const t = caller.principal.token;
    if (body.length > 1 && caller.charge === undefined && (t.numUsesLeft !== null || t.ratePerSecond !== null)) return invalid('a token with a use or rate limit sends one call per request through this interface (no batches)');
    caller.prepaid = true;
    const out: RpcResponse[] = [];
    for (let i = 0; i < body.length; i++) {
      const r = await handleCall(ctx, caller, body[i], i);
      if (r !== undefined) out.push(r);
    }
    return out.length === 0 ? { status: 204, body: undefined } : { status: 200, body: out };
  }
  const r = await handleCall(ctx, caller, body, 0);
  if (r === undefined) return { status: 204, body: undefined };
  return { status: 'error' in r && r.error.code === RPC.invalidRequest ? 400 : 200, body: r };
}
