/**
 * Key creation on SQLite, as the writer worker runs it (writer-worker.ts): a batch of new keys inside
 * the writer's transaction (one fsync), each in its own savepoint so a conflict fails only that key.
 */
import type Database from 'better-sqlite3';
import type { ConflictError, KeyRecord, KeyVersionRecord } from '../types.js';

/** A new key as plain data that survives postMessage (the row's column values). */
export interface KeyInsert {
  key: {
    id: string;
    name: string | null;
    type: string;
    origin: string;
    state: string;
    exportable: 0 | 1;
    publicKey: Uint8Array | null;
    kcv: Uint8Array | null;
    currentVersion: number;
    createdAt: string;
    description: string | null;
    tags: string;
    rotationPeriodDays: number | null;
    nextRotationAt: string | null;
    minDecryptionVersion: number;
    wallet: string | null;
    path: string | null;
    ethAddress: string | null;
  };
  version: { keyId: string; version: number; sealedMaterial: Uint8Array; createdAt: string };
}

/** null: written; otherwise the conflict, or the error of a failure that is not one. */
export type KeyInsertOutcome = null | { constraint: ConflictError['constraint'] } | { error: string; code?: string };

/** Bytes that own their buffer: postMessage clones a view's whole ArrayBuffer (Buffer's 8 KiB pool). */
function owned<T extends Uint8Array | null>(bytes: T): T {
  // Uint8Array.prototype.slice copies even for a Buffer (whose own slice() is a view).
  return (bytes === null || (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) ? bytes : Uint8Array.prototype.slice.call(bytes)) as T;
}

export function toKeyInsert(key: KeyRecord, version: KeyVersionRecord): KeyInsert {
  return {
    key: {
      id: key.id,
      name: key.name,
      type: key.type,
      origin: key.origin,
      state: key.state,
      exportable: key.exportable ? 1 : 0,
      publicKey: owned(key.publicKey),
      kcv: owned(key.kcv),
      currentVersion: key.currentVersion,
      createdAt: key.createdAt,
      description: key.description,
      tags: JSON.stringify(key.tags),
      rotationPeriodDays: key.rotationPeriodDays,
      nextRotationAt: key.nextRotationAt,
      minDecryptionVersion: key.minDecryptionVersion,
      wallet: key.wallet,
      path: key.path,
      ethAddress: key.ethereumAddress ?? null,
    },
    version: { keyId: version.keyId, version: version.version, sealedMaterial: owned(version.sealedMaterial), createdAt: version.createdAt },
  };
}

export function prepareKeyInserts(db: Database.Database) {
  const nameTaken = db.prepare('SELECT 1 FROM keys WHERE name = ? UNION ALL SELECT 1 FROM key_aliases WHERE alias = ?').pluck();
  const walletPathTaken = db.prepare('SELECT 1 FROM keys WHERE wallet_id = ? AND derivation_path = ?').pluck();
  const insertKey = db.prepare(`INSERT INTO keys (id, name, type, origin, state, exportable, public_key, kcv, current_version, created_at, description, tags, rotation_period_days, next_rotation_at, min_decryption_version, wallet_id, derivation_path, eth_address)
                                VALUES (@id, @name, @type, @origin, @state, @exportable, @publicKey, @kcv, @currentVersion, @createdAt, @description, @tags, @rotationPeriodDays, @nextRotationAt, @minDecryptionVersion, @wallet, @path, @ethAddress)`);
  const insertVersion = db.prepare('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES (?, ?, ?, ?)');

  const insertOne = db.transaction((item: KeyInsert): KeyInsertOutcome => {
    const { key, version } = item;
    if (key.name !== null && nameTaken.get(key.name, key.name) !== undefined) return { constraint: 'key_name' };
    insertKey.run(key);
    insertVersion.run(version.keyId, version.version, version.sealedMaterial, version.createdAt);
    return null;
  });
  const outcomeOf = (item: KeyInsert, err: unknown): KeyInsertOutcome => {
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return { constraint: item.key.wallet !== null && walletPathTaken.get(item.key.wallet, item.key.path) !== undefined ? 'wallet_path' : 'key_id' };
    }
    return { error: (err as Error).message, ...(typeof code === 'string' ? { code } : {}) };
  };
  const batch = db.transaction((items: KeyInsert[]): KeyInsertOutcome[] =>
    items.map((item) => {
      try {
        // A transaction function called inside another runs as a savepoint: a failure undoes only this key.
        return insertOne(item);
      } catch (err) {
        // The whole transaction was rolled back (not just this key's savepoint): fail the group.
        if (!db.inTransaction) throw err;
        return outcomeOf(item, err);
      }
    }),
  );
  return {
    /** Call inside the writer's transaction (it runs as a savepoint there). */
    insertBatch(items: KeyInsert[]): KeyInsertOutcome[] {
      return batch(items);
    },
  };
}
