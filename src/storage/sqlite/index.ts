/**
 * SQLite implementation of the Store (better-sqlite3). WAL journal with synchronous=FULL, so a
 * committed transaction is on disk (fsynced) before the call returns — the durability the API
 * promises before it answers 201. better-sqlite3 is synchronous; the async interface keeps the
 * seam identical to the PostgreSQL backend.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConflictError, type AuditBuilder, type AuditHead, type AuditRow, type AwsCredentialRecord, type KeyPatch, type KeyState, type SecretVersionRecord, type KeyPage, type KeyRecord, type KeyVersionRecord, type ListKeysOptions, type SealedReplacement, type Store, type TokenRecord, type WalletRecord } from '../types.js';
import { KEY_PATCH_COLUMNS, toAwsCredentialRecord, toKeyRecord, toTokenRecord, toWalletRecord, type AwsCredentialRow, type KeyRow, type TokenRow, type WalletRow } from '../rows.js';
import { migrations } from './migrations.js';
import { transactionRuleMethods } from './transaction-rules.js';
import { toKeyInsert } from './key-insert.js';
import type { AuditBatchMessage, KeyBatchMessage, WriterReply } from './writer-worker.js';
import { nonceLeaseMethods } from './nonce-leases.js';
import { kmipObjectMethods } from './kmip-objects.js';
import { keyCertificateMethods } from './key-certificates.js';
import { appKeyMethods } from './app-keys.js';
import { musig2SessionMethods } from './musig2-sessions.js';

export const SQLITE_FILE = 'strongbox.db';

/** Every key read includes its aliases (a JSON array, null when none). */
const KEY_SELECT = `SELECT k.*, (SELECT json_group_array(alias) FROM key_aliases a WHERE a.key_id = k.id HAVING count(*) > 0) AS aliases FROM keys k`;

/**
 * The writer worker (writer-worker.ts): a worker thread with its own connection that makes the
 * group-committed writes, so their fsyncs never block the main event loop. Started on first use;
 * it keeps the process alive only while a request is in flight.
 */
function createWriter(file: string) {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (reply: Exclude<WriterReply, 'closed'>) => void; reject: (e: Error) => void }>();
  const start = (): Worker => {
    const w = new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: { file } });
    w.on('message', (msg: WriterReply) => {
      if (msg === 'closed') return;
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      // Idle: the worker need not keep the process alive — except while closing, until it says 'closed'.
      if (pending.size === 0 && !closed) w.unref();
      p?.resolve(msg);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      worker = undefined;
    });
    w.unref();
    return w;
  };
  let closed = false;
  return {
    request(msg: DistributiveOmit<AuditBatchMessage | KeyBatchMessage, 'id'>): Promise<Exclude<WriterReply, 'closed'>> {
      if (closed) return Promise.reject(new Error('the SQLite store is closed'));
      worker ??= start();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.ref();
        worker!.postMessage({ ...msg, id });
      });
    },
    /** Final: later requests are refused. Queued messages are written first (the worker takes them in order). */
    async close(): Promise<void> {
      closed = true;
      const w = worker;
      worker = undefined;
      if (w === undefined) return;
      w.ref();
      await new Promise<void>((resolve) => {
        w.once('exit', () => {
          for (const p of pending.values()) p.reject(new Error('the SQLite writer stopped before answering'));
          pending.clear();
          resolve();
        });
        w.on('message', (msg: WriterReply) => {
          if (msg === 'closed') void w.terminate();
        });
        w.postMessage('close');
      });
    },
  };
}

