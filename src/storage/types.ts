/**
 * The storage seam: one async, backend-neutral interface. SQLite (embedded) implements it now;
 * PostgreSQL slots in later without the service layer changing. Storage sees only sealed bytes
 * and non-secret metadata — it imports nothing from crypto/, keyring/ or providers/.
 * Every implementation passes test/contract/store.contract.ts.
 */

import type { KeyType } from '../protocol/types.js';
export type { KeyType };
export type KeyOrigin = 'generated' | 'imported';
export type KeyState = 'enabled';

export interface KeyRecord {
  id: string;
  name: string | null;
  type: KeyType;
  origin: KeyOrigin;
  state: KeyState;
  /** raw public key (uncompressed SEC1 point for ECDSA, 32 bytes for Ed25519); null for symmetric keys */
  publicKey: Uint8Array | null;
  /** key check value for symmetric keys; null otherwise */
  kcv: Uint8Array | null;
  currentVersion: number;
  createdAt: string;
}

export interface KeyVersionRecord {
  keyId: string;
  version: number;
  /** the private/secret key, sealed by the barrier (envelope v1); storage cannot open it */
  sealedMaterial: Uint8Array;
  createdAt: string;
}

export interface ListKeysOptions {
  /** opaque cursor returned by the previous page */
  after?: string;
  limit: number;
}

export interface KeyPage {
  keys: KeyRecord[];
  nextCursor: string | null;
}

/** Thrown when a uniqueness constraint is violated; `constraint` names which one. */
export class ConflictError extends Error {
  readonly constraint: 'key_name' | 'key_id' | 'sys_value';
  constructor(constraint: ConflictError['constraint']) {
    super(`conflict on ${constraint}`);
    this.name = 'ConflictError';
    this.constraint = constraint;
  }
}

export interface Store {
  readonly kind: 'sqlite';
  /** Reads one system value (sealed root key, sealed keyring, seal config, token hashes). */
  getSysValue(name: string): Promise<Uint8Array | undefined>;
  /**
   * Writes all entries in one transaction, durable on return. With `ifAbsent`, writes nothing
   * and returns false when that entry already exists (used by init, which may happen only once).
   */
  putSysValues(entries: Record<string, Uint8Array>, options?: { ifAbsent?: string }): Promise<boolean>;
  /** Inserts a key and its first version atomically; durable on return. */
  createKey(key: KeyRecord, version: KeyVersionRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  getKeyByName(name: string): Promise<KeyRecord | undefined>;
  listKeys(options: ListKeysOptions): Promise<KeyPage>;
  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | undefined>;
  close(): Promise<void>;
}
