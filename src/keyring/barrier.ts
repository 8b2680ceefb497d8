/**
 * The barrier: while unsealed it holds the root key and the keyring in memory and seals/opens
 * records with them; while sealed it holds nothing and every operation fails with SEALED.
 * Storage never sees what passes through here in plaintext.
 */
import { hkdfSync } from 'node:crypto';
import { StrongboxError } from '../protocol/errors.js';
import { wipe } from '../crypto/wipe.js';
import { Keyring } from './keyring.js';
import { AeadAuthenticationError, EnvelopeFormatError, openEnvelope, readEnvelopeHeader, sealEnvelope } from './envelope.js';

/** AAD contexts of the two records sealed above the keyring. Frozen: changing them breaks every installation. */
export const ROOT_KEY_CONTEXT = 'strongbox/root-key';
export const KEYRING_CONTEXT = 'strongbox/keyring';
/** Term 0 marks an envelope sealed directly under the root key or an unseal key, not a keyring term. */
export const DIRECT_TERM = 0;

/** HKDF-SHA256 (RFC 5869) of the root key for one purpose; used by the barrier and by offline restore. */
export function deriveFromRootKey(rootKey: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', rootKey, new Uint8Array(0), info, 32));
}

export class Barrier {
  #rootKey: Uint8Array | undefined;
  #keyring: Keyring | undefined;
  readonly #sealListeners: (() => void)[] = [];

  get sealed(): boolean {
    return this.#keyring === undefined;
  }

  get activeTerm(): number | undefined {
    return this.#keyring?.activeTerm;
  }

  /** Opens the sealed keyring with the root key and starts serving. Takes ownership of rootKey. */
  unseal(rootKey: Uint8Array, sealedKeyring: Uint8Array): void {
    let plaintext: Uint8Array | undefined;
    try {
      plaintext = openEnvelope(rootKey, sealedKeyring, KEYRING_CONTEXT);
      const keyring = Keyring.deserialize(plaintext);
      this.seal();
      this.#rootKey = rootKey;
      this.#keyring = keyring;
    } catch (err) {
      wipe(rootKey);
      throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'the stored keyring failed its integrity check', { cause: err });
    } finally {
      wipe(plaintext);
    }
  }

  /**
   * A key derived from the root key for one purpose (HKDF-SHA256, RFC 5869), e.g. the MAC key of
   * backups: only an installation holding this root key can make or check it.
   */
  deriveKey(info: string): Uint8Array {
    this.#requireKeyring();
    return deriveFromRootKey(this.#rootKey!, info);
  }

  /** Whether the keyring in memory has this term (another node may have rotated since we unsealed). */
  hasTerm(term: number): boolean {
    return this.#keyring?.termKey(term) !== undefined;
  }

  /** A keyring with one more term, and its sealed form to store; adopt it after the store write. */
  rotatedKeyring(): { keyring: Keyring; sealed: Uint8Array } {
    const keyring = this.#requireKeyring().withNewTerm();
    return { keyring, sealed: Barrier.sealKeyring(this.#rootKey!, keyring) };
  }

  /** Starts using a keyring produced by rotatedKeyring (it shares the older terms' keys, so nothing is wiped). */
  adoptKeyring(keyring: Keyring): void {
    this.#requireKeyring();
    this.#keyring = keyring;
  }

  /** Opens a keyring another node stored (same root key) and adopts it if it is newer. */
  reloadKeyring(sealedKeyring: Uint8Array): void {
    this.#requireKeyring();
    let plaintext: Uint8Array | undefined;
    try {
      plaintext = openEnvelope(this.#rootKey!, sealedKeyring, KEYRING_CONTEXT);
      const keyring = Keyring.deserialize(plaintext);
      if (keyring.activeTerm > this.#keyring!.activeTerm) {
        this.#keyring!.wipe();
        this.#keyring = keyring;
      } else {
        keyring.wipe();
      }
    } catch (err) {
      throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'the stored keyring failed its integrity check', { cause: err });
    } finally {
      wipe(plaintext);
    }
  }

  /** Zeroizes the root key, the keyring and (through listeners) every cached key. Idempotent. */
  seal(): void {
    const wasUnsealed = this.#keyring !== undefined;
    this.#keyring?.wipe();
    wipe(this.#rootKey);
    this.#keyring = undefined;
    this.#rootKey = undefined;
    if (wasUnsealed) for (const listener of this.#sealListeners) listener();
  }

  onSeal(listener: () => void): void {
    this.#sealListeners.push(listener);
  }

  #requireKeyring(): Keyring {
    if (this.#keyring === undefined) throw new StrongboxError('SEALED');
    return this.#keyring;
  }

  /** Seals plaintext under the active keyring term, bound to `context` (the record identity). */
  encrypt(plaintext: Uint8Array, context: string): Uint8Array {
    const keyring = this.#requireKeyring();
    return sealEnvelope(keyring.termKey(keyring.activeTerm)!, keyring.activeTerm, plaintext, context);
  }

  /** Opens an envelope; a tampered or misplaced blob raises INTEGRITY_CHECK_FAILED (DATA_LOSS). */
  decrypt(envelope: Uint8Array, context: string): Uint8Array {
    const keyring = this.#requireKeyring();
    try {
      const { term } = readEnvelopeHeader(envelope);
      const key = keyring.termKey(term);
      if (key === undefined) throw new EnvelopeFormatError(`unknown keyring term ${term}`);
      return openEnvelope(key, envelope, context);
    } catch (err) {
      if (err instanceof EnvelopeFormatError || err instanceof AeadAuthenticationError) {
        throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'stored key material failed its integrity check', { cause: err });
      }
      throw err;
    }
  }

  /** Seals a new keyring under a root key (at init; later at rotation). */
  static sealKeyring(rootKey: Uint8Array, keyring: Keyring): Uint8Array {
    const plaintext = keyring.serialize();
    try {
      return sealEnvelope(rootKey, DIRECT_TERM, plaintext, KEYRING_CONTEXT);
    } finally {
      wipe(plaintext);
    }
  }
}
