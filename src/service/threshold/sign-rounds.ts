/**
 * A participant's side of a FROST signing session (RFC 9591 §5.1, §5.2), answered only to configured
 * peers over mutual TLS.
 *
 * Round 1 reads the transaction itself (service/shared/threshold-request.ts), judges it by this node's
 * own transaction rules for the key (a denial or an approval requirement is a refusal: a participant
 * cannot hold a quorum's request for approval), and only then draws fresh nonces, kept in memory
 * (threshold-state.ts). Round 2 takes the session out of memory first — from then on its nonces can
 * never be used again, whatever happens — checks that the signing package contains this node's own
 * commitments unchanged and at least the threshold of known participants, judges the transaction again
 * with the spend reserved (transaction-guard.ts, as for an ordinary key), and answers the shares of the
 * messages it derived itself. After a crash the nonces are gone: round 2 is refused with
 * THRESHOLD_SESSION_UNKNOWN.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { evaluateTransaction } from '../../policy/transaction-rules.js';
import { commitmentToJson, frostSuite, fromHex, publicFromJson, toHex, type CommitmentJson, type NonceCommitments } from '../../crypto/frost.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, resolveKey } from '../shared/resolve-key.js';
import { assertThresholdKey, openThresholdMaterial } from '../shared/threshold-material.js';
import { peerOfSubject, requirePeersConfig } from '../shared/threshold-peers.js';
import { readThresholdRequest, type ThresholdSignRequest } from '../shared/threshold-request.js';
import { SESSION_TTL_MS, wipeSession } from '../shared/threshold-state.js';
import { denial, effectiveRules, judgeIntent, type RequestContext } from '../shared/transaction-guard.js';
import type { SignRound1Answer, SignRound2Answer } from '../shared/threshold-sign.js';
import { assertSessionId } from './threshold-validate.js';

export type ParticipantContext = Pick<ServiceContext, 'store' | 'barrier' | 'threshold' | 'now'>;

export interface SignRound1Parameters {
  sessionId: string;
  keyId: string;
  request: ThresholdSignRequest;
  /** the calling peer's principal subject */
  caller: string | undefined;
  requester?: RequestContext | undefined;
}

export async function signRound1(ctx: ParticipantContext, params: SignRound1Parameters): Promise<SignRound1Answer> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  const record = await resolveKey(ctx, params.keyId);
  assertThresholdKey(record);
  assertUsable(record);
  const read = readThresholdRequest(record, params.request, ctx.now);
  // This node's own rules, before any nonce exists: a refusal here costs nothing.
  const { rules } = await effectiveRules(ctx, record.id, record.wallet);
  if (rules !== undefined) {
    const decision = evaluateTransaction(rules, read.intent());
    if (decision.kind === 'deny') {
      params.requester?.decide({ outcome: 'deny', reason: decision.reason });
      throw denial(decision.reason, decision.message, decision.field);
    }
    if (decision.kind === 'require_approval') {
      params.requester?.decide({ outcome: 'deny', reason: 'approval_required' });
      throw new StrongboxError('TRANSACTION_DENIED', 'this participant\'s rules require an approval, which a threshold signing session cannot hold', { publicReason: 'approval_required' });
    }
  }
  const material = await openThresholdMaterial(ctx, record);
  const frost = frostSuite(material.suite);
  const secret = { identifier: material.identifier, signingShare: fromHex(material.signingShare) };
  try {
    const generated = read.messages.map(() => frost.commit(secret));
    ctx.threshold.put(params.sessionId, {
      kind: 'sign',
      coordinator: params.caller!,
      keyId: record.id,
      messages: read.messages,
      nonces: generated.map((g) => g.nonces),
      commitments: generated.map((g) => g.commitments),
      chain: read.chain,
      operation: read.operation,
      intent: read.intent,
      request: read.request,
      expiresAt: Date.now() + SESSION_TTL_MS,
    });
    return { identifier: material.identifier, commitments: generated.map((g) => commitmentToJson(g.commitments)) };
  } finally {
    wipe(secret.signingShare);
  }
}

