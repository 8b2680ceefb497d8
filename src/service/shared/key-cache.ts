/**
 * A bounded LRU cache of unwrapped key material, so the sign path does not unwrap and re-import
 * a key on every request. Entries are wiped when evicted and the whole cache when the barrier seals.
 */
import { wipe } from '../../crypto/wipe.js';
import type { LoadedSigner } from '../../crypto/signers/types.js';

export type CachedKey = { kind: 'signer'; signer: LoadedSigner } | { kind: 'secret'; secretKey: Uint8Array };

function wipeEntry(entry: CachedKey): void {
  if (entry.kind === 'signer') entry.signer.wipe();
  else wipe(entry.secretKey);
}

export class KeyCache {
  readonly maxEntries: number;
  readonly #entries = new Map<string, CachedKey>();
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new RangeError('key cache size must be a non-negative integer');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): CachedKey | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Map preserves insertion order: re-inserting marks the entry most recently used.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry;
  }

  set(id: string, entry: CachedKey): void {
    if (this.maxEntries === 0) return;
    const previous = this.#entries.get(id);
    if (previous !== undefined && previous !== entry) wipeEntry(previous);
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      wipeEntry(this.#entries.get(oldest)!);
      this.#entries.delete(oldest);
    }
  }

  /** Drops (and wipes) every cached version of one key: after disable, destroy or rotation. */
  evictKey(keyId: string): void {
    for (const [id, entry] of this.#entries) {
      if (id.startsWith(`${keyId}:`)) {
        wipeEntry(entry);
        this.#entries.delete(id);
      }
    }
  }

  clear(): void {
    for (const entry of this.#entries.values()) wipeEntry(entry);
    this.#entries.clear();
  }
}
