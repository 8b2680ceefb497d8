/**
 * The one place signing operations consult transaction rules. A chain's signing service decodes its
 * transaction into an intent (chains/<chain>/intent.ts) and calls `guardTransaction`; the result is
 * either "sign now" (with the 24-hour spend reserved atomically, released if signing fails), or
 * "held for approval" (an approval record; nothing signed), or a thrown denial. Adding Bitcoin or
 * Solana = an intent builder plus an entry in approval-operations.ts.
 */
import { randomUUID } from 'node:crypto';
import { StrongboxError, type ErrorCode } from '../../protocol/errors.js';
import { evaluateTransaction, parseTransactionRules, type DenyReason, type TokenAmount, type TransactionCountLimit, type TransactionIntent, type TransactionRules } from '../../policy/transaction-rules.js';
import type { AuditDecision } from '../../audit/record.js';
import type { ApprovalRecord, LimitReservation, RulesScope } from '../../storage/types.js';
import type { ServiceContext } from './context.js';

/** The stored rules of a scope, parsed; undefined when it has none. */
export async function loadTransactionRules(ctx: Pick<ServiceContext, 'store'>, scope: RulesScope, scopeId: string): Promise<TransactionRules | undefined> {
  const rec = await ctx.store.getTransactionRules(scope, scopeId);
  return rec === undefined ? undefined : parseTransactionRules(JSON.parse(rec.document));
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Who asks, and where the decision is recorded (the request's audit record). */
export interface RequestContext {
  subject: string;
  accessor: string;
  requestId: string;
  decide(decision: AuditDecision): void;
}

export type GuardContext = Pick<ServiceContext, 'store' | 'now'>;

/** The deny reason families and their error codes. */
function denialCode(reason: DenyReason): ErrorCode {
  if (reason === 'daily_limit_exceeded') return 'SPENDING_LIMIT_EXCEEDED';
  if (reason === 'blind_signing_forbidden') return 'BLIND_SIGNING_FORBIDDEN';
  return 'TRANSACTION_DENIED';
}

export function denial(reason: DenyReason, message: string, field?: string): StrongboxError {
  return new StrongboxError(denialCode(reason), message, { publicReason: reason, reason: `${reason}: ${message}`, ...(field === undefined ? {} : { field }) });
}

/** The reasons a reservation itself refuses (the limits with what was already reserved). */
const RESERVATION_REASONS: ReadonlySet<string> = new Set<DenyReason>(['daily_limit_exceeded', 'token_daily_limit_exceeded', 'transaction_count_exceeded']);

/**
 * The audit decision's amounts: the native value and, when bounded, the fee (decimal strings); the
 * token totals (`<chain>:…` → amount) when the transaction moves tokens.
 */
export function decisionAmounts(d: { nativeAmount: bigint; fee: bigint | null; tokens?: readonly TokenAmount[] }): Pick<AuditDecision, 'amount' | 'fee' | 'tokens'> {
  return {
    amount: d.nativeAmount.toString(),
    ...(d.fee === null ? {} : { fee: d.fee.toString() }),
    ...(d.tokens === undefined || d.tokens.length === 0 ? {} : { tokens: d.tokens.map((t) => ({ token: t.bucket.slice('token:'.length), amount: t.amount.toString() })) }),
  };
}

/** What one signature counts against, besides the native value and fee. */
export interface SpendLimits {
  amount: bigint;
  fee?: bigint | null;
  /** the native 24-hour limit */
  dailyLimit: bigint | undefined;
  /** token totals; those with a dailyLimit are reserved */
  tokens?: readonly TokenAmount[];
  /** one signature counts against it */
  maxTransactions?: TransactionCountLimit | undefined;
  requestId: string;
}

/**
 * Reserves, in one atomic storage call (all or nothing), `amount` + `fee` (the fee is spent too) against
 * the scope's rolling 24-hour limit, each token's amount against its 24-hour limit, and one signature
 * against maxTransactions — whichever the rules set — runs `sign`, and releases the reservation if
 * signing throws. Throws SPENDING_LIMIT_EXCEEDED (native) or TRANSACTION_DENIED
 * (`token_daily_limit_exceeded`, `transaction_count_exceeded`) when it does not fit.
 */
export async function reserveAndSign<T>(ctx: GuardContext, scope: { scope: RulesScope; scopeId: string }, spend: SpendLimits, sign: () => Promise<T>): Promise<{ result: T; reservationId: string | undefined }> {
  let reservationId: string | undefined;
  const fee = spend.fee ?? 0n;
  const total = spend.amount + fee;
  const now = ctx.now();
  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  const limits: LimitReservation[] = [];
  if (spend.dailyLimit !== undefined && total > 0n) limits.push({ bucket: 'native', amount: total, limit: spend.dailyLimit, windowStart: dayAgo });
  for (const t of spend.tokens ?? []) {
    if (t.dailyLimit !== undefined && t.amount > 0n) limits.push({ bucket: t.bucket, amount: t.amount, limit: t.dailyLimit, windowStart: dayAgo });
  }
  const count = spend.maxTransactions;
  if (count !== undefined) limits.push({ bucket: 'count', amount: 1n, limit: BigInt(count.count), windowStart: new Date(now.getTime() - count.windowSeconds * 1000).toISOString() });
  if (limits.length > 0) {
    reservationId = randomUUID();
    const { reserved, spent } = await ctx.store.reserveLimits({ id: reservationId, scope: scope.scope, scopeId: scope.scopeId, createdAt: now.toISOString(), requestId: spend.requestId }, limits);
    if (!reserved) {
      const i = limits.findIndex((l, j) => spent[j]! + l.amount > l.limit);
      const l = limits[i]!;
      if (l.bucket === 'native') {
        const what = fee === 0n ? `value ${spend.amount}` : `value ${spend.amount} + fee ${fee} = ${total}`;
        throw denial('daily_limit_exceeded', `${what} would exceed the 24-hour limit ${spend.dailyLimit} (${spent[i]} already spent)`);
      }
      if (l.bucket === 'count') {
        throw denial('transaction_count_exceeded', `${spent[i]} signatures in the last ${count!.windowSeconds} s already reach maxTransactions.count ${count!.count}`);
      }
      throw denial('token_daily_limit_exceeded', `token ${l.bucket.slice('token:'.length)} amount ${l.amount} would exceed its 24-hour limit ${l.limit} (${spent[i]} already reserved)`);
    }
  }
  try {
    return { result: await sign(), reservationId };
  } catch (err) {
    if (reservationId !== undefined) await ctx.store.releaseSpend(reservationId);
    throw err;
  }
}

export interface HeldTransaction {
  status: 'pending';
  approvalId: string;
  required: number;
  expiresAt: string;
  reason: string;
}

export interface GuardParameters<T> {
  keyId: string;
  /** the wallet the key was derived from: its rules apply when the key has none of its own */
  walletId?: string | null;
  chain: string;
  /** the approval-operations.ts entry that signs this request once approved */
  operation: string;
  /** built only when the key has rules, so keys without rules behave exactly as before */
  intent: () => TransactionIntent;
  /** the decoded transaction, JSON-safe (what is stored in a held request) */
  request: () => unknown;
  requester: RequestContext | undefined;
  sign: () => Promise<T>;
}

/** A non-secret summary of an intent for approvers. */
export function summarize(intent: TransactionIntent): Record<string, unknown> {
  return {
    chain: intent.chain,
    network: intent.network,
    transfers: intent.transfers.map((t) => ({ to: t.to, amount: t.amount.toString(), asset: t.asset })),
    calls: intent.calls.map((c) => ({ to: c.to, selector: c.selector })),
    // The most the transaction can pay in fees (charged to the key), or null when it cannot be bounded.
    fee: typeof intent.fee === 'bigint' ? intent.fee.toString() : null,
    // EIP-7702 delegations the key signs, and EIP-7002/7251 validator requests: shown to approvers.
    ...(intent.delegations === undefined ? {} : { delegations: intent.delegations }),
    ...(intent.otherAuthorizations === undefined ? {} : { otherAuthorizations: intent.otherAuthorizations }),
    ...(intent.validatorRequests === undefined ? {} : { validatorRequests: intent.validatorRequests.map((r) => (r.kind === 'withdrawal' ? { ...r, amountGwei: r.amountGwei.toString() } : r)) }),
  };
}

/** Evaluates the key's rules and signs, holds, or throws a denial. Keys without rules just sign. */
export async function guardTransaction<T>(ctx: GuardContext, params: GuardParameters<T>): Promise<{ signed: T } | { held: HeldTransaction }> {
  const { scope, rules } = await effectiveRules(ctx, params.keyId, params.walletId);
  if (rules === undefined) return { signed: await params.sign() };
  return judgeIntent(ctx, scope, rules, params.intent(), params);
}

/**
 * Judges an intent by rules already loaded (effectiveRules) and signs, holds, or throws a denial, each
 * recorded in the request's audit decision. guardTransaction is this for a key's own rules; typed-data
 * signing (ethereum-sign-typed-data.ts) calls it once it has read a permit.
 */
export async function judgeIntent<T>(
  ctx: GuardContext,
  scope: { scope: RulesScope; scopeId: string },
  rules: TransactionRules,
  intent: TransactionIntent,
  params: Pick<GuardParameters<T>, 'keyId' | 'chain' | 'operation' | 'request' | 'requester' | 'sign'>,
): Promise<{ signed: T } | { held: HeldTransaction }> {
  const requester = params.requester;
  const decision = evaluateTransaction(rules, intent);
  if (decision.kind === 'deny') {
    requester?.decide({ outcome: 'deny', reason: decision.reason, ...decisionAmounts(decision) });
    throw denial(decision.reason, decision.message, decision.field);
  }
  if (decision.kind === 'require_approval') {
    if (requester === undefined) throw new StrongboxError('TRANSACTION_DENIED', 'this transaction needs approval, which this interface cannot hold', { publicReason: 'approval_required' });
    const now = ctx.now();
    const approval: ApprovalRecord = {
      id: randomUUID(),
      ...scope,
      keyId: params.keyId,
      chain: params.chain,
      operation: params.operation,
      request: JSON.stringify(params.request()),
      summary: JSON.stringify({ ...summarize(intent), approvers: decision.approval.approvers, reason: decision.reason }),
      requesterSubject: requester.subject,
      requesterAccessor: requester.accessor,
      required: decision.approval.required,
      status: 'pending',
      reason: null,
      result: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + decision.approval.expiresAfterSeconds * 1000).toISOString(),
      updatedAt: now.toISOString(),
      votes: [],
    };
    await ctx.store.createApproval(approval);
    requester.decide({ outcome: 'pending', reason: decision.reason, approvalId: approval.id, ...decisionAmounts(decision) });
    return { held: { status: 'pending', approvalId: approval.id, required: approval.required, expiresAt: approval.expiresAt, reason: decision.reason } };
  }
  try {
    const { result, reservationId } = await reserveAndSign(
      ctx,
      scope,
      { amount: decision.nativeAmount, fee: decision.fee, dailyLimit: decision.dailyLimit, tokens: decision.tokens, maxTransactions: decision.maxTransactions, requestId: requester?.requestId ?? 'internal' },
      params.sign,
    );
    requester?.decide({ outcome: 'allow', ...decisionAmounts(decision), ...(reservationId === undefined ? {} : { reservationId }) });
    return { signed: result };
  } catch (err) {
    if (isReservationRefusal(err)) requester?.decide({ outcome: 'deny', reason: err.publicReason!, ...decisionAmounts(decision) });
    throw err;
  }
}

/** A refusal by reserveAndSign (a limit with what was already reserved), not a signing failure. */
export function isReservationRefusal(err: unknown): err is StrongboxError {
  return err instanceof StrongboxError && err.publicReason !== undefined && RESERVATION_REASONS.has(err.publicReason);
}

/**
 * The rules that govern a key: its own, or else (for a key derived from an HD wallet) its wallet's —
 * whose 24-hour limit is then shared by every key derived from that wallet (reservations in the
 * wallet's scope).
 */
export async function effectiveRules(ctx: Pick<ServiceContext, 'store'>, keyId: string, walletId: string | null | undefined): Promise<{ scope: { scope: RulesScope; scopeId: string }; rules: TransactionRules | undefined }> {
  const own = await loadTransactionRules(ctx, 'key', keyId);
  if (own !== undefined || walletId === null || walletId === undefined) return { scope: { scope: 'key', scopeId: keyId }, rules: own };
  const wallet = await loadTransactionRules(ctx, 'wallet', walletId);
  return wallet === undefined ? { scope: { scope: 'key', scopeId: keyId }, rules: undefined } : { scope: { scope: 'wallet', scopeId: walletId }, rules: wallet };
}

/** forbidBlindSigning: generic signing (POST /v1/keys/{id}/sign with a digest or a message; AWS Sign, RAW or DIGEST) is refused for the key. */
export async function assertBlindSigningAllowed(ctx: Pick<ServiceContext, 'store'>, keyId: string, walletId?: string | null): Promise<void> {
  const { rules } = await effectiveRules(ctx, keyId, walletId);
  if (rules?.forbidBlindSigning === true) throw denial('blind_signing_forbidden', `key ${keyId} forbids blind signing (forbidBlindSigning): generic digest and message signatures could be transaction signatures its rules never judged; use the chain routes (sign-transaction, sign-psbt, solana/sign-transaction) or ethereum/sign-message`);
}
