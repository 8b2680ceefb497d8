/**
 * Transactions held for M-of-N approval: list, read, approve, reject.
 *
 * - Only the approvers the rules named when the request was held count (token subjects, or holders
 *   of the named policy); each subject counts once; the requester can never approve their own request.
 * - The approval that meets the quorum moves the request pending → signing (compare-and-set, so
 *   two approvers racing cannot both sign), re-evaluates the key's current rules (limits may have
 *   changed), reserves the spend, signs, and stores the signed result, which is not secret.
 * - `signing` is transient and documented as such (docs/api.md): an approver whose vote met the quorum
 *   at the same moment as the one that won the compare-and-set waits (SIGNING_WAIT_MS) for the outcome,
 *   so an approve answers the outcome too; a `signing` left by a node that stopped while signing reads as
 *   `failed` (`signing_interrupted`) after SIGNING_TIMEOUT_MS, so it always ends.
 * - One rejection (by an approver, or the requester withdrawing it) ends the request; a request past
 *   its expiry never signs.
 */
import type { ApprovalInfo } from '../../protocol/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';
import { evaluateTransaction, isApprover, type ApprovalRule, type TokenAmount, type TransactionCountLimit } from '../../policy/transaction-rules.js';
import type { ApprovalRecord, ApprovalStatus } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { approvalOperations } from '../approval-operations.js';
import { keyResource } from '../shared/resolve-key.js';
import type { Resource } from '../../policy/types.js';
import { decisionAmounts, denial, effectiveRules, reserveAndSign, type RequestContext } from '../shared/transaction-guard.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type ApprovalContext = Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'signingPool' | 'now'> & Partial<Pick<ServiceContext, 'metrics'>>;

export interface Approver extends RequestContext {
  policies: readonly string[];
}

/** The wire view of a held transaction (protocol/transaction-rules.ts). */
export type ApprovalView = ApprovalInfo;

function toView(a: ApprovalRecord): ApprovalView {
  const votes = (kind: 'approve' | 'reject') => a.votes.filter((v) => v.vote === kind).map((v) => ({ subject: v.subject, at: v.at }));
  return {
    id: a.id,
    keyId: a.keyId,
    chain: a.chain,
    operation: a.operation,
    status: a.status,
    reason: a.reason,
    required: a.required,
    approvals: votes('approve'),
    rejections: votes('reject'),
    requester: a.requesterSubject,
    summary: JSON.parse(a.summary) as Record<string, unknown>,
    transaction: JSON.parse(a.request) as Record<string, unknown>,
    result: a.result === null ? null : (JSON.parse(a.result) as Record<string, unknown>),
    createdAt: a.createdAt,
    expiresAt: a.expiresAt,
    updatedAt: a.updatedAt,
  };
}

/** How long an approve whose vote met the quorum alongside the one that signs waits for the outcome. */
export const SIGNING_WAIT_MS = 10_000;
/**
 * Signing takes milliseconds (rules, reservation, signature, one update); a request still `signing` after
 * this long was left by a node that stopped meanwhile. Nothing of it was released: its result is stored
 * only by the update that ends `signing`.
 */
export const SIGNING_TIMEOUT_MS = 120_000;

/**
 * A pending request past its expiry becomes expired, and one left `signing` past SIGNING_TIMEOUT_MS
 * becomes failed (both persisted, compare-and-set): so it can never sign, and `signing` always ends.
 */
async function expireIfDue(ctx: Pick<ServiceContext, 'store' | 'now'>, a: ApprovalRecord): Promise<ApprovalRecord> {
  const now = ctx.now();
  const iso = now.toISOString();
  if (a.status === 'pending' && iso >= a.expiresAt) {
    await ctx.store.updateApproval(a.id, ['pending'], { status: 'expired', reason: 'approval_expired', updatedAt: iso });
  } else if (a.status === 'signing' && now.getTime() - Date.parse(a.updatedAt) >= SIGNING_TIMEOUT_MS) {
    await ctx.store.updateApproval(a.id, ['signing'], { status: 'failed', reason: 'signing_interrupted', updatedAt: iso });
  } else {
    return a;
  }
  return (await ctx.store.getApproval(a.id)) ?? a;
}

/** The request once the approver that won the quorum's compare-and-set has signed it (or given up waiting). */
async function outcomeOf(ctx: Pick<ServiceContext, 'store' | 'now'>, id: string): Promise<ApprovalRecord> {
  const deadline = Date.now() + SIGNING_WAIT_MS;
  for (let delayMs = 5; ; delayMs = Math.min(2 * delayMs, 100)) {
    const a = await loadApproval(ctx, id);
    if (a.status !== 'signing' || Date.now() >= deadline) return a;
    await sleep(delayMs);
  }
}

