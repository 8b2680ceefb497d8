/**
 * Copies a SQLite database (the snapshot inside a backup file, already verified by the caller) into
 * an EMPTY PostgreSQL database, in ONE transaction: all of it or nothing. This is how a backup is
 * restored onto PostgreSQL storage, and how an installation moves from SQLite to PostgreSQL.
 *
 * Nothing here names a table: the tables and columns come from both catalogs (sqlite_schema and
 * PRAGMA table_info; information_schema and pg_constraint), so a table a later migration adds is
 * copied without a change here. What the copy relies on instead, checked before a row is written:
 *  - the snapshot's migrations are the first ones of this release's list (same numbers and names, in
 *    order, none skipped — the list itself may skip numbers reserved for other builds) and the last of
 *    them, N, is not newer than this release;
 *  - after the PostgreSQL migrations up to N, both databases have the same tables with the same
 *    columns, and every PostgreSQL column has a type the value mapping below knows.
 *
 * Order inside the transaction (docs/operations.md, "Moving from SQLite to PostgreSQL"):
 *  1. the migration advisory lock (a node starting meanwhile waits, then finds a migrated schema),
 *     and the check that the database holds no Strongbox schema yet;
 *  2. the PostgreSQL migrations up to the snapshot's version N (their rows keep the snapshot's dates);
 *  3. every row of every table, parents before children (foreign keys, from pg_constraint);
 *  4. the migrations after N, so their data changes run on the copied rows exactly as they do when a
 *     node upgrades an installation in place;
 *  5. every identity/serial sequence set past the highest value used (the column's maximum, or
 *     SQLite's AUTOINCREMENT high-water mark in sqlite_sequence when higher), so new keys, wallets
 *     and approvals continue the numbering. (Audit seqs are not a sequence: each append continues
 *     from the chain head.)
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { SnapshotSchemaError, StorageNotEmptyError } from '../types.js';
import { LOCK, LOCK_NS, redactPostgresUrl, SCHEMA_MIGRATIONS_DDL } from './index.js';
import { pgMigrations } from './migrations.js';

/** PostgreSQL column types the copy maps SQLite values into (information_schema.columns.data_type). */
export const COPYABLE_COLUMN_TYPES: ReadonlySet<string> = new Set(['text', 'character varying', 'bytea', 'boolean', 'smallint', 'integer', 'bigint', 'numeric', 'double precision', 'real']);

/** Rows per INSERT statement (bounded also by PostgreSQL's 65535 parameters). */
const BATCH_ROWS = 500;

interface PgColumn {
  table: string;
  name: string;
  type: string;
  /** GENERATED ALWAYS AS IDENTITY: explicit values need OVERRIDING SYSTEM VALUE */
  identityAlways: boolean;
  /** identity or serial: a sequence to move past the copied values */
  sequence: boolean;
}

export interface ImportResult {
  /** the snapshot's schema version */
  fromVersion: number;
  /** the PostgreSQL schema version after the copy (this release's latest) */
  schemaVersion: number;
  /** rows copied per table */
  rows: Record<string, number>;
}

