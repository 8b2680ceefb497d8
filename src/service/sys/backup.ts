/**
 * Backup and restore. A backup is one file: a consistent snapshot of the whole database — every key,
 * secret, token hash, policy and audit record still sealed, plus the keyring sealed under the root
 * key and the root key sealed by its provider — and an HMAC-SHA256 over all of it under a key derived
 * from the root key (HKDF, "strongbox/backup/v1"). So a backup reveals nothing without the unseal
 * shares (or the HSM/KMS key), and only the installation's own root key can vouch for it.
 *
 * File layout v1: "STRONGBOX-BACKUP\n" | u32 BE header length | header JSON | database bytes | 32-byte MAC.
 * Restore happens offline into an empty data directory or an empty PostgreSQL database (every row
 * of the snapshot copied in one transaction), and the MAC is checked with the recovered root key
 * before a single byte is written.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrongboxError } from '../../protocol/errors.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { wipe } from '../../crypto/wipe.js';
import { deriveFromRootKey } from '../../keyring/barrier.js';
import type { SealConfig, UnsealProvider } from '../../providers/types.js';
import { SnapshotSchemaError, SnapshotUnsupportedError, StorageNotEmptyError, type Store } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';

const MAGIC = Buffer.from('STRONGBOX-BACKUP\n', 'ascii');
const MAC_INFO = 'strongbox/backup/v1';
const MAC_BYTES = 32;

export interface BackupHeader {
  v: 1;
  createdAt: string;
  sealType: string;
  databaseBytes: number;
}

function mac(key: Uint8Array, signed: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(signed).digest());
}

export async function createBackup(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now' | 'provider'>): Promise<Uint8Array> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const db = await ctx.store.snapshot().catch((err: unknown) => {
    if (err instanceof SnapshotUnsupportedError) throw new StrongboxError('BACKUP_UNSUPPORTED', err.message);
    throw err;
  });
  const header = Buffer.from(JSON.stringify({ v: 1, createdAt: ctx.now().toISOString(), sealType: ctx.provider.type, databaseBytes: db.byteLength } satisfies BackupHeader), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.byteLength);
  const signed = Buffer.concat([MAGIC, len, header, db]);
  const key = ctx.barrier.deriveKey(MAC_INFO);
  try {
    return new Uint8Array(Buffer.concat([signed, mac(key, signed)]));
  } finally {
    wipe(key);
  }
}

export function parseBackup(file: Uint8Array): { header: BackupHeader; database: Uint8Array; signed: Uint8Array; tag: Uint8Array } {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const bad = (why: string) => new StrongboxError('INVALID_ARGUMENT', `not a Strongbox backup: ${why}`, { field: 'backup' });
  if (buf.byteLength < MAGIC.byteLength + 4 + MAC_BYTES || !buf.subarray(0, MAGIC.byteLength).equals(MAGIC)) throw bad('missing header');
  const headerLen = buf.readUInt32BE(MAGIC.byteLength);
  const headerStart = MAGIC.byteLength + 4;
  if (headerLen > 4096 || headerStart + headerLen > buf.byteLength - MAC_BYTES) throw bad('header length out of range');
  let header: BackupHeader;
  try {
    header = JSON.parse(buf.subarray(headerStart, headerStart + headerLen).toString('utf8')) as BackupHeader;
  } catch {
    throw bad('header is not JSON');
  }
  if (header.v !== 1) throw bad(`unknown version ${String(header.v)}`);
  const dbStart = headerStart + headerLen;
  if (dbStart + header.databaseBytes !== buf.byteLength - MAC_BYTES) throw bad('length mismatch (truncated?)');
  return { header, database: file.subarray(dbStart, dbStart + header.databaseBytes), signed: file.subarray(0, buf.byteLength - MAC_BYTES), tag: file.subarray(buf.byteLength - MAC_BYTES) };
}

/**
 * Where a restore goes: an empty SQLite data directory, or an empty PostgreSQL database (app.ts wires
 * storage/sqlite/restore.ts or storage/postgres/import-sqlite.ts). Both throw StorageNotEmptyError
 * when it already holds an installation, and SnapshotSchemaError when the snapshot cannot be mapped.
 */