export async function loadApproval(ctx: Pick<ServiceContext, 'store' | 'now'>, id: string): Promise<ApprovalRecord> {
  const a = await ctx.store.getApproval(id);
  if (a === undefined) throw new StrongboxError('APPROVAL_NOT_FOUND', `no approval request has the id ${JSON.stringify(id.slice(0, 64))}`);
  return expireIfDue(ctx, a);
}

/**
 * The policy resource of an approval: its key. An unknown approval id answers to no key (`key:?`), so a
 * caller not allowed the action on every key gets 403 rather than learning whether the id exists.
 */
export async function approvalKeyResource(ctx: Pick<ServiceContext, 'store'>, id: string): Promise<Resource> {
  const approval = await ctx.store.getApproval(id);
  if (approval === undefined) return { kind: 'key', id: '?', name: null };
  return (await keyResource(ctx, approval.keyId)).resource;
}

export async function getApproval(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { id: string }): Promise<ApprovalView> {
  return toView(await loadApproval(ctx, params.id));
}

/**
 * A page of approvals, newest first. `visible` says whether the caller may read one (approvals:read on
 * its key, as for GET /v1/approvals/{id}): the others are left out, so a deny on a key (or a wallet
 * path) hides its approvals from the list too. A page may therefore hold fewer than `limit`; the
 * cursor still moves past every approval looked at.
 */
export async function listApprovals(
  ctx: Pick<ServiceContext, 'store' | 'now'>,
  params: { status?: ApprovalStatus; before?: string; limit?: number; visible?: (approval: ApprovalRecord) => Promise<boolean> },
): Promise<{ approvals: ApprovalView[]; nextCursor: string | null }> {
  const limit = params.limit ?? 100;
  const rows = await ctx.store.listApprovals({ limit: limit + 1, ...(params.status === undefined ? {} : { status: params.status }), ...(params.before === undefined ? {} : { before: params.before }) });
  const scanned = rows.slice(0, limit);
  const shown: ApprovalRecord[] = [];
  for (const a of scanned) if (params.visible === undefined || (await params.visible(a))) shown.push(a);
  const page = await Promise.all(shown.map((a) => expireIfDue(ctx, a)));
  return { approvals: page.map(toView), nextCursor: rows.length > limit ? scanned.at(-1)!.id : null };
}

function approvalRule(a: ApprovalRecord): ApprovalRule {
  const summary = JSON.parse(a.summary) as { approvers: ApprovalRule['approvers'] };
  return { required: a.required, approvers: summary.approvers, expiresAfterSeconds: 0 };
}

/** A vote on an expired request is refused; the audit record says it was expired. */
function recordIfExpired(a: ApprovalRecord, approver: Approver): void {
  if (a.status === 'expired') approver.decide({ outcome: 'expired', approvalId: a.id, reason: 'approval_expired' });
}

function assertPending(a: ApprovalRecord): void {
  if (a.status !== 'pending') throw new StrongboxError('APPROVAL_NOT_PENDING', `approval ${a.id} is ${a.status}${a.reason === null ? '' : ` (${a.reason})`}`);
}

/** Quorum met and the request is ours to sign (status signing): re-evaluate, reserve, sign, store. */
async function finalize(ctx: ApprovalContext, a: ApprovalRecord, approver: Approver): Promise<void> {
  const op = Object.hasOwn(approvalOperations, a.operation) ? approvalOperations[a.operation] : undefined;
  /** false: no longer ours (it was declared interrupted meanwhile), and nothing is released. */
  const end = async (status: ApprovalStatus, reason: string | null, result: string | null = null): Promise<boolean> =>
    ctx.store.updateApproval(a.id, ['signing'], { status, reason, result, updatedAt: ctx.now().toISOString() });
  if (op === undefined) {
    await end('failed', `unknown operation ${a.operation}`);
    approver.decide({ outcome: 'failed', approvalId: a.id, reason: 'unknown operation' });
    return;
  }
  let amount = 0n;
  let fee: bigint | null = null;
  let tokens: TokenAmount[] = [];
  try {
    // The rules that govern the key now (its own, else its wallet's), not those of the hold's scope:
    // rules set on the key after the hold must not be skipped.
    const key = await ctx.store.getKey(a.keyId);
    const { scope, rules } = await effectiveRules(ctx, a.keyId, key?.wallet);
    let dailyLimit: bigint | undefined;
    let maxTransactions: TransactionCountLimit | undefined;
    if (rules !== undefined) {
      const decision = evaluateTransaction(rules, await op.intent(ctx, a, ctx.now()), { approved: true });
      if (decision.kind === 'deny') throw denial(decision.reason, decision.message, decision.field);
      if (decision.kind === 'allow') {
        amount = decision.nativeAmount;
        fee = decision.fee;
        dailyLimit = decision.dailyLimit;
        tokens = decision.tokens;
        maxTransactions = decision.maxTransactions;
      }
    }
    // The fee is reserved with the value: it leaves the key too. Token amounts and the signature itself
    // (maxTransactions) are reserved in the same atomic call: a held transaction counts when it is signed.
    const { result, reservationId } = await reserveAndSign(ctx, scope, { amount, fee, dailyLimit, tokens, maxTransactions, requestId: a.id }, () => op.sign(ctx, a));
    if (!(await end('signed', null, JSON.stringify(result)))) {
      approver.decide({ outcome: 'failed', approvalId: a.id, reason: 'signing_interrupted' });
      return;
    }
    approver.decide({ outcome: 'signed', approvalId: a.id, ...decisionAmounts({ nativeAmount: amount, fee, tokens }), ...(reservationId === undefined ? {} : { reservationId }) });
  } catch (err) {
    // The approve call itself succeeded; the request ends denied (rules) or failed (e.g. key disabled).
    const e = err instanceof StrongboxError ? err : new StrongboxError('INTERNAL', undefined, { cause: err });
    if (e.publicReason !== undefined) {
      await end('denied', e.publicReason);
      approver.decide({ outcome: 'deny', approvalId: a.id, reason: e.publicReason });
    } else {
      await end('failed', e.code);
      approver.decide({ outcome: 'failed', approvalId: a.id, reason: e.code });
      if (e.code === 'INTERNAL') throw e;
    }
  }
}

