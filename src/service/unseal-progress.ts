/**
 * Shares submitted so far towards unsealing. Held in memory only; cleared on success, on a
 * failed reconstruction, and on seal. Duplicate shares are recognised in constant time and not counted twice.
 */
import { constantTimeEqual } from '../crypto/compare.js';
import { wipe } from '../crypto/wipe.js';

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
}
