/**
 * PostgreSQL implementation of the Store (node-postgres), for several stateless nodes on one
 * database. Every connection runs with synchronous_commit = on, so a committed transaction is
 * flushed to the WAL (and, with synchronous_standby_names set on the server, to a standby) before
 * the call returns. Where SQLite relies on being the only writer, this backend takes explicit locks
 * in READ COMMITTED transactions:
 *  - row locks (SELECT … FOR UPDATE, or a conditional UPDATE, which PostgreSQL re-checks on the
 *    newest row version) for updateKey with expectStates, addKeyVersion, destroyKeyMaterial,
 *    consumeTokenUse, the compare-and-swap replace* (key versions, secrets, wallet seeds, AWS
 *    credential secrets), an approval's votes and status (transaction-rules.ts) and an account's
 *    nonce lease (nonce-leases.ts);
 *  - transaction-scoped advisory locks where the row may not exist yet: a key name or alias (one
 *    namespace across two tables), a secret path (CAS on version 0), init's ifAbsent, the audit
 *    chain head (one chain, whichever node appends) and a spend scope (transaction-rules.ts);
 *  - a session advisory lock around migrations, so nodes starting together migrate once.
 * Unique violations map to ConflictError with the same constraint names as SQLite. A lost, refused or
 * timed-out connection maps to StorageUnavailableError (retryable 503): a PostgreSQL restart, failover
 * or pg_terminate_backend fails the requests it meets and never the process — every client, idle in the
 * pool or checked out, has an 'error' listener (node-postgres emits 'error' when the server ends a
 * session, and an unlistened 'error' event would exit the process) — and the next query reconnects.
 */
import pg from 'pg';
import { ConflictError, SnapshotUnsupportedError, StorageUnavailableError, type AuditHead, type AuditRow, type AwsCredentialRecord, type KeyPatch, type KeyPage, type KeyRecord, type KeyVersionRecord, type SecretVersionRecord, type Store, type TokenRecord, type WalletRecord } from '../types.js';
import { KEY_PATCH_COLUMNS, toAwsCredentialRecord, toKeyRecord, toTokenRecord, toWalletRecord, type AwsCredentialRow, type KeyRow, type TokenRow, type WalletRow } from '../rows.js';
import { pgMigrations } from './migrations.js';
import { transactionRuleMethods, type TxClient } from './transaction-rules.js';
import { nonceLeaseMethods } from './nonce-leases.js';
import { kmipObjectMethods } from './kmip-objects.js';
import { keyCertificateMethods } from './key-certificates.js';
import { appKeyMethods } from './app-keys.js';
import { musig2SessionMethods } from './musig2-sessions.js';

/** Advisory lock namespace (first key of the two-key form); the second key says what is locked. */
export const LOCK_NS = 0x5b0c5;
export const LOCK = { migrate: 1, audit: 2, sys: 3 } as const;
const NAME_NS = LOCK_NS + 1;
const SECRET_NS = LOCK_NS + 2;
const SPEND_NS = LOCK_NS + 3;

/** Upper bound on waiting for a lock, and on a session idling inside a transaction. */
const LOCK_WAIT_MS = 15_000;
/** Every statement (and the client's wait for its answer) is bounded, so a lost server fails requests instead of hanging them. */
const QUERY_TIMEOUT_MS = 30_000;

const INT8_OID = 20;
/** bigint columns (seq, counters) as JS numbers: every value stored here is far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b);
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

const KEY_SELECT = `SELECT k.*, (SELECT json_agg(a.alias) FROM key_aliases a WHERE a.key_id = k.id) AS aliases FROM keys k`;

interface SecretVersionRow {
  path: string;
  version: number;
  sealed_value: Buffer | null;
  created_at: string;
  deleted_at: string | null;
  destroyed: boolean;
}

const toSecretVersion = (r: SecretVersionRow): SecretVersionRecord => ({
  version: r.version,
  sealedValue: r.sealed_value === null ? null : bytes(r.sealed_value),
  createdAt: r.created_at,
  deletedAt: r.deleted_at,
  destroyed: r.destroyed,
});

const toVersion = (r: { key_id: string; version: number; sealed_material: Buffer; created_at: string }): KeyVersionRecord => ({
  keyId: r.key_id,
  version: r.version,
  sealedMaterial: bytes(r.sealed_material),
  createdAt: r.created_at,
});

/** An audit_records row as pg returns it (head_signature: migration 12). */
interface AuditRowSql {
  seq: number;
  record: string;
  hash: Buffer;
  /** absent when a read-only tool opens a database not yet at migration 12 */
  head_signature?: Buffer | null;
}

