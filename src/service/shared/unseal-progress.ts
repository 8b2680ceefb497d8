/**
 * Shares submitted so far towards a quorum (unseal, generate-root, rekey, the cold-storage ceremony).
 * Held in memory only; cleared on success, on a failed reconstruction, and on seal. Duplicate shares are
 * recognised in constant time and not counted twice.
 *
 * A share set with commitments (seal configuration, escrow configuration) is checked share by share: a
 * share that is not one of the set is refused at once and leaves the progress as it was, so a forged
 * share (format byte, the threshold byte every response reveals, random bytes) cannot make the next
 * real share fail and reset the quorum. Sets made before commitments existed are checked only when
 * the quorum is combined, as before.
 */
import { StrongboxError, type ErrorCode } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { wipe } from '../../crypto/wipe.js';
import { decodeShare, isCommittedShare } from '../../providers/shamir/index.js';
import { UnsealRejectedError, type SealConfig } from '../../providers/types.js';

/** The share set a quorum is collected from: its threshold, and its commitments when it has them. */
export type ShareSet = Pick<SealConfig, 'threshold' | 'commitments'>;

/**
 * Parses one submitted share and checks it against its set: 0x-hex, share format, the set's threshold,
 * and — when the set has commitments — membership. Errors name `share`; the caller owns (and wipes) the result.
 */
export function parseShare(shareHex: string, set: ShareSet): Uint8Array {
  const share = parseHex(shareHex, { field: 'share', minBytes: 2, maxBytes: 64 });
  try {
    if (decodeShare(share).threshold !== set.threshold) throw new UnsealRejectedError('share belongs to a different share set');
  } catch (err) {
    wipe(share);
    throw new StrongboxError('INVALID_SHARE', err instanceof UnsealRejectedError ? err.message : 'malformed share', { field: 'share' });
  }
  if (set.commitments !== undefined && !isCommittedShare(share, set.commitments)) {
    wipe(share);
    throw new StrongboxError('UNKNOWN_SHARE', 'the share is not one of the current share set (it matches none of the commitments stored when the set was made); progress is unchanged', { field: 'share' });
  }
  return share;
}

/** Compares an attempt's nonce in constant time (it is the credential of the attempt). */
export function nonceMatches(expected: string | undefined, given: string | undefined): boolean {
  return expected !== undefined && given !== undefined && constantTimeEqual(Buffer.from(expected, 'utf8'), Buffer.from(given, 'utf8'));
}

export interface CancelParameters {
  /** the attempt's nonce, as returned when it was started */
  nonce?: string | undefined;
  /** or one share of the set the attempt collects */
  share?: string | undefined;
}

/**
 * Cancelling an attempt needs a credential: its nonce (the initiator and the custodians it was handed
 * to) or one share of the set it collects (any custodian, also after the nonce was lost). Returns false
 * when no attempt is in progress (nothing to cancel). Without commitments a share can only be checked
 * for its format, as before.
 */
export function assertMayCancel(attempt: { nonce: string | undefined }, params: CancelParameters, set: ShareSet, wrongNonce: ErrorCode): boolean {
  if (params.nonce === undefined && params.share === undefined) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give the attempt\'s nonce or one share of the set it collects', { field: 'nonce' });
  }
  if (attempt.nonce === undefined) {
    // Nothing to cancel; a malformed share is still named.
    if (params.share !== undefined) wipe(parseHex(params.share, { field: 'share', minBytes: 2, maxBytes: 64 }));
    return false;
  }
  if (nonceMatches(attempt.nonce, params.nonce)) return true;
  if (params.share !== undefined) {
    wipe(parseShare(params.share, set));
    return true;
  }
  throw new StrongboxError(wrongNonce, 'that is not the nonce of the attempt in progress', { field: 'nonce' });
}

/** Starting an attempt never discards one in progress: only its nonce or a share cancels it. */
export function assertNoAttempt(attempt: { nonce: string | undefined }, what: string): void {
  if (attempt.nonce !== undefined) {
    throw new StrongboxError('ATTEMPT_IN_PROGRESS', `a ${what} attempt is already in progress: finish it, or cancel it with its nonce or one share`);
  }
}

export class UnsealProgress {
  #shares: Uint8Array[] = [];

  get count(): number {
    return this.#shares.length;
  }

  /** Adds a share; returns false if the same share was already given. */
  add(share: Uint8Array): boolean {
    let duplicate = false;
    for (const s of this.#shares) duplicate = constantTimeEqual(s, share) || duplicate;
    if (!duplicate) this.#shares.push(share.slice());
    return !duplicate;
  }

  take(): Uint8Array[] {
    const shares = this.#shares;
    this.#shares = [];
    return shares;
  }

  reset(): void {
    wipe(...this.#shares);
    this.#shares = [];
  }

  /**
   * Checks a submitted share against its set (parseShare) and adds it. Returns the collected shares
   * once `set.threshold` distinct ones are in (taking them), else undefined. A refused share changes nothing.
   */
  accept(shareHex: string, set: ShareSet): Uint8Array[] | undefined {
    const share = parseShare(shareHex, set);
    this.add(share);
    wipe(share);
    return this.count < set.threshold ? undefined : this.take();
  }
}