export async function approveTransaction(ctx: ApprovalContext, params: { id: string; approver: Approver }): Promise<ApprovalView> {
  const { approver } = params;
  const a = await loadApproval(ctx, params.id);
  recordIfExpired(a, approver);
  assertPending(a);
  if (approver.subject === a.requesterSubject) {
    approver.decide({ outcome: 'deny', approvalId: a.id, reason: 'self_approval' });
    throw new StrongboxError('SELF_APPROVAL_FORBIDDEN', `approval ${a.id} was requested by subject ${a.requesterSubject}, who cannot approve it`, { publicReason: 'self_approval' });
  }
  if (!isApprover(approvalRule(a), approver)) {
    approver.decide({ outcome: 'deny', approvalId: a.id, reason: 'not_an_approver' });
    throw new StrongboxError('APPROVER_NOT_ELIGIBLE', `subject ${approver.subject} is not one of the approvers of ${a.id}`, { publicReason: 'not_an_approver' });
  }
  const voted = await ctx.store.addApprovalVote(a.id, { subject: approver.subject, accessor: approver.accessor, vote: 'approve', at: ctx.now().toISOString() });
  if (voted === undefined) assertPending((await ctx.store.getApproval(a.id)) ?? { ...a, status: 'expired' });
  const count = voted!.approval.votes.filter((v) => v.vote === 'approve').length;
  approver.decide({ outcome: 'approve', approvalId: a.id, reason: `${count} of ${a.required} approvals${voted!.added ? '' : '; this subject had already approved (counted once)'}` });
  if (count >= a.required) {
    if (await ctx.store.updateApproval(a.id, ['pending'], { status: 'signing', updatedAt: ctx.now().toISOString() })) await finalize(ctx, voted!.approval, approver);
    // Another approver's vote met the quorum at the same moment and that approver is signing: answer
    // its outcome, not the moment in between.
    else return toView(await outcomeOf(ctx, a.id));
  }
  return toView((await ctx.store.getApproval(a.id))!);
}

/** An approver rejects, or the requester withdraws: the request ends and never signs. */
export async function rejectTransaction(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { id: string; approver: Approver; reason?: string }): Promise<ApprovalView> {
  const { approver } = params;
  const a = await loadApproval(ctx, params.id);
  recordIfExpired(a, approver);
  assertPending(a);
  if (approver.subject !== a.requesterSubject && !isApprover(approvalRule(a), approver)) {
    approver.decide({ outcome: 'deny', approvalId: a.id, reason: 'not_an_approver' });
    throw new StrongboxError('APPROVER_NOT_ELIGIBLE', `subject ${approver.subject} is neither an approver nor the requester of ${a.id}`, { publicReason: 'not_an_approver' });
  }
  const now = ctx.now().toISOString();
  const voted = await ctx.store.addApprovalVote(a.id, { subject: approver.subject, accessor: approver.accessor, vote: 'reject', at: now });
  const reason = params.reason === undefined ? `rejected by ${approver.subject}` : `rejected by ${approver.subject}: ${params.reason}`;
  if (voted === undefined || !(await ctx.store.updateApproval(a.id, ['pending'], { status: 'rejected', reason, updatedAt: now }))) {
    assertPending((await ctx.store.getApproval(a.id)) ?? { ...a, status: 'expired' });
  }
  approver.decide({ outcome: 'reject', approvalId: a.id, reason });
  return toView((await ctx.store.getApproval(a.id))!);
}
