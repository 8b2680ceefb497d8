/**
 * Keyring rotation and rekey on a real SQLite file: after rotation new writes use the new term at
 * once; the background re-wrap moves every record to it (checked in the envelope headers on disk),
 * resumes after being interrupted, and keys keep producing the same signatures; rekey replaces the
 * shares (old ones stop working) without re-encrypting anything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';

const digest = '0x' + '5a'.repeat(32);

function termsOnDisk(dataDir: string): { keys: number[]; secrets: number[]; awsCredentials: number[] } {
  const db = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    const term = (b: Buffer) => b.readUInt32BE(1);
    return {
      keys: (db.prepare('SELECT sealed_material FROM key_versions').pluck().all() as Buffer[]).map(term),
      secrets: (db.prepare('SELECT sealed_value FROM secret_versions WHERE sealed_value IS NOT NULL').pluck().all() as Buffer[]).map(term),
      awsCredentials: (db.prepare('SELECT sealed_secret FROM aws_credentials').pluck().all() as Buffer[]).map(term),
    };
  } finally {
    db.close();
  }
}

async function waitForRewrap(box: TestBox): Promise<any> {
  for (let i = 0; i < 500; i++) {
    const s = await box.call('GET', '/v1/sys/rotate');
    if (!s.body.running && s.body.finishedAt !== null) return s.body;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('re-wrap did not finish');
}

describe('keyring rotation and re-wrap', () => {
  let box: TestBox;
  const sigs = new Map<string, string>();
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
    for (let i = 0; i < 250; i++) {
      const k = await box.call('POST', '/v1/keys', { type: i % 2 ? 'secp256k1' : 'ed25519' });
      assert.equal(k.status, 201);
      const s = await box.call('POST', `/v1/keys/${k.body.id}/sign`, k.body.type === 'ed25519' ? { message: '0x01' } : { digest });
      sigs.set(k.body.id, s.body.signature);
    }
    await box.call('PUT', '/v1/secrets/team/db', { data: { password: 'hunter2' } });
    const live = await box.call('POST', '/v1/aws-credentials', { policies: ['admin'] });
    const revoked = await box.call('POST', '/v1/aws-credentials', { policies: ['admin'] });
    assert.equal((await box.call('DELETE', `/v1/aws-credentials/${revoked.body.accessKeyId}`)).status, 200);
    assert.equal(live.status, 201);
  });
  after(() => box.cleanup());

  it('everything starts on term 1', () => {
    const t = termsOnDisk(box.dataDir);
    assert.ok(t.keys.every((x) => x === 1) && t.secrets.every((x) => x === 1));
    assert.deepEqual(t.awsCredentials, [1, 1]);
  });

  it('rotation makes term 2 active for new writes at once, and the re-wrap moves every record', async () => {
    const r = await box.call('POST', '/v1/sys/rotate');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { activeTerm: 2, terms: 2 });
    const fresh = await box.call('POST', '/v1/keys', { type: 'p256' });
    const db = new Database(join(box.dataDir, SQLITE_FILE), { readonly: true });
    const blob = db.prepare('SELECT sealed_material FROM key_versions WHERE key_id = ?').pluck().get(fresh.body.id) as Buffer;
    db.close();
    assert.equal(blob.readUInt32BE(1), 2, 'a key created after rotation is sealed under term 2');
    const status = await waitForRewrap(box);
    assert.equal(status.error, null);
    assert.ok(status.rewrapped >= 253, `rewrapped ${status.rewrapped}`);
    const t = termsOnDisk(box.dataDir);
    assert.ok(t.keys.every((x) => x === 2), `terms on disk: ${[...new Set(t.keys)]}`);
    assert.ok(t.secrets.every((x) => x === 2));
    assert.deepEqual(t.awsCredentials, [2, 2], 'AWS credential secrets (the revoked one too) moved to term 2');
  });

  it('keys sign exactly as before, secrets read back, after a restart too', async () => {
    await box.stop();
    const again = await startTestBox({ dataDir: box.dataDir, bare: true, rootToken: box.rootToken });
    again.shares = box.shares;
    box = again;
    for (const s of box.shares.slice(0, 2)) await box.call('POST', '/v1/sys/unseal', { share: s }, null);
    for (const [id, sig] of [...sigs].slice(0, 40)) {
      const k = await box.call('GET', `/v1/keys/${id}`);
      const s = await box.call('POST', `/v1/keys/${id}/sign`, k.body.type === 'ed25519' ? { message: '0x01' } : { digest });
      assert.equal(s.body.signature, sig, id);
    }
    assert.deepEqual((await box.call('GET', '/v1/secrets/team/db')).body.data, { password: 'hunter2' });
  });

  it('an interrupted re-wrap resumes and finishes at the next unseal', async () => {
    // A tiny batch size and a seal in the middle of the pass interrupt it.
    const rw = box.box.ctx.rewrap as unknown as { batchSize: number; pauseMs: number };
    Object.defineProperty(rw, 'batchSize', { value: 10 });
    Object.defineProperty(rw, 'pauseMs', { value: 20 });
    await box.call('POST', '/v1/sys/rotate');
    // Seal once the pass has moved some records (by its progress counter, not by time).
    for (let i = 0; i < 1000 && box.box.ctx.rewrap.progress.rewrapped < 10; i++) await new Promise((r) => setTimeout(r, 5));
    await box.call('POST', '/v1/sys/seal');
    const mid = termsOnDisk(box.dataDir).keys;
    assert.ok(mid.some((t) => t === 2) && mid.some((t) => t === 3), `interrupted mid-way: ${mid.filter((t) => t === 3).length} of ${mid.length} moved`);
    for (const s of box.shares.slice(0, 2)) await box.call('POST', '/v1/sys/unseal', { share: s }, null);
    const status = await waitForRewrap(box);
    assert.equal(status.error, null);
    assert.ok(termsOnDisk(box.dataDir).keys.every((t) => t === 3));
  });

  it('rotation needs sys:rotate', async () => {
    const t = await box.call('POST', '/v1/tokens', { policies: ['signer'] });
    assert.equal((await box.call('POST', '/v1/sys/rotate', undefined, t.body.token)).status, 403);
  });
});

describe('rekey', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
  });
  after(() => box.cleanup());

  it('replaces 2-of-3 shares with 3-of-5; the old shares stop working, the new ones unseal', async () => {
    const start = await box.call('POST', '/v1/sys/rekey/attempt', { shares: 5, threshold: 3 }, null);
    assert.equal(start.status, 200);
    const wrongNonce = await box.call('POST', '/v1/sys/rekey/update', { nonce: 'nope', share: box.shares[0] }, null);
    assert.equal(wrongNonce.body.code, 'REKEY_NOT_STARTED');
    const one = await box.call('POST', '/v1/sys/rekey/update', { nonce: start.body.nonce, share: box.shares[0] }, null);
    assert.equal(one.body.complete, false);
    const done = await box.call('POST', '/v1/sys/rekey/update', { nonce: start.body.nonce, share: box.shares[2] }, null);
    assert.equal(done.body.complete, true);
    assert.equal(done.body.shares.length, 5);
    const newShares: string[] = done.body.shares;

    await box.call('POST', '/v1/sys/seal');
    for (const s of box.shares.slice(0, 2)) {
      const r = await box.call('POST', '/v1/sys/unseal', { share: s }, null);
      assert.equal(r.body.code, 'INVALID_SHARE', 'an old 2-of-3 share is rejected');
    }
    for (const s of [newShares[4], newShares[1]]) assert.equal((await box.call('POST', '/v1/sys/unseal', { share: s }, null)).body.sealed, true);
    const last = await box.call('POST', '/v1/sys/unseal', { share: newShares[2] }, null);
    assert.equal(last.body.sealed, false);
    assert.equal((await box.call('GET', '/v1/sys/health', undefined, null)).body.sealed, false);
  });

  it('a corrupted share fails the rekey and changes nothing', async () => {
    const health = await box.call('GET', '/v1/sys/health', undefined, null);
    assert.equal(health.body.sealed, false);
    const start = await box.call('POST', '/v1/sys/rekey/attempt', { shares: 1, threshold: 1 }, null);
    assert.equal(start.body.threshold, 3);
    // With the 3-of-5 set, a share of the old 2-of-3 set is refused outright.
    const old = await box.call('POST', '/v1/sys/rekey/update', { nonce: start.body.nonce, share: box.shares[0] }, null);
    assert.equal(old.body.code, 'INVALID_SHARE');
    assert.equal((await box.call('DELETE', '/v1/sys/rekey/attempt', { nonce: start.body.nonce }, null)).body.started, false);
  });
});
