/**
 * A participant's side of distributed key generation (the three-round Pedersen DKG with proofs of
 * knowledge that @noble/curves implements after frost-rs; RFC 9591 leaves DKG out of scope). Answered
 * only to configured peers over mutual TLS.
 *
 * - round 1 (from the coordinator): commit to a random polynomial; answer the public package.
 * - round 2 (from the coordinator, with every participant's round-1 package): check the packages, compute
 *   one secret share per other participant and send each one *directly to its recipient* over mutual TLS
 *   (POST /v1/threshold/dkg/share) — never through the coordinator, never logged or audited in plaintext
 *   (the route records only their HMAC). Each share carries the digest of the round-1 transcript its
 *   sender saw, so a coordinator that showed participants different packages is caught in round 3.
 * - round 3 (from the coordinator): with a share from every other participant and one transcript, derive
 *   this node's signing share, verify it against the commitments, and store it sealed like any key.
 * Secrets between rounds stay in memory only (threshold-state.ts).
 */
import { createHash } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import { isThresholdKeyType, type ThresholdKeyType } from '../../protocol/types.js';
import { frostSuite, fromHex, groupVerifyingKey, publicToJson, round1FromJson, round1ToJson, taprootInternalKey, toHex, type DKG_Round1, type FrostSuiteName, type Round1Json } from '../../crypto/frost.js';
import { keyScripts } from '../../chains/bitcoin/psbt.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertKeyName } from '../shared/validate.js';
import { storeKey } from '../shared/store-key.js';
import { callPeer, PeerCallError, peerById, peerOfSubject, requirePeersConfig } from '../shared/threshold-peers.js';
import { SESSION_TTL_MS, type ThresholdMaterial } from '../shared/threshold-state.js';
import { assertHexString, assertPeerId, assertSessionId } from './threshold-validate.js';
import { MAX_PEERS } from './peers.js';

export type DkgContext = Pick<ServiceContext, 'store' | 'barrier' | 'threshold' | 'now'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function suiteOf(type: ThresholdKeyType): FrostSuiteName {
  return type === 'frost-ed25519' ? 'ed25519' : 'secp256k1-tr';
}

export interface DkgRound1Parameters {
  sessionId: string;
  keyId: string;
  name: string | null;
  type: string;
  threshold: number;
  participants: string[];
  caller: string | undefined;
}

/** Checks what every participant checks about a new threshold key (the coordinator too, before round 1). */
export function assertDkgShape(params: Pick<DkgRound1Parameters, 'type' | 'threshold' | 'participants' | 'name'>): asserts params is Pick<DkgRound1Parameters, 'threshold' | 'participants' | 'name'> & { type: ThresholdKeyType } {
  if (typeof params.type !== 'string' || !isThresholdKeyType(params.type)) throw new StrongboxError('INVALID_ARGUMENT', 'type must be frost-ed25519 or frost-secp256k1-tr', { field: 'type' });
  if (!Array.isArray(params.participants) || params.participants.length < 2 || params.participants.length > MAX_PEERS) {
    throw new StrongboxError('INVALID_ARGUMENT', `participants must list 2 to ${MAX_PEERS} peer ids`, { field: 'participants' });
  }
  params.participants.forEach((p, i) => assertPeerId(p, `participants[${i}]`));
  if (new Set(params.participants).size !== params.participants.length) throw new StrongboxError('INVALID_ARGUMENT', 'participants must not repeat a peer', { field: 'participants' });
  if (!Number.isInteger(params.threshold) || params.threshold < 2 || params.threshold > params.participants.length) {
    throw new StrongboxError('INVALID_ARGUMENT', `threshold must be an integer from 2 to the number of participants (${params.participants.length})`, { field: 'threshold' });
  }
  if (params.name !== null) assertKeyName(params.name);
}