/** An audit_records row as better-sqlite3 returns it (head_signature: migration 12). */
interface AuditRowSql {
  seq: number;
  record: string;
  hash: Buffer;
  /** absent when a read-only tool opens a database not yet at migration 12 */
  head_signature?: Buffer | null;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Appends audit batches through the writer. The chain head is remembered between appends (one
 * writer is the common case: no read per batch); the worker checks it under the write lock, and
 * when another writer moved it the batch is rebuilt on the head read from the database and tried
 * again. Appends are serialized.
 */
function createAuditAppender(writer: ReturnType<typeof createWriter>, readHead: () => AuditHead | undefined) {
  /** the head after our last append; null when unknown (read it under the next append) */
  let knownHead: AuditHead | undefined | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const post = async (rows: AuditRow[], expect: AuditHead | undefined): Promise<boolean> => {
    const reply = await writer.request({ op: 'audit', rows, expect: expect ?? null });
    if (reply.error !== undefined) throw reply.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? new ConflictError('audit_seq') : new Error(`audit append failed: ${reply.error}`);
    return reply.stale === true;
  };
  const appendOnce = async (build: AuditBuilder): Promise<AuditRow[]> => {
    for (let attempt = 0; ; attempt++) {
      const head = knownHead === null ? readHead() : knownHead;
      const rows = build(head);
      let stale: boolean;
      try {
        stale = await post(rows, head);
      } catch (err) {
        knownHead = null;
        throw err;
      }
      if (!stale) {
        knownHead = rows.length > 0 ? { seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash } : head;
        return rows;
      }
      knownHead = null;
      if (attempt >= 1000) throw new Error('audit append failed: the chain head kept moving');
    }
  };
  return {
    append(build: AuditBuilder): Promise<AuditRow[]> {
      const result = queue.then(() => appendOnce(build));
      queue = result.catch(() => undefined);
      return result;
    },
    /** resolves when every append made so far has settled */
    async drain(): Promise<void> {
      await queue;
    },
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}

/**
 * Makes the database file and its -wal and -shm owner-only (0600), whatever the umask: the file is
 * created 0600 before SQLite opens it, and SQLite creates the -wal and -shm with the database file's own
 * mode (unix VFS: findCreateFileMode, unixOpenSharedMemory); files an older release left 0644 are
 * tightened. They hold only sealed bytes, but also token hashes, policies and the audit log.
 */
function restrictDatabaseFiles(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = statSync(f).mode & 0o777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (mode !== 0o600) chmodSync(f, 0o600);
  }
}

export function openSqliteStore(dataDir: string, options: { readonly?: boolean } = {}): Store {
  const file = join(dataDir, SQLITE_FILE);
  let db: Database.Database;
  if (options.readonly) {
    // For offline tools (audit verify/export), also while the server runs: WAL readers never block it.
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // Offline tools also open files not yet verified (a backup's snapshot before its MAC is checked):
    // no function call from the file's schema (views, triggers, defaults) may run.
    db.pragma('trusted_schema = OFF');
  } else {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    restrictDatabaseFiles(file);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Deleted content (destroyed key material) is overwritten with zeros, not left in free pages.
    db.pragma('secure_delete = ON');
    migrate(db);
  }

  const stmts = {
    getSys: db.prepare('SELECT value FROM sys_values WHERE name = ?').pluck(),
    putSys: db.prepare('INSERT INTO sys_values (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
    insertKey: db.prepare(`INSERT INTO keys (id, name, type, origin, state, exportable, public_key, kcv, current_version, created_at, description, tags, rotation_period_days, next_rotation_at, min_decryption_version, wallet_id, derivation_path, eth_address)
                           VALUES (@id, @name, @type, @origin, @state, @exportable, @publicKey, @kcv, @currentVersion, @createdAt, @description, @tags, @rotationPeriodDays, @nextRotationAt, @minDecryptionVersion, @wallet, @path, @ethAddress)`),
    getKeyByWalletPath: db.prepare(`${KEY_SELECT} WHERE k.wallet_id = ? AND k.derivation_path = ?`),
    insertWallet: db.prepare('INSERT INTO wallets (id, name, origin, sealed_seed, created_at) VALUES (@id, @name, @origin, @sealedSeed, @createdAt)'),
    getWallet: db.prepare('SELECT * FROM wallets WHERE id = ?'),
    getWalletByName: db.prepare('SELECT * FROM wallets WHERE name = ?'),
    listWallets: db.prepare('SELECT * FROM wallets WHERE seq > ? ORDER BY seq LIMIT ?'),
    replaceWalletSeed: db.prepare('UPDATE wallets SET sealed_seed = ? WHERE id = ? AND sealed_seed = ?'),
    insertVersion: db.prepare('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES (?, ?, ?, ?)'),
    getKey: db.prepare(`${KEY_SELECT} WHERE k.id = ?`),
    getKeyByName: db.prepare(`${KEY_SELECT} WHERE k.name = ?`),
    getKeyByEthereumAddress: db.prepare(`${KEY_SELECT} WHERE k.eth_address = ? ORDER BY k.state = 'enabled' DESC, k.seq LIMIT 1`),
    missingEthereumAddress: db.prepare(`SELECT id, public_key FROM keys WHERE type = 'secp256k1' AND eth_address IS NULL AND public_key IS NOT NULL`),
    setEthereumAddress: db.prepare('UPDATE keys SET eth_address = ? WHERE id = ? AND eth_address IS NULL'),
    getKeyByAlias: db.prepare(`${KEY_SELECT} WHERE k.id = (SELECT key_id FROM key_aliases WHERE alias = ?)`),
    listKeys: db.prepare(`${KEY_SELECT} WHERE k.seq > ? ORDER BY k.seq LIMIT ?`),
    aliasExists: db.prepare('SELECT 1 FROM key_aliases WHERE alias = ?').pluck(),
    insertAlias: db.prepare('INSERT INTO key_aliases (alias, key_id, created_at) VALUES (?, ?, ?)'),
    deleteAlias: db.prepare('DELETE FROM key_aliases WHERE alias = ? AND key_id = ?'),
    updateVersion: db.prepare('UPDATE keys SET current_version = ?, next_rotation_at = ? WHERE id = ? AND current_version = ?'),
    eraseMaterial: db.prepare('DELETE FROM key_versions WHERE key_id = ?'),
    destroyKey: db.prepare(`UPDATE keys SET state = 'destroyed', deletion_date = NULL, next_rotation_at = NULL WHERE id = ? AND state = 'pending_deletion' AND deletion_date <= ?`),
    dueDestroy: db.prepare(`SELECT id FROM keys WHERE state = 'pending_deletion' AND deletion_date <= ?`).pluck(),
    dueRotate: db.prepare(`SELECT id FROM keys WHERE state = 'enabled' AND next_rotation_at <= ?`).pluck(),
    getVersion: db.prepare('SELECT * FROM key_versions WHERE key_id = ? AND version = ?'),
    tokenByHash: db.prepare('SELECT * FROM tokens WHERE token_hash = ?'),
    tokenByAccessor: db.prepare('SELECT * FROM tokens WHERE accessor = ?'),
    consumeUse: db.prepare('UPDATE tokens SET num_uses_left = num_uses_left - 1 WHERE accessor = ? AND num_uses_left > 0'),
    setExpiry: db.prepare('UPDATE tokens SET expires_at = ? WHERE accessor = ?'),
    tokenTree: db.prepare(`WITH RECURSIVE tree(accessor) AS (SELECT accessor FROM tokens WHERE accessor = ?
                             UNION SELECT t.accessor FROM tokens t JOIN tree ON t.parent_accessor = tree.accessor)
                           SELECT accessor FROM tree`).pluck(),
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE accessor = ? AND revoked_at IS NULL'),
    liveTokens: db.prepare('SELECT * FROM tokens WHERE revoked_at IS NULL'),
    putPolicy: db.prepare('INSERT INTO policies (name, document, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at'),
    getPolicy: db.prepare('SELECT * FROM policies WHERE name = ?'),
    deletePolicy: db.prepare('DELETE FROM policies WHERE name = ?'),
    listPolicies: db.prepare('SELECT * FROM policies ORDER BY name'),
    insertAwsCredential: db.prepare(`INSERT INTO aws_credentials (access_key_id, sealed_secret, subject, policies, parent_accessor, created_at, expires_at, revoked_at)
                                     VALUES (@accessKeyId, @sealedSecret, @subject, @policies, @parentAccessor, @createdAt, @expiresAt, @revokedAt)`),
    awsCredential: db.prepare('SELECT * FROM aws_credentials WHERE access_key_id = ?'),
    listAwsCredentials: db.prepare('SELECT * FROM aws_credentials WHERE access_key_id > ? ORDER BY access_key_id LIMIT ?'),
    revokeAwsCredential: db.prepare('UPDATE aws_credentials SET revoked_at = ? WHERE access_key_id = ? AND revoked_at IS NULL'),
    revokeAwsCredentialsOf: db.prepare('UPDATE aws_credentials SET revoked_at = ? WHERE parent_accessor = ? AND revoked_at IS NULL'),
    replaceAwsCredentialSecret: db.prepare('UPDATE aws_credentials SET sealed_secret = ? WHERE access_key_id = ? AND sealed_secret = ?'),
    secretMeta: db.prepare('SELECT * FROM secrets WHERE path = ?'),
    insertSecret: db.prepare('INSERT INTO secrets (path, current_version, created_at, updated_at) VALUES (?, ?, ?, ?)'),
    bumpSecret: db.prepare('UPDATE secrets SET current_version = ?, updated_at = ? WHERE path = ?'),
    insertSecretVersion: db.prepare('INSERT INTO secret_versions (path, version, sealed_value, created_at) VALUES (?, ?, ?, ?)'),
    secretVersion: db.prepare('SELECT * FROM secret_versions WHERE path = ? AND version = ?'),
    secretVersions: db.prepare('SELECT * FROM secret_versions WHERE path = ? ORDER BY version'),
    setDeleted: db.prepare('UPDATE secret_versions SET deleted_at = ? WHERE path = ? AND version = ? AND destroyed = 0'),
    destroyVersion: db.prepare('UPDATE secret_versions SET sealed_value = NULL, destroyed = 1 WHERE path = ? AND version = ? AND destroyed = 0'),
    deleteVersions: db.prepare('DELETE FROM secret_versions WHERE path = ?'),
    deleteSecretRow: db.prepare('DELETE FROM secrets WHERE path = ?'),
    listSecretPaths: db.prepare('SELECT path FROM secrets WHERE substr(path, 1, length(?)) = ? AND path > ? ORDER BY path LIMIT ?').pluck(),
    scanVersions: db.prepare('SELECT * FROM key_versions WHERE key_id > ? OR (key_id = ? AND version > ?) ORDER BY key_id, version LIMIT ?'),
    replaceMaterial: db.prepare('UPDATE key_versions SET sealed_material = ? WHERE key_id = ? AND version = ? AND sealed_material = ?'),
    scanSecretVersions: db.prepare('SELECT * FROM secret_versions WHERE sealed_value IS NOT NULL AND (path > ? OR (path = ? AND version > ?)) ORDER BY path, version LIMIT ?'),
    replaceSecretValue: db.prepare('UPDATE secret_versions SET sealed_value = ? WHERE path = ? AND version = ? AND sealed_value = ?'),
    auditHead: db.prepare('SELECT * FROM audit_records ORDER BY seq DESC LIMIT 1'),
    readAudit: db.prepare('SELECT * FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?'),
    insertCheckpoint: db.prepare('INSERT INTO audit_checkpoints (seq, checkpoint) VALUES (?, ?)'),
    listCheckpoints: db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq'),
  };
  const updateKey = db.transaction((id: string, patch: KeyPatch, expectStates: readonly KeyState[] | undefined): KeyRow | undefined => {
    if (expectStates !== undefined) {
      const current = stmts.getKey.get(id) as KeyRow | undefined;
      if (current === undefined) return undefined;
      if (!expectStates.includes(current.state)) throw new ConflictError('key_state');
    }
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof KeyPatch, unknown][];
    if (entries.length > 0) {
      const sets = entries.map(([k]) => `${KEY_PATCH_COLUMNS[k]} = ?`).join(', ');
      db.prepare(`UPDATE keys SET ${sets} WHERE id = ?`).run(...entries.map(([k, v]) => (k === 'tags' ? JSON.stringify(v) : v)), id);
    }
    return stmts.getKey.get(id) as KeyRow | undefined;
  });
  const addVersion = db.transaction((v: KeyVersionRecord, nextRotationAt: string | null) => {
    if (stmts.updateVersion.run(v.version, nextRotationAt, v.keyId, v.version - 1).changes !== 1) throw new ConflictError('key_version');
    stmts.insertVersion.run(v.keyId, v.version, v.sealedMaterial, v.createdAt);
  });
  const destroy = db.transaction((id: string, now: string): boolean => {
    if (stmts.destroyKey.run(id, now).changes !== 1) return false;
    stmts.eraseMaterial.run(id);
    return true;
  });
  const putSecret = db.transaction((path: string, seal: (version: number) => Uint8Array, at: string, cas: number | undefined): number => {
    const meta = stmts.secretMeta.get(path) as { current_version: number } | undefined;
    const current = meta?.current_version ?? 0;
    if (cas !== undefined && cas !== current) throw new ConflictError('secret_cas');
    const version = current + 1;
    if (meta === undefined) stmts.insertSecret.run(path, version, at, at);
    else stmts.bumpSecret.run(version, at, path);
    stmts.insertSecretVersion.run(path, version, seal(version), at);
    return version;
  });
  const setDeleted = db.transaction((path: string, versions: number[], at: string | null) => versions.reduce((n, v) => n + stmts.setDeleted.run(at, path, v).changes, 0));
  const destroyVersions = db.transaction((path: string, versions: number[]) => versions.reduce((n, v) => n + stmts.destroyVersion.run(path, v).changes, 0));
  const deleteSecret = db.transaction((path: string) => {
    stmts.deleteVersions.run(path);
    return stmts.deleteSecretRow.run(path).changes > 0;
  });
  const toSecretVersion = (r: { version: number; sealed_value: Buffer | null; created_at: string; deleted_at: string | null; destroyed: number }): SecretVersionRecord => ({
    version: r.version,
    sealedValue: r.sealed_value === null ? null : new Uint8Array(r.sealed_value),
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
    destroyed: r.destroyed === 1,
  });
  const addAlias = db.transaction((keyId: string, alias: string, at: string) => {
    if (stmts.aliasExists.get(alias) !== undefined || stmts.getKeyByName.get(alias) !== undefined) throw new ConflictError('key_alias');
    stmts.insertAlias.run(alias, keyId, at);
  });
  const revokeTree = db.transaction((accessor: string, at: string): string[] => {
    const tree = stmts.tokenTree.all(accessor) as string[];
    // The AWS credentials a token created go with it, in the same transaction.
    for (const a of tree) stmts.revokeAwsCredentialsOf.run(at, a);
    return tree.filter((a) => stmts.revoke.run(at, a).changes > 0);
  });
  // Prepared on first use: a read-only tool (audit verify/export) may open a file not yet at migration 13,
  // whose tokens table lacks max_expires_at and renewable; it never mints a token.
  let insertToken: Database.Statement | undefined;
  const toAuditRow = (r: AuditRowSql): AuditRow => ({ seq: r.seq, record: r.record, hash: new Uint8Array(r.hash), ...(r.head_signature == null ? {} : { headSignature: new Uint8Array(r.head_signature) }) });
  const replaceMaterials = db.transaction((items: readonly SealedReplacement<{ keyId: string; version: number }>[]) => items.map((i) => stmts.replaceMaterial.run(i.next, i.keyId, i.version, i.expected).changes === 1));
  const replaceSecretValues = db.transaction((items: readonly SealedReplacement<{ path: string; version: number }>[]) => items.map((i) => stmts.replaceSecretValue.run(i.next, i.path, i.version, i.expected).changes === 1));
  const writer = createWriter(file);
  const audit = createAuditAppender(writer, () => {
    const r = stmts.auditHead.get() as { seq: number; record: string; hash: Buffer } | undefined;
    return r && { seq: r.seq, hash: new Uint8Array(r.hash) };
  });

  const putSysValues = db.transaction((entries: Record<string, Uint8Array>, ifAbsent: string | undefined): boolean => {
    if (ifAbsent !== undefined && stmts.getSys.get(ifAbsent) !== undefined) return false;
    for (const [name, value] of Object.entries(entries)) stmts.putSys.run(name, value);
    return true;
  });

  interface PendingKey {
    key: KeyRecord;
    version: KeyVersionRecord;
    resolve(): void;
    reject(err: unknown): void;
  }
  let pendingKeys: PendingKey[] = [];
  let keyFlushScheduled = false;
  /** the batch being written; creations arriving meanwhile wait for it and form the next batch */
  let keysInFlight: Promise<void> | undefined;
  const flushKeys = (): void => {
    keyFlushScheduled = false;
    if (keysInFlight !== undefined || pendingKeys.length === 0) return;
    const items = pendingKeys;
    pendingKeys = [];
    keysInFlight = writer.request({ op: 'keys', items: items.map((i) => toKeyInsert(i.key, i.version)) }).then(
      (reply) => {
        items.forEach((item, i) => {
          const outcome = reply.error === undefined ? reply.outcomes?.[i] : { error: reply.error };
          if (outcome === null) item.resolve();
          else if (outcome === undefined) item.reject(new Error('key creation failed: no outcome from the writer'));
          else if ('constraint' in outcome) item.reject(new ConflictError(outcome.constraint));
          else item.reject(new Error(`key creation failed: ${outcome.error}`));
        });
      },
      (err: unknown) => items.forEach((item) => item.reject(err)),
    );
    void keysInFlight.finally(() => {
      keysInFlight = undefined;
      flushKeys();
    });
  };

  return {
    kind: 'sqlite',
    ...transactionRuleMethods(db),
    ...nonceLeaseMethods(db),
    ...kmipObjectMethods(db),
    ...keyCertificateMethods(db),
    ...appKeyMethods(db),
    ...musig2SessionMethods(db),
    async getSysValue(name) {
      const v = stmts.getSys.get(name) as Buffer | undefined;
      return v === undefined ? undefined : new Uint8Array(v);
    },
    async putSysValues(entries, options = {}) {
      return putSysValues.immediate(entries, options.ifAbsent);
    },
    async createKey(key, version) {
      // Group commit: creations arriving in the same event-loop turn share one transaction (one
      // fsync), each inside its own savepoint so a conflict fails only that key. Durable on resolve.
      await new Promise<void>((resolve, reject) => {
        pendingKeys.push({ key, version, resolve, reject });
        if (!keyFlushScheduled) {
          keyFlushScheduled = true;
          setImmediate(flushKeys);
        }
      });
    },
    async createWallet(wallet) {
      try {
        stmts.insertWallet.run(wallet);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(wallet.name !== null && stmts.getWalletByName.get(wallet.name) !== undefined ? 'wallet_name' : 'key_id');
        throw err;
      }
    },
    async getWallet(id) {
      const r = stmts.getWallet.get(id) as WalletRow | undefined;
      return r && toWalletRecord(r);
    },
    async getWalletByName(name) {
      const r = stmts.getWalletByName.get(name) as WalletRow | undefined;
      return r && toWalletRecord(r);
    },
    async listWallets({ after, limit }) {
      const seq = after === undefined ? 0 : Number.parseInt(after, 10);
      const rows = stmts.listWallets.all(Number.isSafeInteger(seq) ? seq : 0, limit + 1) as WalletRow[];
      const page = rows.slice(0, limit);
      return { wallets: page.map(toWalletRecord), nextCursor: rows.length > limit ? String(page.at(-1)!.seq) : null };
    },
    async replaceWalletSeed(id, expected, next) {
      return stmts.replaceWalletSeed.run(next, id, expected).changes === 1;
    },
    async getKeyByWalletPath(walletId, path) {
      const r = stmts.getKeyByWalletPath.get(walletId, path) as KeyRow | undefined;
      return r && toKeyRecord(r);
    },
    async getKey(id) {
      const row = stmts.getKey.get(id) as KeyRow | undefined;
      return row && toKeyRecord(row);
    },
    async getKeyByEthereumAddress(address) {
      const row = stmts.getKeyByEthereumAddress.get(address) as KeyRow | undefined;
      return row && toKeyRecord(row);
    },
    async backfillEthereumAddresses(compute) {
      const rows = stmts.missingEthereumAddress.all() as { id: string; public_key: Buffer }[];
      if (rows.length === 0) return 0;
      db.transaction(() => {
        for (const r of rows) stmts.setEthereumAddress.run(compute(new Uint8Array(r.public_key)), r.id);
      }).immediate();
      return rows.length;
    },
    async getKeyByName(name) {
      const row = stmts.getKeyByName.get(name) as KeyRow | undefined;
      return row && toKeyRecord(row);
    },
    async listKeys(options: ListKeysOptions): Promise<KeyPage> {
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const rows = stmts.listKeys.all(Number.isSafeInteger(after) ? after : 0, options.limit + 1) as KeyRow[];
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { keys: page.map(toKeyRecord), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
    async locateKmipKeys(filter, options): Promise<KeyPage> {
      // Dynamic only in the number of placeholders; every value is bound. keys_type_seq, keys_state_seq
      // and kmip_names (migration 20) serve the conditions.
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const where: string[] = ['k.seq > ?'];
      const values: unknown[] = [Number.isSafeInteger(after) ? after : 0];
      if (filter.types !== undefined) {
        where.push(`k.type IN (${filter.types.map(() => '?').join(', ') || 'NULL'})`);
        values.push(...filter.types);
      }
      if (filter.states !== undefined) {
        where.push(`k.state IN (${filter.states.map(() => '?').join(', ') || 'NULL'})`);
        values.push(...filter.states);
      }
      if (filter.name !== undefined) {
        where.push('(k.name = ? OR k.id IN (SELECT key_id FROM kmip_names WHERE name = ?))');
        values.push(filter.name, filter.name);
      }
      const rows = db.prepare(`${KEY_SELECT} WHERE ${where.join(' AND ')} ORDER BY k.seq LIMIT ?`).all(...values, options.limit + 1) as KeyRow[];
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { keys: page.map(toKeyRecord), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
    async getKeyVersion(keyId, version) {
      const row = stmts.getVersion.get(keyId, version) as { key_id: string; version: number; sealed_material: Buffer; created_at: string } | undefined;
      return row && { keyId: row.key_id, version: row.version, sealedMaterial: new Uint8Array(row.sealed_material), createdAt: row.created_at };
    },
    async getKeyByAlias(alias) {
      const row = stmts.getKeyByAlias.get(alias) as KeyRow | undefined;
      return row && toKeyRecord(row);
    },
    async updateKey(id, patch, expectStates) {
      const row = updateKey.immediate(id, patch, expectStates);
      return row && toKeyRecord(row);
    },
    async addKeyVersion(version, nextRotationAt) {
      addVersion.immediate(version, nextRotationAt);
    },
    async destroyKeyMaterial(id, now) {
      if (!destroy.immediate(id, now)) return false;
      // Old WAL frames still hold the sealed blobs until the WAL is checkpointed and truncated.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return true;
    },
    async addKeyAlias(keyId, alias, createdAt) {
      addAlias.immediate(keyId, alias, createdAt);
    },
    async removeKeyAlias(keyId, alias) {
      return stmts.deleteAlias.run(alias, keyId).changes > 0;
    },
    async listKeysDue(now) {
      return { toDestroy: stmts.dueDestroy.all(now) as string[], toRotate: stmts.dueRotate.all(now) as string[] };
    },
    async putSecretVersion(path, seal, createdAt, cas) {
      return putSecret.immediate(path, seal, createdAt, cas);
    },
    async getSecretVersion(path, version) {
      const v = version ?? (stmts.secretMeta.get(path) as { current_version: number } | undefined)?.current_version;
      if (v === undefined) return undefined;
      const r = stmts.secretVersion.get(path, v) as Parameters<typeof toSecretVersion>[0] | undefined;
      return r && toSecretVersion(r);
    },
    async listSecretVersions(path) {
      return (stmts.secretVersions.all(path) as Parameters<typeof toSecretVersion>[0][]).map(toSecretVersion);
    },
    async setSecretVersionsDeleted(path, versions, deletedAt) {
      return setDeleted.immediate(path, versions, deletedAt);
    },
    async destroySecretVersions(path, versions) {
      const n = destroyVersions.immediate(path, versions);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return n;
    },
    async deleteSecret(path) {
      const deleted = deleteSecret.immediate(path);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return deleted;
    },
    async listSecretPaths(prefix, after, limit) {
      return stmts.listSecretPaths.all(prefix, prefix, after ?? '', limit) as string[];
    },
    async scanKeyVersions(after, limit) {
      const rows = stmts.scanVersions.all(after?.keyId ?? '', after?.keyId ?? '', after?.version ?? 0, limit) as { key_id: string; version: number; sealed_material: Buffer; created_at: string }[];
      return rows.map((r) => ({ keyId: r.key_id, version: r.version, sealedMaterial: new Uint8Array(r.sealed_material), createdAt: r.created_at }));
    },
    async replaceKeyVersionMaterials(items) {
      return replaceMaterials.immediate(items);
    },
    async scanSecretVersions(after, limit) {
      const rows = stmts.scanSecretVersions.all(after?.path ?? '', after?.path ?? '', after?.version ?? 0, limit) as (Parameters<typeof toSecretVersion>[0] & { path: string })[];
      return rows.map((r) => ({ path: r.path, ...toSecretVersion(r) }));
    },
    async replaceSecretVersionValues(items) {
      return replaceSecretValues.immediate(items);
    },
    async createToken(t) {
      try {
        insertToken ??= db.prepare(`INSERT INTO tokens (accessor, token_hash, name, subject, policies, parent_accessor, created_at, expires_at, max_expires_at, renewable, ttl_seconds, num_uses_left, rate_per_second, rate_burst, revoked_at, bind_caller)
                             VALUES (@accessor, @tokenHash, @name, @subject, @policies, @parentAccessor, @createdAt, @expiresAt, @maxExpiresAt, @renewable, @ttlSeconds, @numUsesLeft, @ratePerSecond, @rateBurst, @revokedAt, @bindCaller)`);
        insertToken.run({ ...t, policies: JSON.stringify(t.policies), renewable: t.renewable ? 1 : 0, bindCaller: t.bindCaller === null ? null : JSON.stringify(t.bindCaller) });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError('token');
        throw err;
      }
    },
    async getTokenByHash(hash) {
      const r = stmts.tokenByHash.get(hash) as TokenRow | undefined;
      return r && toTokenRecord(r);
    },
    async getTokenByAccessor(accessor) {
      const r = stmts.tokenByAccessor.get(accessor) as TokenRow | undefined;
      return r && toTokenRecord(r);
    },
    async consumeTokenUse(accessor) {
      return stmts.consumeUse.run(accessor).changes === 1;
    },
    async setTokenExpiry(accessor, expiresAt) {
      stmts.setExpiry.run(expiresAt, accessor);
    },
    async revokeTokenTree(accessor, revokedAt) {
      return revokeTree.immediate(accessor, revokedAt);
    },
    async listTokensWithPolicies(policies) {
      return (stmts.liveTokens.all() as TokenRow[]).map(toTokenRecord).filter((t) => t.policies.some((p) => policies.includes(p)));
    },
    async putPolicy(p) {
      stmts.putPolicy.run(p.name, p.document, p.updatedAt);
    },
    async getPolicy(name) {
      const r = stmts.getPolicy.get(name) as { name: string; document: string; updated_at: string } | undefined;
      return r && { name: r.name, document: r.document, updatedAt: r.updated_at };
    },
    async deletePolicy(name) {
      return stmts.deletePolicy.run(name).changes > 0;
    },
    async createAwsCredential(c) {
      try {
        stmts.insertAwsCredential.run({ ...c, policies: JSON.stringify(c.policies) });
      } catch (err) {
        // access_key_id is the PRIMARY KEY, whose violation SQLite reports as SQLITE_CONSTRAINT_PRIMARYKEY.
        if (isUniqueViolation(err) || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new ConflictError('token');
        throw err;
      }
    },
    async getAwsCredential(accessKeyId) {
      const r = stmts.awsCredential.get(accessKeyId) as AwsCredentialRow | undefined;
      return r && toAwsCredentialRecord(r);
    },
    async listAwsCredentials(after, limit) {
      return (stmts.listAwsCredentials.all(after ?? '', limit) as AwsCredentialRow[]).map(toAwsCredentialRecord);
    },
    async revokeAwsCredential(accessKeyId, revokedAt) {
      return stmts.revokeAwsCredential.run(revokedAt, accessKeyId).changes === 1;
    },
    async replaceAwsCredentialSecret(accessKeyId, expected, next) {
      return stmts.replaceAwsCredentialSecret.run(next, accessKeyId, expected).changes === 1;
    },
    async listPolicies() {
      return (stmts.listPolicies.all() as { name: string; document: string; updated_at: string }[]).map((r) => ({ name: r.name, document: r.document, updatedAt: r.updated_at }));
    },
    appendAudit(build) {
      return audit.append(build);
    },
    async auditHead() {
      const r = stmts.auditHead.get() as AuditRowSql | undefined;
      return r && toAuditRow(r);
    },
    async readAudit({ afterSeq, limit }) {
      return (stmts.readAudit.all(afterSeq, limit) as AuditRowSql[]).map(toAuditRow);
    },
    async appendCheckpoint(row) {
      stmts.insertCheckpoint.run(row.seq, row.checkpoint);
    },
    async listCheckpoints() {
      return stmts.listCheckpoints.all() as { seq: number; checkpoint: string }[];
    },
    async schemaVersion() {
      return (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
    },
    async snapshot() {
      const dir = mkdtempSync(join(tmpdir(), 'strongbox-snapshot-'));
      try {
        const target = join(dir, 'snapshot.db');
        // Owner-only like the database itself (an empty file is an empty database to SQLite).
        writeFileSync(target, new Uint8Array(), { mode: 0o600, flag: 'wx' });
        await db.backup(target);
        // The copy must be self-contained: fold its WAL into it.
        const copy = new Database(target);
        copy.pragma('journal_mode = DELETE');
        copy.close();
        return new Uint8Array(readFileSync(target));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    async close() {
      await audit.drain();
      flushKeys(); // creations queued for the next turn go now, before the writer closes
      while (keysInFlight !== undefined) await keysInFlight.catch(() => undefined).then(() => new Promise((r) => setImmediate(r)));
      await writer.close();
      if (db.open) db.close();
    },
  };
}