const qi = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function pgOptions(): string {
  // Durable on commit; a lock held by something else (a node migrating) fails the restore after a
  // minute instead of hanging it; statements are bounded, but generously (an offline tool).
  return ['-c synchronous_commit=on', '-c lock_timeout=60000', '-c statement_timeout=600000', '-c idle_in_transaction_session_timeout=600000'].join(' ');
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, options: pgOptions() });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(`cannot open PostgreSQL storage ${redactPostgresUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return client;
}

/** Tables of the current schema (where the nodes create theirs), with their columns in order. */
async function describePostgres(c: pg.ClientBase): Promise<Map<string, PgColumn[]>> {
  const r = await c.query<{ table_name: string; column_name: string; data_type: string; is_identity: string; identity_generation: string | null; column_default: string | null }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.is_identity, c.identity_generation, c.column_default
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, PgColumn[]>();
  for (const row of r.rows) {
    const cols = tables.get(row.table_name) ?? [];
    cols.push({
      table: row.table_name,
      name: row.column_name,
      type: row.data_type,
      identityAlways: row.is_identity === 'YES' && row.identity_generation === 'ALWAYS',
      sequence: row.is_identity === 'YES' || (row.column_default ?? '').startsWith('nextval('),
    });
    tables.set(row.table_name, cols);
  }
  return tables;
}

/** Tables in an order where every table comes after the tables its foreign keys reference. */
async function insertOrder(c: pg.ClientBase, tables: string[]): Promise<string[]> {
  const r = await c.query<{ child: string; parent: string }>(
    `SELECT ch.relname AS child, pa.relname AS parent
       FROM pg_constraint k
       JOIN pg_class ch ON ch.oid = k.conrelid
       JOIN pg_class pa ON pa.oid = k.confrelid
      WHERE k.contype = 'f' AND k.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
  );
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of r.rows) if (child !== parent) parents.get(child)?.add(parent);
  const done: string[] = [];
  const placed = new Set<string>();
  while (done.length < tables.length) {
    const next = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p) || !parents.has(p)));
    if (next.length === 0) throw new SnapshotSchemaError(`foreign keys form a cycle among ${tables.filter((t) => !placed.has(t)).join(', ')}`);
    for (const t of next) {
      placed.add(t);
      done.push(t);
    }
  }
  return done;
}

/** What a database holds: no Strongbox schema (version null), or its version and whether init ran. */
async function inspect(c: pg.ClientBase): Promise<{ schemaVersion: number | null; initialized: boolean }> {
  const has = async (table: string): Promise<boolean> =>
    (await c.query('SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1', [table])).rowCount! > 0;
  if (!(await has('schema_migrations'))) return { schemaVersion: null, initialized: false };
  const v = (await c.query<{ v: number | null }>('SELECT max(version)::int AS v FROM schema_migrations')).rows[0]?.v ?? 0;
  const initialized = (await has('sys_values')) && (await c.query('SELECT 1 FROM sys_values LIMIT 1')).rowCount! > 0;
  return { schemaVersion: v, initialized };
}

function notEmpty(url: string, state: { schemaVersion: number | null; initialized: boolean }): StorageNotEmptyError {
  return new StorageNotEmptyError(
    `${redactPostgresUrl(url)} already holds a Strongbox schema (version ${state.schemaVersion}, ${state.initialized ? 'an initialized installation' : 'not initialized: a node was started on it'}); restore into a new, empty database`,
  );
}

/**
 * Throws StorageNotEmptyError when the database already holds a Strongbox schema. A quick check for a
 * clear error before the backup is opened; importSqliteSnapshot checks again under the lock.
 */