export async function dkgRound1(ctx: DkgContext, params: DkgRound1Parameters): Promise<Round1Json> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  if (typeof params.keyId !== 'string' || !UUID.test(params.keyId)) throw new StrongboxError('INVALID_ARGUMENT', 'keyId must be a lowercase UUID', { field: 'keyId' });
  assertDkgShape(params);
  for (const p of params.participants) peerById(config, p);
  if (!params.participants.includes(config.self)) throw new StrongboxError('INVALID_ARGUMENT', `participants does not include this node (${config.self})`, { field: 'participants' });
  // One id space with KMIP items (registered public keys, Secret Data, Opaque Objects): an id naming either is taken.
  if ((await ctx.store.getKey(params.keyId)) !== undefined || (await ctx.store.getKmipItem(params.keyId)) !== undefined) throw new StrongboxError('THRESHOLD_PROTOCOL_ERROR', `key ${params.keyId} already exists on this participant`, { field: 'keyId' });
  const frost = frostSuite(suiteOf(params.type));
  const r1 = frost.DKG.round1(frost.Identifier.derive(config.self), { min: params.threshold, max: params.participants.length });
  ctx.threshold.put(params.sessionId, {
    kind: 'dkg',
    coordinator: params.caller!,
    keyId: params.keyId,
    name: params.name,
    type: params.type,
    threshold: params.threshold,
    participants: [...params.participants],
    secret: r1.secret,
    own: r1.public,
    received: new Map(),
    expiresAt: Date.now() + SESSION_TTL_MS,
  });
  return round1ToJson(r1.public);
}

