/**
 * The coordinator of a FROST signing session (RFC 9591 §5), run by the server a chain route reached
 * with a threshold key. It holds no secret: it asks the participants (itself first, over the same
 * mutual-TLS API as the others, so every round is a request audited on the participant that answers
 * it) for round-1 commitments until the key's threshold have agreed — each judges the transaction by
 * its own rules and may refuse — then sends the signing package, checks every signature share
 * (verifyShare) and the aggregate signature against the group key before anything is released.
 *
 * A participant that refuses or is unreachable in round 1 is skipped; a failure in round 2 ends the
 * session with nothing signed (the round-2 participants' nonces are spent either way; a new request
 * starts a new session with fresh nonces).
 */
import { randomUUID } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyRecord } from '../../storage/types.js';
import { commitmentFromJson, commitmentToJson, frostSuite, fromHex, groupVerifyingKey, publicFromJson, verifyGroupSignature, type CommitmentJson, type NonceCommitments } from '../../crypto/frost.js';
import type { ServiceContext } from './context.js';
import { openThresholdMaterial } from './threshold-material.js';
import { callPeer, PeerCallError, peerById, requirePeersConfig } from './threshold-peers.js';
import type { ThresholdSignRequest } from './threshold-request.js';

export interface SignRound1Answer {
  identifier: string;
  /** one commitment per message, in the order the participant derived the messages */
  commitments: CommitmentJson[];
}

export interface SignRound2Answer {
  /** hex signature shares, one per message */
  shares: string[];
}

export interface ThresholdSignOutcome {
  signatures: Uint8Array[];
  /** the peer ids whose shares made the signature */
  signers: string[];
  /** participants that refused or failed in round 1, with their reason */
  declined: { peer: string; code: string; detail: string }[];
}

export type ThresholdSignContext = Pick<ServiceContext, 'store' | 'barrier' | 'threshold'>;

/** Runs one signing session for `messages` (derived by the caller from `request`, as each participant derives them). */
export async function thresholdSign(ctx: ThresholdSignContext, record: KeyRecord, request: ThresholdSignRequest, messages: Uint8Array[]): Promise<ThresholdSignOutcome> {
  const material = await openThresholdMaterial(ctx, record);
  const config = await requirePeersConfig(ctx);
  const frost = frostSuite(material.suite);
  const pub = publicFromJson(material.public);
  const threshold = pub.signers.min;
  const sessionId = randomUUID();
  // This node first (its own rules are the ones closest to the caller), then the others in DKG order.
  const order = [...material.participants].sort((a, b) => (a.peer === material.self ? -1 : b.peer === material.self ? 1 : 0));
  const chosen: { peer: string; identifier: string; commitments: NonceCommitments[] }[] = [];
  const declined: ThresholdSignOutcome['declined'] = [];
  for (const participant of order) {
    if (chosen.length === threshold) break;
    let answer: SignRound1Answer;
    try {
      const peer = peerById(config, participant.peer);
      answer = await callPeer<SignRound1Answer>(ctx, peer, '/v1/threshold/sign/round1', { sessionId, keyId: record.id, request });
    } catch (err) {
      declined.push(describe(participant.peer, err));
      continue;
    }
    if (answer.identifier !== participant.identifier || !Array.isArray(answer.commitments) || answer.commitments.length !== messages.length) {
      declined.push({ peer: participant.peer, code: 'THRESHOLD_PROTOCOL_ERROR', detail: 'round-1 answer does not match the key\'s participant or the number of messages' });
      continue;
    }
    try {
      const commitments = answer.commitments.map((c) => {
        if (c.identifier !== participant.identifier) throw new Error('commitment for another identifier');
        return commitmentFromJson(c);
      });
      chosen.push({ peer: participant.peer, identifier: participant.identifier, commitments });
    } catch {
      declined.push({ peer: participant.peer, code: 'THRESHOLD_PROTOCOL_ERROR', detail: 'malformed round-1 commitments' });
    }
  }
  if (chosen.length < threshold) {
    const why = declined.map((d) => `${d.peer}: ${d.code}${d.detail ? ` (${d.detail})` : ''}`).join('; ');
    throw new StrongboxError('THRESHOLD_QUORUM_NOT_REACHED', `key ${record.id} needs ${threshold} of ${material.participants.length} participants; ${chosen.length} agreed. ${why}`);
  }
  // Round 2: the signing package is, per message, every chosen participant's commitment for it.
  const packages = messages.map((_, i) => chosen.map((c) => c.commitments[i]!));
  const wire = packages.map((list) => list.map(commitmentToJson));
  const shares = await Promise.all(
    chosen.map(async (c) => {
      try {
        const answer = await callPeer<SignRound2Answer>(ctx, peerById(config, c.peer), '/v1/threshold/sign/round2', { sessionId, commitments: wire });
        if (!Array.isArray(answer.shares) || answer.shares.length !== messages.length || answer.shares.some((s) => typeof s !== 'string' || !/^[0-9a-f]{64}$/.test(s))) {
          throw new PeerCallError(c.peer, 'THRESHOLD_PROTOCOL_ERROR', 'malformed round-2 answer');
        }
        return answer.shares.map(fromHex);
      } catch (err) {
        const d = describe(c.peer, err);
        const code = d.code === 'UNREACHABLE' ? 'THRESHOLD_PEER_FAILED' : 'THRESHOLD_QUORUM_NOT_REACHED';
        throw new StrongboxError(code, `participant ${d.peer} did not sign in round 2: ${d.code}${d.detail ? ` (${d.detail})` : ''}; nothing was signed`);
      }
    }),
  );
  const verifyingKey = groupVerifyingKey(material.suite, pub);
  const signatures = messages.map((message, i) => {
    const list = packages[i]!;
    const byId: Record<string, Uint8Array> = Object.create(null);
    chosen.forEach((c, j) => {
      const share = shares[j]![i]!;
      // RFC 9591 §5.4: a bad share names its participant instead of yielding a bad signature.
      if (!frost.verifyShare(pub, list, message, c.identifier, share)) {
        throw new StrongboxError('THRESHOLD_PEER_FAILED', `participant ${c.peer} returned an invalid signature share (did it sign another message?); nothing was signed`);
      }
      byId[c.identifier] = share;
    });
    const signature = frost.aggregate(pub, list, message, byId);
    // Verify before release (GUIDE §10), as the chain verifies: Ed25519 or BIP340 under the output key.
    if (!verifyGroupSignature(material.suite, signature, message, verifyingKey)) throw new StrongboxError('INTERNAL', 'aggregate threshold signature failed verification');
    return signature;
  });
  return { signatures, signers: chosen.map((c) => c.peer), declined };
}

function describe(peer: string, err: unknown): { peer: string; code: string; detail: string } {
  if (err instanceof PeerCallError) return { peer, code: err.code, detail: err.detail };
  if (err instanceof StrongboxError) return { peer, code: err.code, detail: err.message };
  return { peer, code: 'INTERNAL', detail: 'unexpected failure' };
}
