/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb + pg_ctl from PG_BIN as the `postgres` user
 * (PostgreSQL refuses to run as root), data dir in a fresh temp dir owned by that user, listening
 * only on 127.0.0.1 on a free port (its Unix socket in the temp dir, trust auth for loopback).
 * One cluster per test file; `createDatabase` gives each suite a fresh database. `stop` kills it
 * (immediate mode) and deletes everything. Nothing here assumes a server is already running.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  port: number;
  /** the cluster's data directory (owned by the postgres user) */
  dataDir: string;
  /** runs a statement as the superuser on the `postgres` database (e.g. CHECKPOINT) */
  sql(statement: string, database?: string): Promise<void>;
  /** postgres://… URL of a database on this cluster */
  url(database: string): string;
  /** creates a fresh, empty database and returns its URL */
  createDatabase(prefix?: string): Promise<string>;
  /**
   * pg_ctl restart -m fast (every session is ended, the server shuts down and starts again on the same
   * port), without blocking the event loop: load running in this process keeps running meanwhile.
   */
  restart(): Promise<void>;
  /** pg_terminate_backend on every client backend but its own; resolves to how many it ended */
  terminateOtherBackends(): Promise<number>;
  /** pg_ctl stop -m immediate, then deletes the cluster's files */
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Runs a PostgreSQL binary as the postgres user when we are root, as ourselves otherwise. */
function runPg(bin: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? 'runuser' : join(PG_BIN, bin);
  const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args;
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** runPg without blocking the event loop. */
async function runPgAsync(bin: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? 'runuser' : join(PG_BIN, bin);
  const argv = asRoot ? ['-u', 'postgres', '--', join(PG_BIN, bin), ...args] : args;
  await promisify(execFile)(cmd, argv, { timeout: 60_000 });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  try {
    runPg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
    // Loopback only: trust auth is acceptable for a throwaway cluster nobody else can reach.
    writeFileSync(join(dir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    if (process.getuid?.() === 0) {
      const { uid, gid } = postgresIds();
      chownSync(join(dir, 'pg_hba.conf'), uid, gid);
    }
    const opts = [`-c listen_addresses=127.0.0.1`, `-c port=${port}`, `-c unix_socket_directories=${dir}`, `-c hba_file=${join(dir, 'pg_hba.conf')}`, '-c max_connections=200', '-c shared_buffers=16MB'].join(' ');
    runPg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  const sql = async (statement: string, database = 'postgres'): Promise<void> => {
    const admin = new pg.Client({ connectionString: url(database) });
    await admin.connect();
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  };
  return {
    port,
    dataDir: data,
    sql,
    url,
    async createDatabase(prefix = 'sbx') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      await sql(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async restart() {
      // -l again: without it the restarted server would log to pg_ctl's stdout, whose pipe then never closes.
      await runPgAsync('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
    },
    async terminateOtherBackends() {
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        const r = await admin.query<{ ended: boolean }>(`SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`);
        return r.rows.filter((x) => x.ended).length;
      } finally {
        await admin.end();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
