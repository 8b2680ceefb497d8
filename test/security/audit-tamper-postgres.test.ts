/**
 * The audit tampering of test/helpers/audit-tamper.ts on PostgreSQL storage: a throwaway cluster
 * (test/helpers/postgres.ts), one database per box, each tampered case on a copy made with
 * CREATE DATABASE … TEMPLATE, verified with `strongbox audit verify --storage` and through the API.
 */
import { after, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeTamperAfterLastCheckpoint, type SqlHandle } from '../helpers/audit-tamper.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

async function pgHandle(url: string): Promise<SqlHandle> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // `?` placeholders → $1, $2, …
  const numbered = (sql: string): string => {
    let i = 0;
    return sql.replace(/\?/g, () => `$${++i}`);
  };
  return {
    all: async <T>(sql: string, params: unknown[] = []) => (await client.query(numbered(sql), params)).rows as T[],
    run: async (sql, params = []) => void (await client.query(numbered(sql), params)),
    close: () => client.end(),
  };
}

describe('PostgreSQL', () => {
  const work = mkdtempSync(join(tmpdir(), 'strongbox-audit-tail-pg-'));
  let cluster: PostgresCluster | undefined;
  after(() => {
    cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  describeTamperAfterLastCheckpoint(async () => {
    cluster ??= await startPostgres();
    const c = cluster;
    return {
      label: 'PostgreSQL',
      workDir: work,
      async database() {
        const url = await c.createDatabase('tamper');
        const name = new URL(url).pathname.slice(1);
        return {
          storage: { storage: url },
          open: () => pgHandle(url),
          async copy() {
            const copy = `${name}_copy_${randomBytes(4).toString('hex')}`;
            await c.sql(`CREATE DATABASE ${copy} TEMPLATE ${name}`);
            return { args: ['--storage', c.url(copy)], sql: await pgHandle(c.url(copy)) };
          },
        };
      },
    };
  });
});
