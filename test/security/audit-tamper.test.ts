/**
 * Tampering with a stored audit log, the way someone with write access to the database file would:
 * editing, deleting, reordering rows, rewriting the chain after an edit (recomputing every later
 * hash with the public formula, but without the signing key), truncating the tail, forging
 * checkpoints. `strongbox audit verify --data-dir` (the built CLI) must exit 1 and name the exact
 * sequence number for each; the untouched copy must exit 0. The same for an exported file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign as edSign, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestBox } from '../helpers/app.js';
import { describeTamperAfterLastCheckpoint, type SqlHandle } from '../helpers/audit-tamper.js';
import { cliPath } from '../helpers/paths.js';

const DB_FILE = 'strongbox.db';

interface Checkpoint {
  v: 1;
  seq: number;
  hash: string;
  time: string;
  publicKey: string;
  signature: string;
}

interface CliResult {
  code: number;
  out: string;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_')) env[k] = v;
  return env;
}

function cli(args: string[]): Promise<CliResult> {
  const env = childEnv();
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** `strongbox audit export --data-dir dir > file`: stdout is the file itself, as with a shell redirect. */
function exportToFile(dir: string, file: string): Promise<number | null> {
  const fd = openSync(file, 'w');
  const proc = spawn(process.execPath, [cliPath, 'audit', 'export', '--data-dir', dir], { env: childEnv(), stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => resolve(code));
  });
}

/** hash(n) = SHA-256("strongbox/audit/v1" ‖ hash(n-1) ‖ text(n)) — record.ts, recomputed here as a forger would. */
const chainHash = (prev: Uint8Array, text: string): Buffer => createHash('sha256').update('strongbox/audit/v1').update(prev).update(text, 'utf8').digest();

function signCheckpoint(body: Omit<Checkpoint, 'signature'>, key: KeyObject): string {
  const msg = Buffer.from('strongbox/audit-checkpoint/v1\n' + JSON.stringify({ v: body.v, seq: body.seq, hash: body.hash, time: body.time, publicKey: body.publicKey }), 'utf8');
  return edSign(null, msg, key).toString('hex');
}

function rawPublicKey(key: KeyObject): string {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
}