/** The digest every participant compares: SHA-256 of the round-1 packages in identifier order. */
function transcriptDigest(all: Round1Json[]): string {
  const sorted = [...all].sort((a, b) => (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

export interface DkgRound2Parameters {
  sessionId: string;
  round1: Round1Json[];
  caller: string | undefined;
}

export async function dkgRound2(ctx: DkgContext, params: DkgRound2Parameters): Promise<{ transcript: string }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  const session = ctx.threshold.get(params.sessionId, 'dkg', params.caller!);
  const frost = frostSuite(suiteOf(session.type));
  const expected = new Map(session.participants.map((p) => [frost.Identifier.derive(p), p] as const));
  if (!Array.isArray(params.round1) || params.round1.length !== session.participants.length) throw bad('round1', `round1 must hold the ${session.participants.length} participants' packages`);
  const seen = new Set<string>();
  const others: DKG_Round1[] = [];
  const ownJson = round1ToJson(session.own);
  for (const [i, r] of params.round1.entries()) {
    if (typeof r !== 'object' || r === null || typeof r.identifier !== 'string' || !expected.has(r.identifier) || seen.has(r.identifier)) throw bad(`round1[${i}].identifier`, 'names an unknown or repeated participant');
    seen.add(r.identifier);
    if (!Array.isArray(r.commitment) || r.commitment.length !== session.threshold) throw bad(`round1[${i}].commitment`, `must hold ${session.threshold} commitments`);
    r.commitment.forEach((c, j) => assertHexString(c, `round1[${i}].commitment[${j}]`, 200));
    assertHexString(r.proofOfKnowledge, `round1[${i}].proofOfKnowledge`, 200);
    if (r.identifier === ownJson.identifier) {
      if (JSON.stringify({ identifier: r.identifier, commitment: r.commitment, proofOfKnowledge: r.proofOfKnowledge }) !== JSON.stringify(ownJson)) throw bad(`round1[${i}]`, 'changes this participant\'s own round-1 package');
      continue;
    }
    others.push(round1FromJson(r));
  }
  let packages: Record<string, { identifier: string; signingShare: Uint8Array }>;
  try {
    packages = frost.DKG.round2(session.secret, others);
  } catch (err) {
    throw bad('round1', `round-1 packages refused: ${(err as Error).message}`);
  }
  const transcript = transcriptDigest(params.round1.map((r) => ({ identifier: r.identifier, commitment: r.commitment, proofOfKnowledge: r.proofOfKnowledge })));
  session.others = others;
  session.transcript = transcript;
  // Each secret share goes straight to its recipient over mutual TLS.
  try {
    await Promise.all(
      others.map(async (o) => {
        const peer = peerById(config, expected.get(o.identifier)!);
        const pkg = packages[o.identifier]!;
        const body = { sessionId: params.sessionId, from: config.self, signingShare: toHex(pkg.signingShare), transcript };
        wipe(pkg.signingShare);
        await callPeer(ctx, peer, '/v1/threshold/dkg/share', body);
      }),
    );
  } catch (err) {
    const detail = err instanceof PeerCallError ? `${err.peer}: ${err.code} (${err.detail})` : (err as Error).message;
    throw new StrongboxError('THRESHOLD_PEER_FAILED', `a round-2 share could not be delivered: ${detail}`);
  }
  return { transcript };
}

export interface DkgShareParameters {
  sessionId: string;
  from: string;
  signingShare: string;
  transcript: string;
  caller: string | undefined;
}

/** Receives one secret round-2 share from the participant that computed it (authenticated by its certificate). */
export async function dkgShare(ctx: DkgContext, params: DkgShareParameters): Promise<Record<string, never>> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  const sender = peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  if (params.from !== sender.id) throw new StrongboxError('THRESHOLD_PEER_UNKNOWN', 'from must be the sending peer itself (its client certificate names it)', { field: 'from' });
  assertHexString(params.signingShare, 'signingShare', 64);
  assertHexString(params.transcript, 'transcript', 64);
  const session = ctx.threshold.getAny(params.sessionId, 'dkg');
  if (!session.participants.includes(sender.id) || sender.id === config.self) throw new StrongboxError('THRESHOLD_PEER_UNKNOWN', `${sender.id} is not another participant of this key generation`, { field: 'from' });
  if (session.received.has(sender.id)) throw new StrongboxError('THRESHOLD_PROTOCOL_ERROR', `a share from ${sender.id} was already received`, { field: 'from' });
  session.received.set(sender.id, { signingShare: fromHex(params.signingShare), transcript: params.transcript });
  return {};
}

export interface DkgRound3Parameters {
  sessionId: string;
  caller: string | undefined;
}

export interface DkgRound3Answer {
  keyId: string;
  /** hex: the key's stored public key (Ed25519 group key, or the uncompressed Taproot internal key) */
  publicKey: string;
  /** hex: what the chain verifies against (Ed25519 key, or the x-only Taproot output key) */
  verifyingKey: string;
  identifier: string;
}

export async function dkgRound3(ctx: DkgContext, params: DkgRound3Parameters): Promise<DkgRound3Answer> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const config = await requirePeersConfig(ctx);
  peerOfSubject(config, params.caller);
  assertSessionId(params.sessionId);
  const session = ctx.threshold.take(params.sessionId, 'dkg', params.caller!);
  const suite = suiteOf(session.type);
  const frost = frostSuite(suite);
  try {
    if (session.others === undefined || session.transcript === undefined) throw bad('sessionId', 'round 2 has not run on this participant');
    if (session.received.size !== session.participants.length - 1) throw bad('sessionId', `received ${session.received.size} of ${session.participants.length - 1} round-2 shares`);
    for (const [from, r] of session.received) {
      if (r.transcript !== session.transcript) throw bad('sessionId', `participant ${from} saw different round-1 packages than this one (inconsistent broadcast)`);
    }
    const round2 = [...session.received].map(([from, r]) => ({ identifier: frost.Identifier.derive(from), signingShare: r.signingShare }));
    let key;
    try {
      key = frost.DKG.round3(session.secret, session.others, round2);
      frost.validateSecret(key.secret, key.public);
    } catch {
      // noble's message is not passed on: this step handles secret shares.
      throw bad('sessionId', 'key generation failed: a received share does not match its sender\'s commitments');
    }
    const verifyingKey = groupVerifyingKey(suite, key.public);
    let publicKey: Uint8Array;
    if (suite === 'secp256k1-tr') {
      publicKey = taprootInternalKey([session.own, ...session.others]);
      // The BIP86 output script of the stored internal key must be the group's (tweaked) key, or the
      // key's addresses would not be the key's.
      if (Buffer.compare(keyScripts(publicKey).p2tr.subarray(2), verifyingKey) !== 0) throw new StrongboxError('INTERNAL', 'Taproot internal key does not tweak to the group key');
    } else {
      publicKey = verifyingKey;
    }
    const material: ThresholdMaterial = {
      v: 1,
      suite,
      self: config.self,
      identifier: key.secret.identifier,
      signingShare: toHex(key.secret.signingShare),
      public: publicToJson(key.public),
      participants: session.participants.map((peer) => ({ peer, identifier: frost.Identifier.derive(peer) })),
    };
    const secretKey = new Uint8Array(Buffer.from(JSON.stringify(material)));
    wipe(key.secret.signingShare);
    try {
      await storeKey(ctx, {
        id: session.keyId,
        type: session.type,
        origin: 'generated',
        secretKey,
        publicKey,
        ...(session.name === null ? {} : { name: session.name }),
        description: `${session.threshold}-of-${session.participants.length} threshold key (${session.participants.join(', ')})`,
      });
    } finally {
      wipe(secretKey);
    }
    return { keyId: session.keyId, publicKey: toHex(publicKey), verifyingKey: toHex(verifyingKey), identifier: material.identifier };
  } finally {
    frost.DKG.clean(session.secret);
    for (const r of session.received.values()) wipe(r.signingShare);
  }
}

function bad(field: string, detail: string): StrongboxError {
  return new StrongboxError('THRESHOLD_PROTOCOL_ERROR', detail.startsWith(field) ? detail : `${field}: ${detail}`, { field });
}