export async function assertPostgresEmpty(url: string): Promise<void> {
  const c = await connect(url);
  try {
    const state = await inspect(c);
    if (state.schemaVersion !== null) throw notEmpty(url, state);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Maps one SQLite value (integers as bigint) to what node-postgres sends for a column of `col.type`. */
function toPgValue(value: unknown, col: PgColumn): unknown {
  if (value === null) return null;
  switch (col.type) {
    case 'bytea':
      if (Buffer.isBuffer(value)) return value;
      break;
    case 'boolean':
      // SQLite has no boolean: STRICT INTEGER 0 / 1.
      if (value === 0n || value === 1n) return value === 1n;
      break;
    case 'text':
    case 'character varying':
      if (typeof value === 'string') return value;
      break;
    case 'smallint':
    case 'integer':
    case 'bigint':
      // As decimal text: exact whatever the size (the driver would round a JS number beyond 2^53).
      if (typeof value === 'bigint') return value.toString();
      break;
    case 'numeric':
      // Amounts are decimal TEXT in SQLite (wei exceed int64); PostgreSQL parses and checks them.
      if (typeof value === 'string' || typeof value === 'bigint') return value.toString();
      break;
    case 'double precision':
    case 'real':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      break;
  }
  throw new SnapshotSchemaError(`${col.table}.${col.name}: a SQLite ${Buffer.isBuffer(value) ? 'blob' : typeof value} cannot be copied into a PostgreSQL ${col.type} column`);
}

/** The snapshot's applied migrations, checked against this release's. */
function snapshotMigrations(src: Database.Database): { version: number; name: string; appliedAt: string }[] {
  let rows: { version: bigint; name: string; applied_at: string }[];
  try {
    rows = src.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as typeof rows;
  } catch {
    throw new SnapshotSchemaError('the snapshot has no schema_migrations table: not a Strongbox database');
  }
  const latest = pgMigrations.at(-1)!.version;
  const applied = rows.map((r) => ({ version: Number(r.version), name: r.name, appliedAt: r.applied_at }));
  const top = applied.at(-1)?.version ?? 0;
  if (top > latest) throw new SnapshotSchemaError(`the backup was made by a newer Strongbox (schema version ${top}; this release knows up to ${latest}): restore it with that release or a later one`);
  applied.forEach((m, i) => {
    const mine = pgMigrations.find((x) => x.version === m.version);
    if (m.version !== pgMigrations[i]?.version || mine === undefined) throw new SnapshotSchemaError(`the snapshot's migrations are not this release's up to ${top} without a gap (found ${m.version} at position ${i + 1})`);
    if (mine.name !== m.name) throw new SnapshotSchemaError(`the snapshot's migration ${m.version} is "${m.name}", this release's is "${mine.name}": it was made by a different build`);
  });
  return applied;
}

/** Checks that both sides have the same tables and columns, and that every column type is mapped. */
function checkSameSchema(src: Database.Database, pgTables: Map<string, PgColumn[]>, version: number): void {
  const sqliteTables = (src.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations'`).pluck().all() as string[]).sort();
  const pgNames = [...pgTables.keys()].filter((t) => t !== 'schema_migrations').sort();
  const onlySqlite = sqliteTables.filter((t) => !pgTables.has(t));
  const onlyPg = pgNames.filter((t) => !sqliteTables.includes(t));
  if (onlySqlite.length > 0 || onlyPg.length > 0) {
    throw new SnapshotSchemaError(`at schema version ${version} the snapshot and PostgreSQL have different tables (only in the snapshot: ${onlySqlite.join(', ') || 'none'}; only in PostgreSQL: ${onlyPg.join(', ') || 'none'})`);
  }
  for (const table of pgNames) {
    const pgCols = pgTables.get(table)!;
    const sqliteCols = (src.pragma(`table_info(${qi(table)})`) as { name: string }[]).map((c) => c.name).sort();
    const names = pgCols.map((c) => c.name).sort();
    if (JSON.stringify(names) !== JSON.stringify(sqliteCols)) {
      throw new SnapshotSchemaError(`at schema version ${version} table ${table} has columns (${sqliteCols.join(', ')}) in the snapshot but (${names.join(', ')}) in PostgreSQL`);
    }
    for (const c of pgCols) if (!COPYABLE_COLUMN_TYPES.has(c.type)) throw new SnapshotSchemaError(`${table}.${c.name} is a PostgreSQL ${c.type} column, which the copy does not map`);
  }
}

async function copyTable(src: Database.Database, c: pg.ClientBase, table: string, cols: PgColumn[]): Promise<number> {
  const columnList = cols.map((x) => qi(x.name)).join(', ');
  const overriding = cols.some((x) => x.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
  let batch: unknown[][] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`);
    await c.query(`INSERT INTO ${qi(table)} (${columnList})${overriding} VALUES ${tuples.join(', ')}`, values);
    count += batch.length;
    batch = [];
  };
  const select = src.prepare(`SELECT ${columnList} FROM ${qi(table)}`).raw(true);
  // Reading while awaiting the inserts is safe: nothing else uses this (read-only) connection.
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    batch.push(row.map((v, i) => toPgValue(v, cols[i]!)));
    if (batch.length >= BATCH_ROWS) await flush();
  }
  await flush();
  const copied = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qi(table)}`)).rows[0]!.n;
  if (copied !== count) throw new Error(`copying ${table}: ${count} rows inserted but ${copied} found`);
  return count;
}

/** Moves every identity/serial sequence past the highest value the copied rows (or SQLite's AUTOINCREMENT) used. */
async function setSequences(src: Database.Database, c: pg.ClientBase, pgTables: Map<string, PgColumn[]>): Promise<void> {
  const highWater = new Map<string, bigint>();
  const hasSequenceTable = src.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'`).get() !== undefined;
  if (hasSequenceTable) for (const r of src.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: bigint }[]) highWater.set(r.name, BigInt(r.seq));
  for (const cols of pgTables.values()) {
    for (const col of cols.filter((x) => x.sequence)) {
      const seq = (await c.query<{ s: string | null }>(`SELECT pg_get_serial_sequence(format('%I.%I', current_schema(), $1::text), $2) AS s`, [col.table, col.name])).rows[0]?.s;
      if (seq === null || seq === undefined) throw new Error(`no sequence found for ${col.table}.${col.name}`);
      const max = BigInt((await c.query<{ m: string | null }>(`SELECT max(${qi(col.name)})::text AS m FROM ${qi(col.table)}`)).rows[0]?.m ?? '0');
      const used = [max, highWater.get(col.table) ?? 0n].reduce((a, b) => (a > b ? a : b));
      // is_called = true: the next value is used + 1; an unused sequence starts at 1.
      if (used > 0n) await c.query('SELECT setval($1::regclass, $2::bigint, true)', [seq, used.toString()]);
      else await c.query('SELECT setval($1::regclass, 1, false)', [seq]);
    }
  }
}

async function applyMigration(c: pg.ClientBase, m: (typeof pgMigrations)[number], appliedAt: string): Promise<void> {
  await c.query(m.sql);
  await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, appliedAt]);
}

