/**
 * Per-node state of threshold signing (docs/threshold.md): this node's TLS identity for calls to its
 * peers, and the sessions in progress — DKG secrets between rounds, and round-1 signing nonces.
 *
 * Sessions live in memory only, by design: a nonce that never reaches a disk cannot be read back after a
 * crash, so a participant restarted after kill -9 has no nonce to reuse (RFC 9591 §4.1 requires one-time
 * use), and round 2 of a session it no longer knows is refused. A round-2 request takes its session out
 * of the map before anything else happens (JavaScript runs it to completion), so two concurrent round-2
 * requests for one session cannot both sign. Sessions expire after SESSION_TTL_MS, and the map is bounded.
 */
import type { DKG_Round1, DKG_Secret, FrostPublicJson, FrostSuiteName, NonceCommitments, Nonces } from '../../crypto/frost.js';
import type { ThresholdKeyType } from '../../protocol/types.js';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';

export const SESSION_TTL_MS = 120_000;
export const MAX_SESSIONS = 1000;

/** A DKG this node takes part in, between round 1 and round 3. */
export interface DkgSession {
  kind: 'dkg';
  /** who started it (the coordinator's principal subject): only it may drive the next rounds */
  coordinator: string;
  keyId: string;
  name: string | null;
  type: ThresholdKeyType;
  threshold: number;
  /** peer ids, in the coordinator's order; this node is one of them */
  participants: string[];
  secret: DKG_Secret;
  own: DKG_Round1;
  /** the others' round-1 packages (set by round 2), and the digest of the whole round-1 transcript */
  others?: DKG_Round1[];
  transcript?: string;
  /** round-2 packages received from each sender (peer id), with the transcript the sender saw */
  received: Map<string, { signingShare: Uint8Array; transcript: string }>;
  expiresAt: number;
}

/** A signing session after round 1: the nonces (secret, used once) and what they may sign. */
export interface SigningSession {
  kind: 'sign';
  coordinator: string;
  keyId: string;
  /** the messages this node derived itself from the transaction (never taken from the coordinator) */
  messages: Uint8Array[];
  nonces: Nonces[];
  commitments: NonceCommitments[];
  /** the transaction, for the rules at round 2 */
  chain: 'solana' | 'bitcoin';
  operation: string;
  intent: () => TransactionIntent;
  request: () => unknown;
  expiresAt: number;
}

/** What a participant's sealed material holds (JSON inside the key's envelope). */
export interface ThresholdMaterial {
  v: 1;
  suite: FrostSuiteName;
  /** this node's peer id and FROST identifier */
  self: string;
  identifier: string;
  /** hex scalar: the secret share */
  signingShare: string;
  public: FrostPublicJson;
  participants: { peer: string; identifier: string }[];
}

/** This node's client identity toward peers: its own server certificate, and the CA peers chain to. */
export interface ThresholdTls {
  cert: string;
  key: string;
  ca: string | undefined;
}

export class ThresholdState {
  readonly #sessions = new Map<string, DkgSession | SigningSession>();
  constructor(readonly tls: ThresholdTls | undefined) {}

  put(id: string, session: DkgSession | SigningSession): void {
    this.#sweep();
    if (this.#sessions.has(id)) throw new StrongboxError('THRESHOLD_PROTOCOL_ERROR', `threshold session ${id} already exists`, { field: 'sessionId' });
    if (this.#sessions.size >= MAX_SESSIONS) throw new StrongboxError('RATE_LIMITED', 'too many threshold sessions in progress on this node');
    this.#sessions.set(id, session);
  }

  /** The session, still in the map (DKG rounds). */
  get<K extends 'dkg' | 'sign'>(id: string, kind: K, coordinator: string): Extract<DkgSession | SigningSession, { kind: K }> {
    this.#sweep();
    const s = this.#sessions.get(id);
    if (s === undefined || s.kind !== kind || s.coordinator !== coordinator) {
      throw new StrongboxError('THRESHOLD_SESSION_UNKNOWN', `no ${kind === 'dkg' ? 'key generation' : 'signing'} session ${id} in progress on this node for this caller (expired, finished, or lost in a restart)`, { field: 'sessionId' });
    }
    return s as Extract<DkgSession | SigningSession, { kind: K }>;
  }

  /** The session whoever drives it (DKG shares arrive from the other participants, not the coordinator). */
  getAny<K extends 'dkg' | 'sign'>(id: string, kind: K): Extract<DkgSession | SigningSession, { kind: K }> {
    this.#sweep();
    const s = this.#sessions.get(id);
    if (s === undefined || s.kind !== kind) throw new StrongboxError('THRESHOLD_SESSION_UNKNOWN', `no ${kind === 'dkg' ? 'key generation' : 'signing'} session ${id} in progress on this node`, { field: 'sessionId' });
    return s as Extract<DkgSession | SigningSession, { kind: K }>;
  }

  /** Takes the session out of the map: its nonces can never be used again, whatever happens next. */
  take<K extends 'dkg' | 'sign'>(id: string, kind: K, coordinator: string): Extract<DkgSession | SigningSession, { kind: K }> {
    const s = this.get(id, kind, coordinator);
    this.#sessions.delete(id);
    return s;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Seal and shutdown: drop every session (and the nonces with them). */
  clear(): void {
    for (const s of this.#sessions.values()) wipeSession(s);
    this.#sessions.clear();
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.#sessions) {
      if (s.expiresAt <= now) {
        wipeSession(s);
        this.#sessions.delete(id);
      }
    }
  }
}

export function wipeSession(s: DkgSession | SigningSession): void {
  if (s.kind === 'sign') {
    for (const n of s.nonces) {
      n.hiding.fill(0);
      n.binding.fill(0);
    }
  } else {
    for (const r of s.received.values()) r.signingShare.fill(0);
  }
}
