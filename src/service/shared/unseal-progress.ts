/**
 * Shares submitted so far towards unsealing. Held in memory only; cleared on success, on a
 * failed reconstruction, and on seal. Duplicate shares are recognised in constant time and not counted twice.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { wipe } from '../../crypto/wipe.js';
import { decodeShare } from '../../providers/shamir/index.js';
import { UnsealRejectedError } from '../../providers/types.js';

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
   * Validates a submitted share (0x-hex, share format, belongs to a `threshold` set) and adds it.
   * Returns the collected shares once `threshold` distinct ones are in (taking them), else undefined.
   */
  accept(shareHex: string, threshold: number): Uint8Array[] | undefined {
    const share = parseHex(shareHex, { field: 'share', minBytes: 2, maxBytes: 64 });
    try {
      if (decodeShare(share).threshold !== threshold) throw new UnsealRejectedError('share belongs to a different share set');
    } catch (err) {
      throw new StrongboxError('INVALID_SHARE', err instanceof UnsealRejectedError ? err.message : 'malformed share', { field: 'share' });
    }
    this.add(share);
    return this.count < threshold ? undefined : this.take();
  }
}