/**
 * Copies the SQLite database `file` into the empty PostgreSQL database at `url` (see the module
 * header). StorageNotEmptyError when it already holds a Strongbox schema, SnapshotSchemaError when
 * the snapshot's schema cannot be mapped; either way, and on any other failure, nothing is written.
 */
export async function importSqliteSnapshot(url: string, file: string): Promise<ImportResult> {
  const src = new Database(file, { readonly: true, fileMustExist: true });
  try {
    // Every integer as a bigint: ids and counters copy exactly, and booleans are told from numbers.
    src.defaultSafeIntegers(true);
    const applied = snapshotMigrations(src);
    const fromVersion = applied.at(-1)?.version ?? 0;
    const c = await connect(url);
    try {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, LOCK.migrate]);
        const state = await inspect(c);
        if (state.schemaVersion !== null) throw notEmpty(url, state);
        await c.query(SCHEMA_MIGRATIONS_DDL);
        for (const m of applied) await applyMigration(c, pgMigrations.find((x) => x.version === m.version)!, m.appliedAt);
        const atSnapshot = await describePostgres(c);
        checkSameSchema(src, atSnapshot, fromVersion);
        const rows: Record<string, number> = {};
        const tables = [...atSnapshot.keys()].filter((t) => t !== 'schema_migrations');
        for (const table of await insertOrder(c, tables)) rows[table] = await copyTable(src, c, table, atSnapshot.get(table)!);
        // Sequences continue past the copied rows before the later migrations run too: one that inserts
        // into an identity table must not number from 1 over copied rows.
        await setSequences(src, c, atSnapshot);
        const now = new Date().toISOString();
        for (const m of pgMigrations.filter((x) => x.version > fromVersion)) await applyMigration(c, m, now);
        await setSequences(src, c, await describePostgres(c));
        await c.query('COMMIT');
        return { fromVersion, schemaVersion: pgMigrations.at(-1)!.version, rows };
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  } finally {
    src.close();
  }
}
