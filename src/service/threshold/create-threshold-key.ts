/**
 * POST /v1/threshold/keys: this node coordinates a distributed key generation among the participants
 * (itself included) over their mutual-TLS APIs — round 1 on all, round 2 on all (each participant
 * delivers its secret shares to the others directly), round 3 on all — then checks that every
 * participant derived the same group key. The coordinator sees only public packages. Every participant
 * stores the key under the same id and name; the full private key exists nowhere.
 *
 * If a participant fails in round 3 after others stored their share, the key is unusable at the
 * threshold only if too few stored it; the answer names what happened, and the operators schedule the
 * deletion of the partial key where it was stored (docs/threshold.md).
 */
import { randomUUID } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyInfo } from '../../protocol/types.js';
import type { Round1Json } from '../../crypto/frost.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { callPeer, PeerCallError, peerById, requirePeersConfig, type ThresholdPeer } from '../shared/threshold-peers.js';
import { assertDkgShape, type DkgRound3Answer } from './dkg-rounds.js';

export interface CreateThresholdKeyParameters {
  type: string;
  threshold: number;
  participants: string[];
  name?: string | undefined;
}

export interface ThresholdKeyResult {
  key: KeyInfo;
  threshold: number;
  participants: { peer: string; identifier: string }[];
  /** hex: what the chain verifies against (Ed25519 public key, or the x-only Taproot output key) */
  verifyingKey: string;
}

export async function createThresholdKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'threshold' | 'now'>, params: CreateThresholdKeyParameters): Promise<ThresholdKeyResult> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const name = params.name ?? null;
  const shape = { type: params.type, threshold: params.threshold, participants: params.participants, name };
  assertDkgShape(shape);
  const config = await requirePeersConfig(ctx);
  if (ctx.threshold.tls === undefined) throw new StrongboxError('THRESHOLD_NOT_CONFIGURED', 'threshold peers are called over mutual TLS: start the server with --tls-cert and --tls-key');
  if (!shape.participants.includes(config.self)) throw new StrongboxError('INVALID_ARGUMENT', `participants must include this node (${config.self}), which coordinates`, { field: 'participants' });
  const peers: ThresholdPeer[] = shape.participants.map((p, i) => peerById(config, p, `participants[${i}]`));
  const sessionId = randomUUID();
  const keyId = randomUUID();
  const round = async <T>(path: string, body: (peer: ThresholdPeer) => unknown): Promise<T[]> => {
    const settled = await Promise.allSettled(peers.map((peer) => callPeer<T>(ctx, peer, path, body(peer))));
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${peers[i]!.id}: ${s.reason instanceof PeerCallError ? `${s.reason.code} (${s.reason.detail})` : 'failed'}`] : []));
    if (failed.length > 0) {
      const code = settled.some((s) => s.status === 'rejected' && s.reason instanceof PeerCallError && s.reason.code === 'UNREACHABLE') ? 'THRESHOLD_PEER_FAILED' : 'THRESHOLD_PROTOCOL_ERROR';
      throw new StrongboxError(code, `key generation stopped at ${path}: ${failed.join('; ')}`);
    }
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  };
  const round1 = await round<Round1Json>('/v1/threshold/dkg/round1', () => ({ sessionId, keyId, name, type: shape.type, threshold: shape.threshold, participants: shape.participants }));
  await round<{ transcript: string }>('/v1/threshold/dkg/round2', () => ({ sessionId, round1 }));
  const round3 = await round<DkgRound3Answer>('/v1/threshold/dkg/round3', () => ({ sessionId }));
  const keys = new Set(round3.map((r) => r.verifyingKey));
  if (keys.size !== 1 || round3.some((r) => r.keyId !== keyId)) throw new StrongboxError('THRESHOLD_PROTOCOL_ERROR', `participants derived different group keys (${[...keys].join(', ')}); delete key ${keyId} on every participant`);
  const record = await ctx.store.getKey(keyId);
  if (record === undefined) throw new StrongboxError('INTERNAL', 'the coordinator did not store its share');
  return {
    key: toKeyInfo(record),
    threshold: shape.threshold,
    participants: round3.map((r, i) => ({ peer: peers[i]!.id, identifier: r.identifier })),
    verifyingKey: round3[0]!.verifyingKey,
  };
}
