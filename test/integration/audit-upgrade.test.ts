/**
 * Old audit logs stay verifiable. A data directory is brought into exactly the form the release
 * before head signatures wrote — schema version 11 (no head_signature column), records without head
 * signatures, v1 checkpoints signed with the installation's audit key (the format of
 * audit/record.ts, rebuilt here) — and then: `audit verify` accepts it as before; its tail after the
 * last checkpoint (a kill before it) is a warning, not a failure; after the upgrade (migration 12,
 * unseal, new records with head signatures) the whole log verifies, also against the audit stream.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sign as edSign, type KeyObject } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestBox } from '../helpers/app.js';
import { runCliOutput } from '../helpers/cli.js';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';

interface CheckpointV1 {
  v: 1;
  seq: number;
  hash: string;
  time: string;
  publicKey: string;
  signature: string;
}

function signV1(body: Omit<CheckpointV1, 'signature'>, key: KeyObject): CheckpointV1 {
  const message = Buffer.from('strongbox/audit-checkpoint/v1\n' + JSON.stringify({ v: body.v, seq: body.seq, hash: body.hash, time: body.time, publicKey: body.publicKey }), 'utf8');
  return { ...body, signature: edSign(null, message, key).toString('hex') };
}

describe('audit logs written before head signatures', () => {
  let work: string;
  let legacy: string;
  let shares: string[];
  let rootToken: string;
  let lastSeq: number;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'strongbox-audit-upgrade-'));
    const box = await startTestBox({ dataDir: join(work, 'legacy') });
    legacy = box.dataDir;
    shares = box.shares;
    rootToken = box.rootToken;
    const keyId = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id as string;
    for (let i = 0; i < 30; i++) assert.equal((await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: '0x' + randomBytes(32).toString('hex') })).status, 200);
    await box.box.ctx.audit.checkpoint();
    for (let i = 0; i < 10; i++) assert.equal((await box.call('GET', '/v1/keys?limit=1')).status, 200);
    const signingKey = box.box.ctx.audit.keys!.signingKey;
    await box.stop();

    // What the previous release leaves: no head_signature column, schema version 11, v1 checkpoints
    // (at the explicit checkpoint and, as at its shutdown, at the last record).
    const db = new Database(join(legacy, SQLITE_FILE));
    try {
      db.transaction(() => {
        db.exec('ALTER TABLE audit_records DROP COLUMN head_signature');
        // and what the later migrations added (13: the tokens' maximum lifetime; 14: spend buckets; 15: KMIP metadata; 17: signed requests; 18: caller bindings; 19: MuSig2 sessions; 20: the KMIP Locate index; 21: key certificates; 22: KMIP items), which
        // rerun at the upgrade
        db.exec('ALTER TABLE tokens DROP COLUMN max_expires_at; ALTER TABLE tokens DROP COLUMN renewable');
        db.exec(`DROP INDEX spend_reservations_bucket; DROP INDEX spend_reservations_reservation;
          ALTER TABLE spend_reservations DROP COLUMN bucket; ALTER TABLE spend_reservations DROP COLUMN reservation_id;
          CREATE INDEX spend_reservations_scope ON spend_reservations(scope, scope_id, created_at)`);
        db.exec('DROP TABLE kmip_objects'); // 15: KMIP metadata
        db.exec('DROP TABLE app_keys; DROP TABLE request_nonces'); // 17: signed requests
        db.exec('ALTER TABLE tokens DROP COLUMN bind_caller'); // 18: tokens bound to a caller measurement
        db.exec('DROP TABLE kmip_names; DROP INDEX keys_type_seq; DROP INDEX keys_state_seq'); // 20: the KMIP Locate index
        db.exec('DROP TABLE key_certificates'); // 21: certificates attached to keys
        db.exec('DROP TABLE kmip_item_names; DROP TABLE kmip_items'); // 22: KMIP items (public keys, Secret Data, Opaque Objects)
        db.exec('DROP TABLE musig2_sessions'); // 19: MuSig2 sessions
        db.prepare('DELETE FROM schema_migrations WHERE version >= 12').run();
        const cps = db.prepare('SELECT seq, checkpoint FROM audit_checkpoints ORDER BY seq').all() as { seq: number; checkpoint: string }[];
        db.prepare('DELETE FROM audit_checkpoints').run();
        lastSeq = db.prepare('SELECT max(seq) FROM audit_records').pluck().get() as number;
        const publicKey = Buffer.from(db.prepare("SELECT value FROM sys_values WHERE name = 'audit_public_key'").pluck().get() as Buffer).toString('hex');
        const seqs = [...new Set([...cps.map((c) => c.seq).filter((s) => s < lastSeq), lastSeq])];
        for (const seq of seqs) {
          const hash = Buffer.from(db.prepare('SELECT hash FROM audit_records WHERE seq = ?').pluck().get(seq) as Buffer).toString('hex');
          const cp = signV1({ v: 1, seq, hash, time: new Date().toISOString(), publicKey }, signingKey);
          db.prepare('INSERT INTO audit_checkpoints (seq, checkpoint) VALUES (?, ?)').run(seq, JSON.stringify(cp));
        }
      })();
      assert.equal(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get(), 11);
      assert.equal((db.prepare('PRAGMA table_info(audit_records)').all() as { name: string }[]).some((c) => c.name === 'head_signature'), false);
    } finally {
      db.close();
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('verify accepts the log as the previous release left it', async () => {
    const r = await runCliOutput(['audit', 'verify', '--data-dir', legacy]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`audit log intact: ${lastSeq} records \\(last seq ${lastSeq}\\), 2 signed checkpoints, 0 signed batch heads`));
    assert.doesNotMatch(r.out, /warning/);
  });

  it('a tail the previous release wrote after its last checkpoint is a warning, not a failure', async () => {
    const dir = join(work, 'killed');
    cpSync(legacy, dir, { recursive: true });
    const db = new Database(join(dir, SQLITE_FILE));
    const kept = db.prepare('SELECT min(seq) FROM audit_checkpoints').pluck().get() as number;
    db.prepare('DELETE FROM audit_checkpoints WHERE seq > ?').run(kept);
    db.close();
    const r = await runCliOutput(['audit', 'verify', '--data-dir', dir]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`warning: records ${kept + 1}\\.\\.${lastSeq}: not authenticated — written without head signatures`));
  });

  it('after the upgrade the old and the new records verify together, also against the audit stream', async () => {
    const dir = join(work, 'upgraded');
    cpSync(legacy, dir, { recursive: true });
    const lines: string[] = [];
    const box = await startTestBox({ dataDir: dir, bare: true, rootToken, auditSink: { write: (line: string) => lines.push(line) } });
    try {
      assert.equal((await box.call('POST', '/v1/sys/unseal', { share: shares[0] }, null)).status, 200);
      for (let i = 0; i < 5; i++) assert.equal((await box.call('GET', '/v1/keys?limit=1')).status, 200);
    } finally {
      await box.stop();
    }
    const stream = join(work, 'stream.jsonl');
    writeFileSync(stream, lines.join(''));
    const r = await runCliOutput(['audit', 'verify', '--data-dir', dir, '--head', stream]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /audit log intact: \d+ records/);
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(db.prepare('SELECT count(*) FROM schema_migrations WHERE version = 12').pluck().get(), 1, 'migration 12 ran');
      assert.equal(db.prepare('SELECT count(*) FROM audit_records WHERE seq <= ? AND head_signature IS NOT NULL').pluck().get(lastSeq), 0, 'old rows are left as they were');
      assert.ok((db.prepare('SELECT count(*) FROM audit_records WHERE seq > ? AND head_signature IS NOT NULL').pluck().get(lastSeq) as number) > 0, 'new rows are signed');
    } finally {
      db.close();
    }
  });
});
