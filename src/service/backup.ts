/**
 * Backup and restore. A backup is one file: a consistent snapshot of the whole database — every key,
 * secret, token hash, policy and audit record still sealed, plus the keyring sealed under the root
 * key and the root key sealed by its provider — and an HMAC-SHA256 over all of it under a key derived
 * from the root key (HKDF, "strongbox/backup/v1"). So a backup reveals nothing without the unseal
 * shares (or the HSM/KMS key), and only the installation's own root key can vouch for it.
 *
 * File layout v1: "STRONGBOX-BACKUP\n" | u32 BE header length | header JSON | database bytes | 32-byte MAC.
 * Restore happens offline into an empty data directory, and the MAC is checked with the recovered
 * root key before a single byte is written.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrongboxError } from '../protocol/errors.js';
import { constantTimeEqual } from '../crypto/compare.js';
import { wipe } from '../crypto/wipe.js';
import { deriveFromRootKey } from '../keyring/barrier.js';
import type { SealConfig, UnsealProvider } from '../providers/types.js';
import { SnapshotUnsupportedError, type Store } from '../storage/types.js';
import type { ServiceContext } from './context.js';
import { SYS } from './context.js';

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

export interface RestoreParameters {
  backup: Uint8Array;
  dataDir: string;
  /** the provider the backup's installation used (for Shamir: shares in `shares`) */
  provider: UnsealProvider;
  shares: Uint8Array[];
  /** opens a directory holding strongbox.db read-only */
  openStore: (dir: string) => Store;
  databaseFile: string;
}

/** Restores into an empty data directory after checking the backup's MAC with its recovered root key. */
export async function restoreBackup(params: RestoreParameters): Promise<{ header: BackupHeader; keys: number }> {
  const { header, database, signed, tag } = parseBackup(params.backup);
  const target = join(params.dataDir, params.databaseFile);
  if (existsSync(target)) throw new StrongboxError('ALREADY_INITIALIZED', `${params.dataDir} already holds a database; restore into an empty directory`, { field: 'dataDir' });
  const scratch = mkdtempSync(join(tmpdir(), 'strongbox-restore-'));
  let rootKey: Uint8Array | undefined;
  try {
    writeFileSync(join(scratch, params.databaseFile), database, { mode: 0o600 });
    const store = params.openStore(scratch);
    let keys = 0;
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
    } finally {
      await store.close();
    }
    mkdirSync(params.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(target, database, { mode: 0o600, flag: 'wx' });
    return { header, keys };
  } finally {
    wipe(rootKey);
    rmSync(scratch, { recursive: true, force: true });
  }
}
