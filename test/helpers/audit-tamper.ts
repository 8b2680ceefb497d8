/**
 * Tampering with the records written after the last signed checkpoint, the way someone with write
 * access to the database would, on SQLite and on PostgreSQL (test/security/audit-tamper*.test.ts):
 * a forged append with a correct chain hash, an edit with every later hash recomputed, a tail
 * deleted back to a batch end (exposed only by the audit stream kept outside the database), and a
 * forged append on a running server, verified through its API while it keeps writing on top.
 * The log under test is left as a kill after the last checkpoint leaves it: records after it.
 * The tampering is plain SQL with the chain formula of record.ts recomputed here, as a forger would.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { startTestBox, type TestBoxOptions } from './app.js';

/** Statements are written with `?` placeholders; the PostgreSQL handle numbers them. */
export interface SqlHandle {
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** One database for one box. */
export interface TamperDatabase {
  /** what startTestBox needs to use it */
  storage: Pick<TestBoxOptions, 'dataDir' | 'storage'>;
  /** a connection to it (also while the box runs) */
  open(): Promise<SqlHandle>;
  /** after the box stopped: a fresh copy, the `audit verify` arguments that read it, and a connection to it */
  copy(): Promise<{ args: string[]; sql: SqlHandle }>;
}

export interface TamperBackend {
  label: string;
  /** a fresh, empty database */
  database(): Promise<TamperDatabase>;
  /** a directory for files (the audit stream) */
  workDir: string;
}

/** hash(n) = SHA-256("strongbox/audit/v1" ‖ hash(n-1) ‖ text(n)) — record.ts, recomputed as a forger would. */
const chainHash = (prev: Uint8Array, text: string): Buffer => createHash('sha256').update('strongbox/audit/v1').update(prev).update(text, 'utf8').digest();

interface Row {
  seq: number;
  record: string;
  hash: Buffer;
  head_signature: Buffer | null;
}

async function rows(sql: SqlHandle): Promise<Row[]> {
  return (await sql.all<Row>('SELECT seq, record, hash, head_signature FROM audit_records ORDER BY seq')).map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** Appends a record after the head, with the right seq and chain hash and no head signature; returns its seq. */
async function forgeAppend(sql: SqlHandle): Promise<number> {
  const head = (await sql.all<Row>('SELECT seq, record, hash FROM audit_records ORDER BY seq DESC LIMIT 1'))[0]!;
  const seq = Number(head.seq) + 1;
  const text = JSON.stringify({ ...(JSON.parse(head.record) as object), seq, time: new Date().toISOString(), requestId: 'forged-' + randomBytes(4).toString('hex'), principal: 'acc.forged', status: 200, outcome: 'success' });
  await sql.run('INSERT INTO audit_records (seq, record, hash) VALUES (?, ?, ?)', [seq, text, chainHash(head.hash, text)]);
  return seq;
}

/** Edits record `seq` (its clientIp) and recomputes every later hash. */
async function editAndRecompute(sql: SqlHandle, seq: number): Promise<void> {
  const all = await rows(sql);
  let prev = all.find((r) => r.seq === seq - 1)!.hash;
  for (const r of all.filter((x) => x.seq >= seq)) {
    const text = r.seq === seq ? r.record.replace(/"clientIp":"[^"]*"/, '"clientIp":"10.9.8.7"') : r.record;
    if (r.seq === seq) assert.notEqual(text, r.record);
    const h = chainHash(prev, text);
    await sql.run('UPDATE audit_records SET record = ?, hash = ? WHERE seq = ?', [text, h, r.seq]);
    prev = h;
  }
}

async function verify(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const r = await runCli(['audit', 'verify', ...args], env);
  return { code: r.code, out: r.stdout + r.stderr };
}

async function assertDetected(args: string[], patterns: RegExp[], env: Record<string, string> = {}): Promise<void> {
  const r = await verify(args, env);
  assert.equal(r.code, 1, `verify must exit 1 on a tampered log, got ${r.code}: ${r.out}`);
  assert.match(r.out, /NOT INTACT/);
  for (const p of patterns) assert.match(r.out, p, `verify output names the place: ${r.out}`);
}

export function describeTamperAfterLastCheckpoint(backend: () => Promise<TamperBackend>): void {
  let b: TamperBackend;
  let db: TamperDatabase;
  let stream: string;
  let lastCheckpoint: number;
  let lastSeq: number;
  /** seqs of the rows that carry a head signature (batch ends) */
  let batchEnds: number[];

  describe('records after the last signed checkpoint are tamper-evident', () => {
    before(async () => {
      b = await backend();
      db = await b.database();
      const lines: string[] = [];
      const box = await startTestBox({ ...db.storage, auditSink: { write: (line: string) => lines.push(line) } });
      const keyId = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id as string;
      const request = (i: number) => (i % 4 === 0 ? box.call('GET', '/v1/sys/health', undefined, null) : box.call('POST', `/v1/keys/${keyId}/sign`, { digest: '0x' + randomBytes(32).toString('hex') }));
      for (let i = 0; i < 30; i++) assert.equal((await request(i)).status, 200);
      assert.ok(await box.box.ctx.audit.checkpoint(), 'a checkpoint pins the log so far');
      // As a kill after the last checkpoint leaves the log: no checkpoint is written from here on.
      box.box.ctx.audit.checkpoint = async () => undefined;
      // One at a time, then eight at once (batches of several records).
      for (let i = 0; i < 20; i++) assert.equal((await request(i)).status, 200);
      for (let wave = 0; wave < 5; wave++) for (const r of await Promise.all(Array.from({ length: 8 }, (_, i) => request(i)))) assert.equal(r.status, 200);
      await box.stop();
      stream = join(b.workDir, `audit-stream-${randomBytes(4).toString('hex')}.jsonl`);
      writeFileSync(stream, lines.join(''));

      const { sql } = await db.copy();
      try {
        const all = await rows(sql);
        lastSeq = all.at(-1)!.seq;
        batchEnds = all.filter((r) => r.head_signature !== null).map((r) => r.seq);
        lastCheckpoint = Math.max(...(await sql.all<{ seq: number }>('SELECT seq FROM audit_checkpoints')).map((c) => Number(c.seq)));
      } finally {
        await sql.close();
      }
      assert.ok(lastSeq - lastCheckpoint >= 50, `records after the last checkpoint: ${lastCheckpoint}..${lastSeq}`);
      assert.equal(batchEnds.at(-1), lastSeq, 'the last record ends a signed batch');
      const after = batchEnds.filter((s) => s > lastCheckpoint);
      assert.ok(after.length < lastSeq - lastCheckpoint, `some batches after the checkpoint hold several records: ${after.join(',')}`);
      const heads = lines.filter((l) => l.startsWith('{"type":"head"')).map((l) => JSON.parse(l) as { seq: number });
      assert.equal(heads.at(-1)!.seq, lastSeq, 'the audit stream ends with the signed head of the last batch');
    });

    it('the log as left verifies, also against the audit stream (--head)', async () => {
      const { args, sql } = await db.copy();
      await sql.close();
      const plain = await verify(args);
      assert.equal(plain.code, 0, plain.out);
      assert.match(plain.out, /audit log intact/);
      const withHead = await verify([...args, '--head', stream]);
      assert.equal(withHead.code, 0, withHead.out);
    });

    it('a forged append with a correct chain hash is not authenticated (and a head signature copied onto it is invalid)', async () => {
      const { args, sql } = await db.copy();
      let forged: number;
      try {
        forged = await forgeAppend(sql);
      } finally {
        await sql.close();
      }
      await assertDetected(args, [new RegExp(`records ${forged}\\.\\.${forged}: not authenticated — no head signature covers them`), new RegExp(`intact up to seq ${forged}\\)`)]);

      const second = await db.copy();
      try {
        const f = await forgeAppend(second.sql);
        const genuine = (await second.sql.all<{ head_signature: Buffer }>('SELECT head_signature FROM audit_records WHERE seq = ?', [f - 1]))[0]!.head_signature;
        await second.sql.run('UPDATE audit_records SET head_signature = ? WHERE seq = ?', [genuine, f]);
        forged = f;
      } finally {
        await second.sql.close();
      }
      await assertDetected(second.args, [new RegExp(`record ${forged}: head signature invalid`)]);
    });

    it('an edit of a record after the last checkpoint, every later hash recomputed, is caught at the head signature of its batch', async () => {
      const edited = lastCheckpoint + 35; // in the batches of several records
      const batchEnd = batchEnds.find((s) => s >= edited)!;
      const batchStart = (batchEnds.filter((s) => s < edited).at(-1) ?? 0) + 1;
      const { args, sql } = await db.copy();
      try {
        await editAndRecompute(sql, edited);
      } finally {
        await sql.close();
      }
      await assertDetected(args, [new RegExp(`record ${batchEnd}: head signature invalid \\(a record of its batch ${batchStart}\\.\\.${batchEnd}`), new RegExp(`intact up to seq ${batchEnd - 1}\\)`)]);

      // Removing the head signatures from there on as well: the records are not vouched for.
      const stripped = await db.copy();
      try {
        await editAndRecompute(stripped.sql, edited);
        await stripped.sql.run('UPDATE audit_records SET head_signature = NULL WHERE seq >= ?', [edited]);
      } finally {
        await stripped.sql.close();
      }
      await assertDetected(stripped.args, [new RegExp(`records ${batchStart}\\.\\.${lastSeq}: not authenticated`)]);
    });

    it('the tail deleted back to a batch end after the last checkpoint is exposed by the audit stream (--head), and only by it', async () => {
      const keep = batchEnds.find((s) => s >= lastCheckpoint + 20)!;
      assert.ok(keep < lastSeq);
      const { args, sql } = await db.copy();
      try {
        await sql.run('DELETE FROM audit_records WHERE seq > ?', [keep]);
      } finally {
        await sql.close();
      }
      const blind = await verify(args);
      assert.equal(blind.code, 0, `without a copy kept outside the database, a cut at a batch end looks intact: ${blind.out}`);
      await assertDetected([...args, '--head', stream], [new RegExp(`log truncated: the saved signed head covers seq ${lastSeq} but the log ends at seq ${keep}\\b`)]);
    });
  });

  describe('a forged append on a running server, verified through its API', () => {
    it('is reported although the server has since chained and signed its own records on top of it', async () => {
      const live = await b.database();
      const box = await startTestBox(live.storage);
      try {
        await box.call('POST', '/v1/keys', { type: 'ed25519' });
        await box.box.http.listen({ port: 0, host: '127.0.0.1' });
        const address = box.box.http.server.address() as { port: number };
        const env = { STRONGBOX_ADDR: `http://127.0.0.1:${address.port}`, STRONGBOX_TOKEN: box.rootToken };
        const intact = await verify([], env);
        assert.equal(intact.code, 0, intact.out);

        const sql = await live.open();
        let forged: number;
        try {
          forged = await forgeAppend(sql);
        } finally {
          await sql.close();
        }
        for (let i = 0; i < 3; i++) assert.equal((await box.call('GET', '/v1/keys?limit=1')).status, 200);
        const check = await box.call('GET', `/v1/audit?afterSeq=${forged}&limit=1`);
        assert.equal(check.body.records[0].seq, forged + 1, 'the server chained its next record onto the forged one');
        await assertDetected([], [new RegExp(`records ${forged}\\.\\.${forged}: not authenticated`)], env);
      } finally {
        await box.cleanup();
      }
    });
  });
}