export interface SignRound2Parameters {
  sessionId: string;
  /** per message, the commitments of every signer of the session */
  commitments: CommitmentJson[][];
  caller: string | undefined;
  requester?: RequestContext | undefined;
}

export async function signRound2(ctx: ParticipantContext, params: SignRound2Parameters): Promise<SignRound2Answer> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  // Out of memory before anything else: this session's nonces are now spent, whatever follows.
  const session = ctx.threshold.take(params.sessionId, 'sign', params.caller!);
  try {
    const record = await resolveKey(ctx, session.keyId);
    assertUsable(record);
    const material = await openThresholdMaterial(ctx, record);
    const known = new Set(material.participants.map((p) => p.identifier));
    const pub = publicFromJson(material.public);
    if (!Array.isArray(params.commitments) || params.commitments.length !== session.messages.length) {
      throw protocolError(`commitments must hold one list per message (${session.messages.length})`);
    }
    const lists: NonceCommitments[][] = params.commitments.map((list, i) => {
      if (!Array.isArray(list) || list.length < pub.signers.min || list.length > pub.signers.max) throw protocolError(`commitments[${i}] must name between ${pub.signers.min} and ${pub.signers.max} signers`);
      const seen = new Set<string>();
      let own = 0;
      const parsed = list.map((c) => {
        if (typeof c !== 'object' || c === null || typeof c.identifier !== 'string' || !known.has(c.identifier) || seen.has(c.identifier)) throw protocolError(`commitments[${i}] names an unknown or repeated participant`);
        seen.add(c.identifier);
        if (typeof c.hiding !== 'string' || typeof c.binding !== 'string' || !/^[0-9a-f]{64,66}$/.test(c.hiding) || !/^[0-9a-f]{64,66}$/.test(c.binding)) throw protocolError(`commitments[${i}] has a malformed commitment`);
        if (c.identifier === material.identifier) {
          const mine = commitmentToJson(session.commitments[i]!);
          if (c.hiding !== mine.hiding || c.binding !== mine.binding) throw protocolError(`commitments[${i}] changes this participant's own round-1 commitment`);
          own++;
        }
        return { identifier: c.identifier, hiding: fromHex(c.hiding), binding: fromHex(c.binding) };
      });
      if (own !== 1) throw protocolError(`commitments[${i}] does not include this participant`);
      return parsed;
    });
    const frost = frostSuite(material.suite);
    const sign = async (): Promise<SignRound2Answer> => {
      const secret = { identifier: material.identifier, signingShare: fromHex(material.signingShare) };
      try {
        return { shares: session.messages.map((message, i) => toHex(frost.signShare(secret, pub, session.nonces[i]!, lists[i]!, message))) };
      } catch {
        // noble's message is not passed on: this step handles the secret share and nonces.
        throw protocolError('the signing package was refused (invalid commitments)');
      } finally {
        wipe(secret.signingShare);
      }
    };
    // The rules again, now with the spend reserved (limits), exactly as for an ordinary key's signature.
    const { scope, rules } = await effectiveRules(ctx, record.id, record.wallet);
    if (rules === undefined) return await sign();
    if (evaluateTransaction(rules, session.intent()).kind === 'require_approval') {
      throw new StrongboxError('TRANSACTION_DENIED', 'this participant\'s rules require an approval, which a threshold signing session cannot hold', { publicReason: 'approval_required' });
    }
    const outcome = await judgeIntent(ctx, scope, rules, session.intent(), { keyId: record.id, chain: session.chain, operation: session.operation, request: session.request, requester: params.requester, sign });
    if (!('signed' in outcome)) throw new StrongboxError('INTERNAL', 'a threshold round cannot be held');
    return outcome.signed;
  } finally {
    wipeSession(session);
  }
}

function protocolError(detail: string): StrongboxError {
  return new StrongboxError('THRESHOLD_PROTOCOL_ERROR', detail.startsWith('commitments') ? detail : `commitments: ${detail}`, { field: 'commitments' });
}