const toAuditRow = (r: AuditRowSql): AuditRow => ({ seq: r.seq, record: r.record, hash: bytes(r.hash), ...(r.head_signature == null ? {} : { headSignature: bytes(r.head_signature) }) });

/** PostgreSQL's constraint name → the backend-neutral one (the same ones SQLite reports). */
const CONSTRAINTS: Record<string, ConflictError['constraint']> = {
  keys_name_key: 'key_name',
  keys_id_key: 'key_id',
  key_versions_pkey: 'key_version',
  tokens_pkey: 'token',
  tokens_token_hash_key: 'token',
  aws_credentials_pkey: 'token',
  audit_records_pkey: 'audit_seq',
  key_aliases_pkey: 'key_alias',
  keys_wallet_path: 'wallet_path',
  wallets_name_key: 'wallet_name',
  wallets_id_key: 'key_id',
};

function pgCode(err: unknown): string | undefined {
  return typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
}

/** Rethrows a unique violation as ConflictError (`fallback` when the constraint is not a known one). */
function mapConflict(err: unknown, fallback?: ConflictError['constraint']): never {
  if (pgCode(err) === '23505') {
    const c = CONSTRAINTS[(err as { constraint?: string }).constraint ?? ''] ?? fallback;
    if (c !== undefined) throw new ConflictError(c);
  }
  throw err;
}

/**
 * SQLSTATEs that say the server cannot serve this session now, rather than that the statement is wrong:
 * connection exceptions (class 08), admin/crash shutdown and "starting up / shutting down" (57P01–03),
 * too many connections, a statement or lock wait that ran out of time (statement_timeout,
 * lock_timeout: a lost peer holding a lock, an overloaded server).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);

/**
 * The error a call into node-postgres failed with, as the Store reports it: a connection that was
 * refused, lost or timed out (a node-postgres or socket error rather than the server's answer, or one
 * of the SQLSTATEs above) becomes StorageUnavailableError; the server's verdict on a statement
 * (constraint violations, serialization failures, …) and programming errors are left as they are.
 */
export function toStorageError(err: unknown): unknown {
  if (err instanceof StorageUnavailableError) return err;
  if (err instanceof pg.DatabaseError) {
    const code = err.code ?? '';
    return code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) ? new StorageUnavailableError(err) : err;
  }
  if (err instanceof TypeError || err instanceof RangeError) return err;
  return err instanceof Error ? new StorageUnavailableError(err) : err;
}

