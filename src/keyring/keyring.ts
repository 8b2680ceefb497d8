/**
 * The keyring: the data-encryption keys ("terms") that seal every stored record.
 * Immutable (Vault's keyring.go): adding a term returns a new Keyring, so a reader holding the
 * old one never sees a half-updated state. Serialized only inside an envelope under the root key.
 *
 * Binary layout (inside the envelope): u32 activeTerm, u32 count, then count × (u32 term, 32-byte key).
 */
import { AES_KEY_BYTES } from '../crypto/aead.js';
import { randomBytes } from '../crypto/random.js';
import { wipe } from '../crypto/wipe.js';

export class Keyring {
  readonly activeTerm: number;
  readonly #terms: ReadonlyMap<number, Uint8Array>;

  private constructor(activeTerm: number, terms: ReadonlyMap<number, Uint8Array>) {
    this.activeTerm = activeTerm;
    this.#terms = terms;
  }

  static create(): Keyring {
    return new Keyring(1, new Map([[1, randomBytes(AES_KEY_BYTES)]]));
  }

  /** Returns a new keyring whose active term is a fresh key; old terms still decrypt. */
  withNewTerm(): Keyring {
    const next = Math.max(...this.#terms.keys()) + 1;
    const terms = new Map(this.#terms);
    terms.set(next, randomBytes(AES_KEY_BYTES));
    return new Keyring(next, terms);
  }

  termKey(term: number): Uint8Array | undefined {
    return this.#terms.get(term);
  }

  get terms(): number[] {
    return [...this.#terms.keys()].sort((a, b) => a - b);
  }

  serialize(): Uint8Array {
    const out = new Uint8Array(8 + this.#terms.size * (4 + AES_KEY_BYTES));
    const view = new DataView(out.buffer);
    view.setUint32(0, this.activeTerm, false);
    view.setUint32(4, this.#terms.size, false);
    let offset = 8;
    for (const [term, key] of this.#terms) {
      view.setUint32(offset, term, false);
      out.set(key, offset + 4);
      offset += 4 + AES_KEY_BYTES;
    }
    return out;
  }

  static deserialize(bytes: Uint8Array): Keyring {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 8) throw new Error('keyring too short');
    const activeTerm = view.getUint32(0, false);
    const count = view.getUint32(4, false);
    if (bytes.byteLength !== 8 + count * (4 + AES_KEY_BYTES)) throw new Error('keyring length mismatch');
    const terms = new Map<number, Uint8Array>();
    let offset = 8;
    for (let i = 0; i < count; i++) {
      const term = view.getUint32(offset, false);
      if (terms.has(term)) throw new Error('keyring has a duplicate term');
      terms.set(term, bytes.slice(offset + 4, offset + 4 + AES_KEY_BYTES));
      offset += 4 + AES_KEY_BYTES;
    }
    if (!terms.has(activeTerm)) throw new Error('keyring active term missing');
    return new Keyring(activeTerm, terms);
  }

  /** Zeroizes every term key (best effort, see crypto/wipe.ts). */
  wipe(): void {
    for (const key of this.#terms.values()) wipe(key);
  }
}
