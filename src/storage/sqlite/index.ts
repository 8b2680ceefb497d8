/**
 * SQLite implementation of the Store (better-sqlite3). WAL journal with synchronous=FULL, so a
 * committed transaction is on disk (fsynced) before the call returns — the durability the API
 * promises before it answers 201. better-sqlite3 is synchronous; the async interface keeps the
 * seam identical to the PostgreSQL backend.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, type KeyPage, type KeyRecord, type KeyVersionRecord, type ListKeysOptions, type Store } from '../types.js';
import { migrations } from './migrations.js';

export const SQLITE_FILE = 'strongbox.db';

interface KeyRow {
  seq: number;
  id: string;
  name: string | null;
  type: KeyRecord['type'];
  origin: KeyRecord['origin'];
  state: KeyRecord['state'];
  public_key: Buffer | null;
  kcv: Buffer | null;
  current_version: number;
  created_at: string;
}

function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    origin: row.origin,
    state: row.state,
    publicKey: row.public_key === null ? null : new Uint8Array(row.public_key),
    kcv: row.kcv === null ? null : new Uint8Array(row.kcv),
    currentVersion: row.current_version,
    createdAt: row.created_at,
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

export function openSqliteStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, SQLITE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const stmts = {
    getSys: db.prepare('SELECT value FROM sys_values WHERE name = ?').pluck(),
    putSys: db.prepare('INSERT INTO sys_values (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
    insertKey: db.prepare(`INSERT INTO keys (id, name, type, origin, state, public_key, kcv, current_version, created_at)
                           VALUES (@id, @name, @type, @origin, @state, @publicKey, @kcv, @currentVersion, @createdAt)`),
    insertVersion: db.prepare('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES (?, ?, ?, ?)'),
    getKey: db.prepare('SELECT * FROM keys WHERE id = ?'),
    getKeyByName: db.prepare('SELECT * FROM keys WHERE name = ?'),
    listKeys: db.prepare('SELECT * FROM keys WHERE seq > ? ORDER BY seq LIMIT ?'),
    getVersion: db.prepare('SELECT * FROM key_versions WHERE key_id = ? AND version = ?'),
  };

  const putSysValues = db.transaction((entries: Record<string, Uint8Array>, ifAbsent: string | undefined): boolean => {
    if (ifAbsent !== undefined && stmts.getSys.get(ifAbsent) !== undefined) return false;
    for (const [name, value] of Object.entries(entries)) stmts.putSys.run(name, value);
    return true;
  });

  const createKey = db.transaction((key: KeyRecord, version: KeyVersionRecord) => {
    if (key.name !== null && stmts.getKeyByName.get(key.name) !== undefined) throw new ConflictError('key_name');
    stmts.insertKey.run({ ...key, publicKey: key.publicKey, kcv: key.kcv });
    stmts.insertVersion.run(version.keyId, version.version, version.sealedMaterial, version.createdAt);
  });

  return {
    kind: 'sqlite',
    async getSysValue(name) {
      const v = stmts.getSys.get(name) as Buffer | undefined;
      return v === undefined ? undefined : new Uint8Array(v);
    },
    async putSysValues(entries, options = {}) {
      return putSysValues.immediate(entries, options.ifAbsent);
    },
    async createKey(key, version) {
      try {
        createKey.immediate(key, version);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError('key_id');
        throw err;
      }
    },
    async getKey(id) {
      const row = stmts.getKey.get(id) as KeyRow | undefined;
      return row && toKeyRecord(row);
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
    async getKeyVersion(keyId, version) {
      const row = stmts.getVersion.get(keyId, version) as { key_id: string; version: number; sealed_material: Buffer; created_at: string } | undefined;
      return row && { keyId: row.key_id, version: row.version, sealedMaterial: new Uint8Array(row.sealed_material), createdAt: row.created_at };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