describe('audit log tampering is detected by `strongbox audit verify`', () => {
  let work: string;
  let pristine: string;
  let lastSeq: number;
  let cpSeqs: number[];
  let genuinePublicKey: string;
  let caseNo = 0;

  /** A fresh copy of the pristine data dir, tampered with by `edit` through better-sqlite3. */
  function tampered(edit: (db: Database.Database) => void): string {
    const dir = join(work, `case-${++caseNo}`);
    cpSync(pristine, dir, { recursive: true });
    const db = new Database(join(dir, DB_FILE));
    try {
      db.transaction(() => edit(db))();
    } finally {
      db.close();
    }
    return dir;
  }

  const rowText = (db: Database.Database, seq: number): string => db.prepare('SELECT record FROM audit_records WHERE seq = ?').pluck().get(seq) as string;

  /** Edits record `seq` (changes its clientIp) and, if `rewrite`, recomputes every later hash. */
  function editRecord(db: Database.Database, seq: number, rewrite: boolean): Map<number, string> {
    const text = rowText(db, seq);
    const edited = text.replace('"clientIp":"127.0.0.1"', '"clientIp":"10.9.8.7"');
    assert.notEqual(edited, text);
    db.prepare('UPDATE audit_records SET record = ? WHERE seq = ?').run(edited, seq);
    const newHashes = new Map<number, string>();
    if (!rewrite) return newHashes;
    let prev = db.prepare('SELECT hash FROM audit_records WHERE seq = ?').pluck().get(seq - 1) as Buffer;
    for (const row of db.prepare('SELECT seq, record FROM audit_records WHERE seq >= ? ORDER BY seq').all(seq) as { seq: number; record: string }[]) {
      const h = chainHash(prev, row.record);
      db.prepare('UPDATE audit_records SET hash = ? WHERE seq = ?').run(h, row.seq);
      newHashes.set(row.seq, h.toString('hex'));
      prev = h;
    }
    return newHashes;
  }

  async function assertDetected(dir: string, patterns: RegExp[], extraArgs: string[] = []): Promise<void> {
    const r = await cli(['audit', 'verify', '--data-dir', dir, ...extraArgs]);
    assert.equal(r.code, 1, `verify must exit 1 on a tampered log, got ${r.code}: ${r.out}`);
    assert.match(r.out, /NOT INTACT/);
    for (const p of patterns) assert.match(r.out, p, `verify output names the place: ${r.out}`);
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'strongbox-audit-tamper-'));
    const box = await startTestBox({ dataDir: join(work, 'pristine') });
    pristine = box.dataDir;
    const keyId = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id as string;
    for (let i = 0; i < 320; i++) {
      const r = i % 3 === 0 ? await box.call('GET', '/v1/sys/health', undefined, null) : await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: '0x' + randomBytes(32).toString('hex') });
      assert.ok(r.status === 200, JSON.stringify(r.body));
      if (i % 70 === 69) assert.ok(await box.box.ctx.audit.checkpoint());
    }
    await box.stop(); // writes a final checkpoint at the head

    const db = new Database(join(pristine, DB_FILE), { readonly: true });
    lastSeq = db.prepare('SELECT max(seq) FROM audit_records').pluck().get() as number;
    cpSeqs = db.prepare('SELECT seq FROM audit_checkpoints ORDER BY seq').pluck().all() as number[];
    genuinePublicKey = Buffer.from(db.prepare("SELECT value FROM sys_values WHERE name = 'audit_public_key'").pluck().get() as Buffer).toString('hex');
    db.close();
    assert.ok(lastSeq >= 300, `log has ${lastSeq} records`);
    assert.ok(cpSeqs.length >= 4, `checkpoints at ${cpSeqs.join(',')}`);
    assert.equal(cpSeqs.at(-1), lastSeq, 'the final checkpoint pins the head');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** The first checkpoint at or after `seq`, and the one before it. */
  const checkpointAfter = (seq: number): number => cpSeqs.find((c) => c >= seq)!;

  it('the untampered log verifies (exit 0), also with the genuine public key given explicitly', async () => {
    const r = await cli(['audit', 'verify', '--data-dir', pristine]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`intact: ${lastSeq} records \\(last seq ${lastSeq}\\), ${cpSeqs.length} signed checkpoints`));
    const explicit = await cli(['audit', 'verify', '--data-dir', pristine, '--public-key', genuinePublicKey]);
    assert.equal(explicit.code, 0, explicit.out);
    const copy = tampered(() => undefined);
    assert.equal((await cli(['audit', 'verify', '--data-dir', copy])).code, 0, 'a plain copy verifies');
  });

  it('(a) one edited record: hash mismatch at exactly that seq', async () => {
    const dir = tampered((db) => editRecord(db, 123, false));
    await assertDetected(dir, [/record 123: hash mismatch/, /intact up to seq 122\)/]);
  });

  it('(b) a deleted middle row: the missing seq is named', async () => {
    const dir = tampered((db) => db.prepare('DELETE FROM audit_records WHERE seq = ?').run(200));
    await assertDetected(dir, [/records 200\.\.200 missing \(deleted\) before seq 201/, /intact up to seq 199\)/]);
  });

  it('(c1) two rows swapped (texts and hashes moved to each other\'s seq): reported as reordered at that seq', async () => {
    const dir = tampered((db) => {
      const a = db.prepare('SELECT record, hash FROM audit_records WHERE seq = 150').get() as { record: string; hash: Buffer };
      const b = db.prepare('SELECT record, hash FROM audit_records WHERE seq = 151').get() as { record: string; hash: Buffer };
      db.prepare('UPDATE audit_records SET record = ?, hash = ? WHERE seq = 150').run(b.record, b.hash);
      db.prepare('UPDATE audit_records SET record = ?, hash = ? WHERE seq = 151').run(a.record, a.hash);
    });
    await assertDetected(dir, [/record 150: its text names seq 151/]);
  });

  it('(c2) two records reordered with their seq fields renumbered to fit: hash mismatch at that seq', async () => {
    const dir = tampered((db) => {
      const a = rowText(db, 150);
      const b = rowText(db, 151);
      db.prepare('UPDATE audit_records SET record = ? WHERE seq = 150').run(b.replace('"seq":151,', '"seq":150,'));
      db.prepare('UPDATE audit_records SET record = ? WHERE seq = 151').run(a.replace('"seq":150,', '"seq":151,'));
    });
    await assertDetected(dir, [/record 150: hash mismatch/]);
  });

  it('(d) an edit with every later hash recomputed (no signing key): caught at the head signature of its batch, before the next checkpoint', async () => {
    const edited = cpSeqs[1]! + 5; // strictly between two checkpoints
    const at = checkpointAfter(edited);
    assert.ok(at > edited);
    const dir = tampered((db) => editRecord(db, edited, true));
    // Requests were made one at a time, so each record is its own batch with its own head signature.
    await assertDetected(dir, [new RegExp(`record ${edited}: head signature invalid`), new RegExp(`intact up to seq ${edited - 1}\\)`)]);
  });

  it('(e) the tail truncated back past the last checkpoint: reported as truncated, naming both seqs', async () => {
    const lastCp = cpSeqs.at(-1)!;
    const keep = cpSeqs.at(-2)! + 3;
    assert.ok(keep < lastCp);
    const dir = tampered((db) => db.prepare('DELETE FROM audit_records WHERE seq > ?').run(keep));
    await assertDetected(dir, [new RegExp(`log truncated: a signed checkpoint covers seq ${lastCp} but the log ends at seq ${keep}\\b`)]);
  });

  it('(f1) a checkpoint signature replaced by one from another key: signature invalid at that seq', async () => {
    const target = cpSeqs[2]!;
    const attacker = generateKeyPairSync('ed25519').privateKey;
    const dir = tampered((db) => {
      const cp = JSON.parse(db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE seq = ?').pluck().get(target) as string) as Checkpoint;
      cp.signature = signCheckpoint(cp, attacker);
      db.prepare('UPDATE audit_checkpoints SET checkpoint = ? WHERE seq = ?').run(JSON.stringify(cp), target);
    });
    await assertDetected(dir, [new RegExp(`checkpoint at seq ${target}: signature invalid`)]);
  });

  it('(f2) a rewritten chain with the checkpoint hash edited to match (old signature kept): signature invalid at that seq', async () => {
    const edited = cpSeqs[1]! + 2;
    const at = checkpointAfter(edited);
    const dir = tampered((db) => {
      const hashes = editRecord(db, edited, true);
      for (const c of cpSeqs.filter((s) => s >= edited)) {
        const cp = JSON.parse(db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE seq = ?').pluck().get(c) as string) as Checkpoint;
        cp.hash = hashes.get(c)!;
        db.prepare('UPDATE audit_checkpoints SET checkpoint = ? WHERE seq = ?').run(JSON.stringify(cp), c);
      }
    });
    await assertDetected(dir, [new RegExp(`checkpoint at seq ${at}: signature invalid`)]);
  });

  it('(f3) a rewritten chain re-signed with the forger\'s own key: untrusted key at that seq', async () => {
    const edited = cpSeqs[1]! + 2;
    const at = checkpointAfter(edited);
    const attacker = generateKeyPairSync('ed25519').privateKey;
    const dir = tampered((db) => {
      const hashes = editRecord(db, edited, true);
      for (const c of cpSeqs.filter((s) => s >= edited)) {
        const cp = JSON.parse(db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE seq = ?').pluck().get(c) as string) as Checkpoint;
        const body = { v: 1 as const, seq: c, hash: hashes.get(c)!, time: cp.time, publicKey: rawPublicKey(attacker) };
        db.prepare('UPDATE audit_checkpoints SET checkpoint = ? WHERE seq = ?').run(JSON.stringify({ ...body, signature: signCheckpoint(body, attacker) }), c);
      }
    });
    await assertDetected(dir, [new RegExp(`checkpoint at seq ${at}: signed by an untrusted key`)]);
  });

  it('(f4) everything re-signed and the stored public key replaced: caught when the auditor gives the genuine key', async () => {
    const edited = cpSeqs[1]! + 2;
    const at = checkpointAfter(edited);
    const attacker = generateKeyPairSync('ed25519').privateKey;
    const dir = tampered((db) => {
      const hashes = editRecord(db, edited, true);
      for (const c of cpSeqs) {
        const cp = JSON.parse(db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE seq = ?').pluck().get(c) as string) as Checkpoint;
        const body = { v: 1 as const, seq: c, hash: hashes.get(c) ?? cp.hash, time: cp.time, publicKey: rawPublicKey(attacker) };
        db.prepare('UPDATE audit_checkpoints SET checkpoint = ? WHERE seq = ?').run(JSON.stringify({ ...body, signature: signCheckpoint(body, attacker) }), c);
      }
      db.prepare("UPDATE sys_values SET value = ? WHERE name = 'audit_public_key'").run(Buffer.from(rawPublicKey(attacker), 'hex'));
    });
    await assertDetected(dir, [new RegExp(`checkpoint at seq ${at}: signed by an untrusted key`)], ['--public-key', genuinePublicKey]);
  });

  it('audit export piped to a slow reader is complete (every record and checkpoint line)', async () => {
    // Like `strongbox audit export | slow-consumer`: the consumer starts reading only after a pause,
    // so the exporter must wait for the pipe instead of exiting with output still queued.
    const { execFile } = await import('node:child_process');
    const script = `"${process.execPath}" "${cliPath}" audit export --data-dir "${pristine}" | (sleep 1; cat)`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', `set -o pipefail; ${script}`], { env: childEnv(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const lines = out.split('\n').filter((l) => l !== '');
    const records = lines.filter((l) => l.startsWith('{"type":"record"'));
    assert.equal(records.length, lastSeq, `record lines through a pipe: ${records.length} of ${lastSeq} (${out.length} bytes received)`);
    assert.equal(lines.filter((l) => l.startsWith('{"type":"checkpoint"')).length, cpSeqs.length);
  });

  it('export > file → verify --file exits 0; editing one line of the file makes it exit 1 naming that seq', async () => {
    const file = join(work, 'export.jsonl');
    assert.equal(await exportToFile(pristine, file), 0);
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.filter((l) => JSON.parse(l).type === 'record').length, lastSeq);
    assert.equal(lines.filter((l) => JSON.parse(l).type === 'checkpoint').length, cpSeqs.length);

    const ok = await cli(['audit', 'verify', '--file', file]);
    assert.equal(ok.code, 0, ok.out);
    const okKey = await cli(['audit', 'verify', '--file', file, '--public-key', genuinePublicKey]);
    assert.equal(okKey.code, 0, okKey.out);

    const target = 77;
    const text = readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => {
        if (line === '') return line;
        const obj = JSON.parse(line) as { type: string; seq: number; record?: string };
        if (obj.type !== 'record' || obj.seq !== target) return line;
        return JSON.stringify({ ...obj, record: obj.record!.replace('"clientIp":"127.0.0.1"', '"clientIp":"10.9.8.7"') });
      })
      .join('\n');
    assert.notEqual(text, readFileSync(file, 'utf8'));
    const editedFile = join(work, 'export-edited.jsonl');
    writeFileSync(editedFile, text);
    const bad = await cli(['audit', 'verify', '--file', editedFile]);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, new RegExp(`record ${target}: hash mismatch`));

    // A line removed from the file: the missing seq is named.
    const dropped = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line === '' || !(JSON.parse(line).type === 'record' && JSON.parse(line).seq === 250))
      .join('\n');
    const droppedFile = join(work, 'export-dropped.jsonl');
    writeFileSync(droppedFile, dropped);
    const miss = await cli(['audit', 'verify', '--file', droppedFile]);
    assert.equal(miss.code, 1, miss.out);
    assert.match(miss.out, /records 250\.\.250 missing/);
  });
});

function sqliteHandle(file: string): SqlHandle {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  return {
    all: async <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[],
    run: async (sql, params = []) => void db.prepare(sql).run(...params),
    close: async () => void db.close(),
  };
}

describe('SQLite', () => {
  const work = mkdtempSync(join(tmpdir(), 'strongbox-audit-tail-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  let n = 0;
  describeTamperAfterLastCheckpoint(async () => ({
    label: 'SQLite',
    workDir: work,
    async database() {
      const dir = join(work, `db-${++n}`);
      let copies = 0;
      return {
        storage: { dataDir: dir },
        open: async () => sqliteHandle(join(dir, DB_FILE)),
        async copy() {
          const copy = join(work, `${dir}-copy-${++copies}`.replace(/[/]/g, '_'));
          cpSync(dir, copy, { recursive: true });
          return { args: ['--data-dir', copy], sql: sqliteHandle(join(copy, DB_FILE)) };
        },
      };
    },
  }));
});