export interface RestoreTarget {
  /** the data directory, or the URL without its password (for messages and the result) */
  readonly name: string;
  /** the flag that named it, for errors */
  readonly field: 'dataDir' | 'storage';
  /** checked before the backup is opened, for an early clear error */
  assertEmpty(): Promise<void>;
  /** writes the verified snapshot (a SQLite database file), all or nothing, checking emptiness again */
  write(databaseFile: string): Promise<void>;
}

export interface RestoreParameters {
  backup: Uint8Array;
  target: RestoreTarget;
  /** the provider the backup's installation used (for Shamir: shares in `shares`) */
  provider: UnsealProvider;
  shares: Uint8Array[];
  /** opens a directory holding the snapshot's database file read-only */
  openStore: (dir: string) => Store;
  databaseFile: string;
}

export interface RestoreResult {
  header: BackupHeader;
  keys: number;
  /** the snapshot's schema version (a SQLite target migrates it on the server's first start; PostgreSQL is migrated by the restore) */
  schemaVersion: number;
}

/** Storage's refusals as the registry's errors, naming what was wrong. */
async function targetErrors<T>(target: RestoreTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StorageNotEmptyError) throw new StrongboxError('ALREADY_INITIALIZED', err.message, { field: target.field, cause: err });
    if (err instanceof SnapshotSchemaError) throw new StrongboxError('INVALID_ARGUMENT', `the backup cannot be restored here: ${err.message}`, { field: 'backup', cause: err });
    throw err;
  }
}

/**
 * Restores into an empty target after checking the backup's MAC with its recovered root key: the
 * snapshot is opened from a scratch copy (read-only), and nothing reaches the target before the MAC
 * verifies.
 */
export async function restoreBackup(params: RestoreParameters): Promise<RestoreResult> {
  const { header, database, signed, tag } = parseBackup(params.backup);
  const { target } = params;
  await targetErrors(target, () => target.assertEmpty());
  const scratch = mkdtempSync(join(tmpdir(), 'strongbox-restore-'));
  let rootKey: Uint8Array | undefined;
  try {
    const file = join(scratch, params.databaseFile);
    writeFileSync(file, database, { mode: 0o600 });
    let store: Store;
    try {
      store = params.openStore(scratch);
    } catch (err) {
      // The snapshot is not verified yet (its MAC needs the root key): a damaged file can fail as early
      // as opening it (SQLite reads its schema). That is the damage the MAC would have found.
      throw new StrongboxError('INTEGRITY_CHECK_FAILED', `the backup is damaged: its database cannot be opened (${(err as Error).message})`, { field: 'backup' });
    }
    let keys = 0;
    let schemaVersion = 0;
    try {
      const configRaw = await store.getSysValue(SYS.sealConfig);
      const sealedRootKey = await store.getSysValue(SYS.sealedRootKey);
      if (configRaw === undefined || sealedRootKey === undefined) throw new StrongboxError('INVALID_ARGUMENT', 'the backup holds no initialized installation', { field: 'backup' });
      const config = JSON.parse(Buffer.from(configRaw).toString('utf8')) as SealConfig;
      if (config.type !== params.provider.type) throw new StrongboxError('SEAL_TYPE_MISMATCH', `the backup was sealed with ${config.type}; restore with --seal ${config.type}`);
      try {
        rootKey = await params.provider.recover(sealedRootKey, { shares: params.shares }, config);
      } catch {
        throw new StrongboxError('UNSEAL_FAILED', `the ${config.type === 'shamir' ? 'shares given do' : `${config.type} provider does`} not recover this backup's root key`);
      }
      const key = deriveFromRootKey(rootKey, MAC_INFO);
      const ok = constantTimeEqual(mac(key, signed), tag);
      wipe(key);
      if (!ok) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'the backup failed its integrity check (altered or truncated)');
      keys = (await store.listKeys({ limit: 1000 })).keys.length;
      schemaVersion = await store.schemaVersion();
    } finally {
      await store.close();
    }
    await targetErrors(target, () => target.write(file));
    return { header, keys, schemaVersion };
  } finally {
    wipe(rootKey);
    rmSync(scratch, { recursive: true, force: true });
  }
}