/** Serialization failures and deadlocks: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//.test(value);
}

/** The URL without its password, for messages and logs. */
export function redactPostgresUrl(value: string): string {
  try {
    // A password with `/` or `#` in it can make the parser see no password at all: then everything
    // between the scheme and the last `@` is hidden.
    const at = value.lastIndexOf('@');
    const scheme = value.indexOf('://');
    if (at > scheme && scheme >= 0 && !/^[a-z]+:\/\/[^/?#@]*@/i.test(value)) return `${value.slice(0, scheme + 3)}***${value.slice(at)}`;
    const u = new URL(value);
    if (u.password !== '') u.password = '***';
    // node-postgres also takes the password (and the TLS key's passphrase) as query parameters.
    for (const name of [...u.searchParams.keys()]) if (/password/i.test(name)) u.searchParams.set(name, '***');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** The table of applied migrations (the same columns as SQLite's). */
export const SCHEMA_MIGRATIONS_DDL = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  // Checked out, a client has no listener of the pool's: a server going away now must fail the start, not crash it.
  let lost: Error | undefined;
  const onError = (err: Error) => void (lost ??= err);
  c.on('error', onError);
  try {
    // Session lock: a node starting at the same moment waits here (however long a migration takes)
    // and then finds nothing to do.
    await c.query('SET lock_timeout = 0');
    await c.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NS, LOCK.migrate]);
    try {
      await c.query(SCHEMA_MIGRATIONS_DDL);
      const applied = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of pgMigrations) {
        if (applied.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NS, LOCK.migrate]);
      await c.query('RESET lock_timeout');
    }
  } finally {
    c.removeListener('error', onError);
    c.release(lost);
  }
}

export interface PostgresStoreOptions {
  /** offline tools (audit verify/export): no migrations, every transaction read-only */
  readonly?: boolean;
  /** connections in the pool (default 10) */
  poolSize?: number;
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    // A server that vanished (partition) must fail requests, not hang them behind a dead TCP
    // connection for the OS keepalive's two hours: probe after 10 s, and bound every query.
    keepAliveInitialDelayMillis: 10_000,
    query_timeout: QUERY_TIMEOUT_MS,
    // Durable before success, whatever the server's default; read-only tools cannot write at all.
    // A node that vanished mid-transaction (partition, not a clean kill) must not hold a lock — the
    // audit lock above all — for long: the server ends such sessions, and lock waits are bounded so a
    // stuck lock fails requests (AUDIT_UNAVAILABLE) instead of hanging them.
    options: [
      '-c synchronous_commit=on',
      `-c idle_in_transaction_session_timeout=${LOCK_WAIT_MS}`,
      `-c lock_timeout=${LOCK_WAIT_MS}`,
      `-c statement_timeout=${QUERY_TIMEOUT_MS}`,
      ...(options.readonly ? ['-c default_transaction_read_only=on'] : []),
    ].join(' '),
  });
  // An idle connection dropped by the server (restart, failover): the pool discards it (this listener
  // only keeps the event from being unhandled) and the next query connects afresh.
  pool.on('error', () => undefined);
  try {
    if (!options.readonly) await migrate(pool);
    else await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open PostgreSQL storage ${redactPostgresUrl(url)}: ${(err as Error).message}`, { cause: err });
  }

  // pool.query listens for 'error' on the client it checks out for the one statement.
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> =>
    pool.query<R>(text, values).catch((err: unknown) => {
      throw toStorageError(err);
    });

  /** Runs fn in one READ COMMITTED transaction, retried (whole) on a serialization failure or deadlock. */
  const tx = async <T>(fn: (c: TxClient) => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const c = await pool.connect().catch((err: unknown) => {
        throw toStorageError(err);
      });
      // While checked out, the client has no listener of the pool's: without this one, a server that ends
      // the session (restart, pg_terminate_backend) between two statements emits an 'error' nobody
      // handles, and the process exits. The statement in flight (if any) fails on its own.
      let broken: Error | undefined;
      const onError = (err: Error) => void (broken ??= err);
      c.on('error', onError);
      const client: TxClient = {
        query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
          c.query<R>(text, values).catch((err: unknown) => {
            throw toStorageError(err);
          }),
      };
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // Without a usable connection (lost, or a statement that got no answer in time) the client is
        // dropped instead: the server rolls back a transaction whose session ends.
        if (err instanceof StorageUnavailableError) broken ??= err;
        if (broken === undefined) await c.query('ROLLBACK').catch((e: Error) => (broken ??= e));
        if (RETRYABLE.has(pgCode(err) ?? '') && attempt < 20) continue;
        throw err;
      } finally {
        c.removeListener('error', onError);
        // A client whose connection failed is discarded, not returned to the pool.
        c.release(broken);
      }
    }
  };

  const lockName = (c: TxClient, name: string) => c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [NAME_NS, name]);
  const nameTaken = async (c: TxClient, name: string): Promise<boolean> =>
    (await c.query('SELECT 1 FROM keys WHERE name = $1 UNION ALL SELECT 1 FROM key_aliases WHERE alias = $1', [name])).rowCount! > 0;

  const getKeyWhere = async (where: string, value: string): Promise<KeyRecord | undefined> => {
    const r = await q<KeyRow>(`${KEY_SELECT} WHERE ${where}`, [value]);
    return r.rows[0] && toKeyRecord(r.rows[0]);
  };

  return {
    kind: 'postgres',
    ...transactionRuleMethods({ q, tx, spendLockNamespace: SPEND_NS }),
    ...nonceLeaseMethods({ q, tx }),
    ...kmipObjectMethods({ q, tx }),
    ...keyCertificateMethods({ q }),
    ...appKeyMethods({ q }),
    ...musig2SessionMethods({ q, tx }),
    async getSysValue(name) {
      const r = await q<{ value: Buffer }>('SELECT value FROM sys_values WHERE name = $1', [name]);
      return r.rows[0] && bytes(r.rows[0].value);
    },
    async putSysValues(entries, options = {}) {
      return tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCK.sys]);
        if (options.ifAbsent !== undefined && (await c.query('SELECT 1 FROM sys_values WHERE name = $1', [options.ifAbsent])).rowCount! > 0) return false;
        for (const [name, value] of Object.entries(entries)) {
          await c.query('INSERT INTO sys_values (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, buf(value)]);
        }
        return true;
      });
    },
    async createKey(key, version) {
      await tx(async (c) => {
        if (key.name !== null) {
          await lockName(c, key.name);
          if (await nameTaken(c, key.name)) throw new ConflictError('key_name');
        }
        await c.query(
          `INSERT INTO keys (id, name, type, origin, state, exportable, public_key, kcv, current_version, created_at, description, tags, deletion_date, rotation_period_days, next_rotation_at, min_decryption_version, wallet_id, derivation_path, eth_address)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
          [key.id, key.name, key.type, key.origin, key.state, key.exportable, key.publicKey && buf(key.publicKey), key.kcv && buf(key.kcv), key.currentVersion, key.createdAt, key.description, JSON.stringify(key.tags), key.deletionDate, key.rotationPeriodDays, key.nextRotationAt, key.minDecryptionVersion, key.wallet, key.path, key.ethereumAddress ?? null],
        );
        await c.query('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES ($1, $2, $3, $4)', [version.keyId, version.version, buf(version.sealedMaterial), version.createdAt]);
      }).catch((err: unknown) => {
        if (err instanceof ConflictError) throw err;
        mapConflict(err, 'key_id');
      });
    },
    getKey: (id) => getKeyWhere('k.id = $1', id),
    getKeyByName: (name) => getKeyWhere('k.name = $1', name),
    getKeyByAlias: (alias) => getKeyWhere('k.id = (SELECT key_id FROM key_aliases WHERE alias = $1)', alias),
    getKeyByEthereumAddress: (address) => getKeyWhere(`k.eth_address = $1 ORDER BY k.state = 'enabled' DESC, k.seq LIMIT 1`, address),
    async backfillEthereumAddresses(compute) {
      const rows = (await q<{ id: string; public_key: Buffer }>(`SELECT id, public_key FROM keys WHERE type = 'secp256k1' AND eth_address IS NULL AND public_key IS NOT NULL ORDER BY seq`)).rows;
      if (rows.length === 0) return 0;
      const addresses = rows.map((r) => compute(bytes(r.public_key)));
      // One transaction; `eth_address IS NULL` again, so a node backfilling at the same time counts each key once.
      return tx(async (c) => {
        const r = await c.query('UPDATE keys k SET eth_address = u.address FROM unnest($1::text[], $2::text[]) AS u(id, address) WHERE k.id = u.id AND k.eth_address IS NULL', [rows.map((x) => x.id), addresses]);
        return r.rowCount ?? 0;
      });
    },
    async createWallet(w) {
      await q('INSERT INTO wallets (id, name, origin, sealed_seed, created_at) VALUES ($1, $2, $3, $4, $5)', [w.id, w.name, w.origin, buf(w.sealedSeed), w.createdAt]).catch((err: unknown) => mapConflict(err, 'key_id'));
    },
    async getWallet(id) {
      const r = (await q<WalletRow>('SELECT * FROM wallets WHERE id = $1', [id])).rows[0];
      return r && toWalletRecord(r);
    },
    async getWalletByName(name) {
      const r = (await q<WalletRow>('SELECT * FROM wallets WHERE name = $1', [name])).rows[0];
      return r && toWalletRecord(r);
    },
    async listWallets({ after, limit }) {
      const seq = after === undefined ? 0 : Number.parseInt(after, 10);
      const rows = (await q<WalletRow>('SELECT * FROM wallets WHERE seq > $1 ORDER BY seq LIMIT $2', [Number.isSafeInteger(seq) ? seq : 0, limit + 1])).rows;
      const page = rows.slice(0, limit);
      return { wallets: page.map(toWalletRecord), nextCursor: rows.length > limit ? String(page.at(-1)!.seq) : null };
    },
    async replaceWalletSeed(id, expected, next) {
      return (await q('UPDATE wallets SET sealed_seed = $1 WHERE id = $2 AND sealed_seed = $3', [buf(next), id, buf(expected)])).rowCount === 1;
    },
    getKeyByWalletPath: async (walletId, path) => {
      const r = (await q<KeyRow>(`${KEY_SELECT} WHERE k.wallet_id = $1 AND k.derivation_path = $2`, [walletId, path])).rows[0];
      return r && toKeyRecord(r);
    },
    async listKeys(options): Promise<KeyPage> {
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const rows = (await q<KeyRow>(`${KEY_SELECT} WHERE k.seq > $1 ORDER BY k.seq LIMIT $2`, [Number.isSafeInteger(after) ? after : 0, options.limit + 1])).rows;
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { keys: page.map(toKeyRecord), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
    async locateKmipKeys(filter, options): Promise<KeyPage> {
      // Every value is bound; keys_type_seq, keys_state_seq and kmip_names (migration 20) serve the conditions.
      const after = options.after === undefined ? 0 : Number.parseInt(options.after, 10);
      const values: unknown[] = [Number.isSafeInteger(after) ? after : 0];
      const where: string[] = ['k.seq > $1'];
      if (filter.types !== undefined) {
        values.push([...filter.types]);
        where.push(`k.type = ANY($${values.length}::text[])`);
      }
      if (filter.states !== undefined) {
        values.push([...filter.states]);
        where.push(`k.state = ANY($${values.length}::text[])`);
      }
      if (filter.name !== undefined) {
        values.push(filter.name);
        where.push(`(k.name = $${values.length} OR k.id IN (SELECT key_id FROM kmip_names WHERE name = $${values.length}))`);
      }
      values.push(options.limit + 1);
      const rows = (await q<KeyRow>(`${KEY_SELECT} WHERE ${where.join(' AND ')} ORDER BY k.seq LIMIT $${values.length}`, values)).rows;
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return { keys: page.map(toKeyRecord), nextCursor: rows.length > options.limit && last ? String(last.seq) : null };
    },
    async getKeyVersion(keyId, version) {
      const r = await q<Parameters<typeof toVersion>[0]>('SELECT * FROM key_versions WHERE key_id = $1 AND version = $2', [keyId, version]);
      return r.rows[0] && toVersion(r.rows[0]);
    },
    async updateKey(id, patch, expectStates) {
      return tx(async (c) => {
        const current = await c.query<{ state: KeyRecord['state'] }>('SELECT state FROM keys WHERE id = $1 FOR UPDATE', [id]);
        if (current.rows[0] === undefined) return undefined;
        if (expectStates !== undefined && !expectStates.includes(current.rows[0].state)) throw new ConflictError('key_state');
        const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof KeyPatch, unknown][];
        if (entries.length > 0) {
          const sets = entries.map(([k], i) => `${KEY_PATCH_COLUMNS[k]} = $${i + 1}`).join(', ');
          await c.query(`UPDATE keys SET ${sets} WHERE id = $${entries.length + 1}`, [...entries.map(([k, v]) => (k === 'tags' ? JSON.stringify(v) : v)), id]);
        }
        const row = (await c.query<KeyRow>(`${KEY_SELECT} WHERE k.id = $1`, [id])).rows[0];
        return row && toKeyRecord(row);
      });
    },
    async addKeyVersion(v, nextRotationAt) {
      await tx(async (c) => {
        const r = await c.query('UPDATE keys SET current_version = $1, next_rotation_at = $2 WHERE id = $3 AND current_version = $4', [v.version, nextRotationAt, v.keyId, v.version - 1]);
        if (r.rowCount !== 1) throw new ConflictError('key_version');
        await c.query('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES ($1, $2, $3, $4)', [v.keyId, v.version, buf(v.sealedMaterial), v.createdAt]);
      }).catch((err: unknown) => {
        if (err instanceof ConflictError) throw err;
        mapConflict(err, 'key_version');
      });
    },
    async destroyKeyMaterial(id, now) {
      // Deleted rows' bytes stay in the heap until VACUUM reuses the space (and in WAL archives and
      // backups): docs/deployment.md says how to shorten that window.
      return tx(async (c) => {
        const r = await c.query(`UPDATE keys SET state = 'destroyed', deletion_date = NULL, next_rotation_at = NULL WHERE id = $1 AND state = 'pending_deletion' AND deletion_date <= $2`, [id, now]);
        if (r.rowCount !== 1) return false;
        await c.query('DELETE FROM key_versions WHERE key_id = $1', [id]);
        return true;
      });
    },
    async addKeyAlias(keyId, alias, createdAt) {
      await tx(async (c) => {
        await lockName(c, alias);
        if (await nameTaken(c, alias)) throw new ConflictError('key_alias');
        await c.query('INSERT INTO key_aliases (alias, key_id, created_at) VALUES ($1, $2, $3)', [alias, keyId, createdAt]);
      }).catch((err: unknown) => {
        if (err instanceof ConflictError) throw err;
        mapConflict(err, 'key_alias');
      });
    },
    async removeKeyAlias(keyId, alias) {
      return (await q('DELETE FROM key_aliases WHERE alias = $1 AND key_id = $2', [alias, keyId])).rowCount! > 0;
    },
    async listKeysDue(now) {
      const [d, r] = await Promise.all([
        q<{ id: string }>(`SELECT id FROM keys WHERE state = 'pending_deletion' AND deletion_date <= $1`, [now]),
        q<{ id: string }>(`SELECT id FROM keys WHERE state = 'enabled' AND next_rotation_at <= $1`, [now]),
      ]);
      return { toDestroy: d.rows.map((x) => x.id), toRotate: r.rows.map((x) => x.id) };
    },

    async createToken(t) {
      await q(
        `INSERT INTO tokens (accessor, token_hash, name, subject, policies, parent_accessor, created_at, expires_at, max_expires_at, renewable, ttl_seconds, num_uses_left, rate_per_second, rate_burst, revoked_at, bind_caller)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [t.accessor, buf(t.tokenHash), t.name, t.subject, JSON.stringify(t.policies), t.parentAccessor, t.createdAt, t.expiresAt, t.maxExpiresAt, t.renewable, t.ttlSeconds, t.numUsesLeft, t.ratePerSecond, t.rateBurst, t.revokedAt, t.bindCaller === null ? null : JSON.stringify(t.bindCaller)],
      ).catch((err: unknown) => mapConflict(err, 'token'));
    },
    async getTokenByHash(hash) {
      const r = await q<TokenRow>('SELECT * FROM tokens WHERE token_hash = $1', [buf(hash)]);
      return r.rows[0] && toTokenRecord(r.rows[0]);
    },
    async getTokenByAccessor(accessor) {
      const r = await q<TokenRow>('SELECT * FROM tokens WHERE accessor = $1', [accessor]);
      return r.rows[0] && toTokenRecord(r.rows[0]);
    },
    async consumeTokenUse(accessor) {
      // One statement: the row lock makes concurrent uses on any node take distinct uses.
      return (await q('UPDATE tokens SET num_uses_left = num_uses_left - 1 WHERE accessor = $1 AND num_uses_left > 0', [accessor])).rowCount === 1;
    },
    async setTokenExpiry(accessor, expiresAt) {
      await q('UPDATE tokens SET expires_at = $1 WHERE accessor = $2', [expiresAt, accessor]);
    },
    async revokeTokenTree(accessor, revokedAt) {
      return tx(async (c) => {
        const tree = (
          await c.query<{ accessor: string }>(
            `WITH RECURSIVE tree(accessor) AS (SELECT accessor FROM tokens WHERE accessor = $1
               UNION SELECT t.accessor FROM tokens t JOIN tree ON t.parent_accessor = tree.accessor)
             SELECT accessor FROM tree`,
            [accessor],
          )
        ).rows.map((x) => x.accessor);
        if (tree.length === 0) return [];
        // The AWS credentials any token of the tree created (revoked tokens' too) go with it, in the same transaction.
        await c.query('UPDATE aws_credentials SET revoked_at = $1 WHERE parent_accessor = ANY($2::text[]) AND revoked_at IS NULL', [revokedAt, tree]);
        const r = await c.query<{ accessor: string }>('UPDATE tokens SET revoked_at = $1 WHERE accessor = ANY($2::text[]) AND revoked_at IS NULL RETURNING accessor', [revokedAt, tree]);
        return r.rows.map((x) => x.accessor);
      });
    },
    async listTokensWithPolicies(policies) {
      const r = await q<TokenRow>('SELECT * FROM tokens WHERE revoked_at IS NULL ORDER BY accessor COLLATE "C"');
      return r.rows.map(toTokenRecord).filter((t) => t.policies.some((p) => policies.includes(p)));
    },

    async createAwsCredential(cr) {
      await q(
        `INSERT INTO aws_credentials (access_key_id, sealed_secret, subject, policies, parent_accessor, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [cr.accessKeyId, buf(cr.sealedSecret), cr.subject, JSON.stringify(cr.policies), cr.parentAccessor, cr.createdAt, cr.expiresAt, cr.revokedAt],
      ).catch((err: unknown) => mapConflict(err, 'token'));
    },
    async getAwsCredential(accessKeyId) {
      const r = (await q<AwsCredentialRow>('SELECT * FROM aws_credentials WHERE access_key_id = $1', [accessKeyId])).rows[0];
      return r && toAwsCredentialRecord(r);
    },
    async listAwsCredentials(after, limit) {
      // COLLATE "C": byte order, as SQLite compares text, whatever the database's collation.
      const r = await q<AwsCredentialRow>('SELECT * FROM aws_credentials WHERE access_key_id COLLATE "C" > $1 ORDER BY access_key_id COLLATE "C" LIMIT $2', [after ?? '', limit]);
      return r.rows.map(toAwsCredentialRecord);
    },
    async revokeAwsCredential(accessKeyId, revokedAt) {
      return (await q('UPDATE aws_credentials SET revoked_at = $1 WHERE access_key_id = $2 AND revoked_at IS NULL', [revokedAt, accessKeyId])).rowCount === 1;
    },
    async replaceAwsCredentialSecret(accessKeyId, expected, next) {
      return (await q('UPDATE aws_credentials SET sealed_secret = $1 WHERE access_key_id = $2 AND sealed_secret = $3', [buf(next), accessKeyId, buf(expected)])).rowCount === 1;
    },

    async putPolicy(p) {
      await q('INSERT INTO policies (name, document, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at', [p.name, p.document, p.updatedAt]);
    },
    async getPolicy(name) {
      const r = await q<{ name: string; document: string; updated_at: string }>('SELECT * FROM policies WHERE name = $1', [name]);
      const row = r.rows[0];
      return row && { name: row.name, document: row.document, updatedAt: row.updated_at };
    },
    async deletePolicy(name) {
      return (await q('DELETE FROM policies WHERE name = $1', [name])).rowCount! > 0;
    },
    async listPolicies() {
      const r = await q<{ name: string; document: string; updated_at: string }>('SELECT * FROM policies ORDER BY name COLLATE "C"');
      return r.rows.map((row) => ({ name: row.name, document: row.document, updatedAt: row.updated_at }));
    },

    async appendAudit(build) {
      return tx(async (c) => {
        // Held until commit: the head read here is the head the rows are chained onto.
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCK.audit]);
        const h = (await c.query<{ seq: number; hash: Buffer }>('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1')).rows[0];
        const head: AuditHead | undefined = h && { seq: h.seq, hash: bytes(h.hash) };
        const rows = build(head);
        if (rows.length > 0) {
          await c.query('INSERT INTO audit_records (seq, record, hash, head_signature) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[])', [
            rows.map((r) => r.seq),
            rows.map((r) => r.record),
            rows.map((r) => buf(r.hash)),
            rows.map((r) => (r.headSignature === undefined ? null : buf(r.headSignature))),
          ]);
        }
        return rows;
      }).catch((err: unknown) => mapConflict(err));
    },
    async auditHead() {
      const r = await q<AuditRowSql>('SELECT * FROM audit_records ORDER BY seq DESC LIMIT 1');
      return r.rows[0] && toAuditRow(r.rows[0]);
    },
    async readAudit({ afterSeq, limit }) {
      return (await q<AuditRowSql>('SELECT * FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(toAuditRow);
    },
    async appendCheckpoint(row) {
      await q('INSERT INTO audit_checkpoints (seq, checkpoint) VALUES ($1, $2)', [row.seq, row.checkpoint]);
    },
    async listCheckpoints() {
      return (await q<{ seq: number; checkpoint: string }>('SELECT seq, checkpoint FROM audit_checkpoints ORDER BY seq')).rows;
    },

    async putSecretVersion(path, seal, createdAt, cas) {
      return tx(async (c) => {
        // The path may not exist yet (CAS 0), so lock its name rather than its row.
        await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SECRET_NS, path]);
        const meta = (await c.query<{ current_version: number }>('SELECT current_version FROM secrets WHERE path = $1', [path])).rows[0];
        const current = meta?.current_version ?? 0;
        if (cas !== undefined && cas !== current) throw new ConflictError('secret_cas');
        const version = current + 1;
        if (meta === undefined) await c.query('INSERT INTO secrets (path, current_version, created_at, updated_at) VALUES ($1, $2, $3, $3)', [path, version, createdAt]);
        else await c.query('UPDATE secrets SET current_version = $1, updated_at = $2 WHERE path = $3', [version, createdAt, path]);
        await c.query('INSERT INTO secret_versions (path, version, sealed_value, created_at) VALUES ($1, $2, $3, $4)', [path, version, buf(seal(version)), createdAt]);
        return version;
      });
    },
    async getSecretVersion(path, version) {
      const r =
        version === undefined
          ? await q<SecretVersionRow>('SELECT v.* FROM secret_versions v JOIN secrets s ON s.path = v.path AND s.current_version = v.version WHERE s.path = $1', [path])
          : await q<SecretVersionRow>('SELECT * FROM secret_versions WHERE path = $1 AND version = $2', [path, version]);
      return r.rows[0] && toSecretVersion(r.rows[0]);
    },
    async listSecretVersions(path) {
      return (await q<SecretVersionRow>('SELECT * FROM secret_versions WHERE path = $1 ORDER BY version', [path])).rows.map(toSecretVersion);
    },
    async setSecretVersionsDeleted(path, versions, deletedAt) {
      return tx(async (c) => {
        let n = 0;
        for (const v of versions) n += (await c.query('UPDATE secret_versions SET deleted_at = $1 WHERE path = $2 AND version = $3 AND NOT destroyed', [deletedAt, path, v])).rowCount!;
        return n;
      });
    },
    async destroySecretVersions(path, versions) {
      return tx(async (c) => {
        let n = 0;
        for (const v of versions) n += (await c.query('UPDATE secret_versions SET sealed_value = NULL, destroyed = true WHERE path = $1 AND version = $2 AND NOT destroyed', [path, v])).rowCount!;
        return n;
      });
    },
    async deleteSecret(path) {
      return tx(async (c) => {
        await c.query('DELETE FROM secret_versions WHERE path = $1', [path]);
        return (await c.query('DELETE FROM secrets WHERE path = $1', [path])).rowCount! > 0;
      });
    },
    async listSecretPaths(prefix, after, limit) {
      // COLLATE "C": byte order, as SQLite compares text, whatever the database's collation.
      const r = await q<{ path: string }>(
        'SELECT path FROM secrets WHERE substr(path, 1, length($1)) = $1 AND path COLLATE "C" > $2 ORDER BY path COLLATE "C" LIMIT $3',
        [prefix, after ?? '', limit],
      );
      return r.rows.map((x) => x.path);
    },

    async scanKeyVersions(after, limit) {
      const r = await q<Parameters<typeof toVersion>[0]>(
        'SELECT * FROM key_versions WHERE key_id COLLATE "C" > $1 OR (key_id = $1 AND version > $2) ORDER BY key_id COLLATE "C", version LIMIT $3',
        [after?.keyId ?? '', after?.version ?? 0, limit],
      );
      return r.rows.map(toVersion);
    },
    async replaceKeyVersionMaterials(items) {
      if (items.length === 0) return [];
      return tx(async (c) => {
        const out: boolean[] = [];
        for (const i of items) out.push((await c.query('UPDATE key_versions SET sealed_material = $1 WHERE key_id = $2 AND version = $3 AND sealed_material = $4', [buf(i.next), i.keyId, i.version, buf(i.expected)])).rowCount === 1);
        return out;
      });
    },
    async scanSecretVersions(after, limit) {
      const r = await q<SecretVersionRow>(
        'SELECT * FROM secret_versions WHERE sealed_value IS NOT NULL AND (path COLLATE "C" > $1 OR (path = $1 AND version > $2)) ORDER BY path COLLATE "C", version LIMIT $3',
        [after?.path ?? '', after?.version ?? 0, limit],
      );
      return r.rows.map((row) => ({ path: row.path, ...toSecretVersion(row) }));
    },
    async replaceSecretVersionValues(items) {
      if (items.length === 0) return [];
      return tx(async (c) => {
        const out: boolean[] = [];
        for (const i of items) out.push((await c.query('UPDATE secret_versions SET sealed_value = $1 WHERE path = $2 AND version = $3 AND sealed_value = $4', [buf(i.next), i.path, i.version, buf(i.expected)])).rowCount === 1);
        return out;
      });
    },

    async schemaVersion() {
      return (await q<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0;
    },

    async snapshot() {
      throw new SnapshotUnsupportedError(
        'backups of PostgreSQL storage are made with PostgreSQL tools (pg_dump for a logical copy, pg_basebackup with WAL archiving for point-in-time recovery), not by Strongbox; see docs/deployment.md',
      );
    },
    async close() {
      await pool.end();
    },
  };
}
