/**
 * Keyring rotation interrupted by kill -9: the re-wrap is resumable because each envelope records its
 * term, so after the restart and unseal the server finishes moving every record to the new term, and
 * every key still signs exactly as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

describe('rotation interrupted by kill -9', () => {
  let dir: string;
  let server: SpawnedServer;
  let token: string;
  let share: string;
  const sigs = new Map<string, string>();
  const digest = '0x' + '19'.repeat(32);
  const db = () => join(dir, 'data', 'strongbox.db');

  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(server.addr + path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const terms = () => {
    const d = new Database(db(), { readonly: true });
    try {
      return (d.prepare('SELECT sealed_material FROM key_versions').pluck().all() as Buffer[]).map((b) => b.readUInt32BE(1));
    } finally {
      d.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-rotcrash-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    const init = await call('POST', '/v1/sys/init', { shares: 1, threshold: 1 }, false);
    token = init.body.rootToken;
    share = init.body.shares[0];
    await call('POST', '/v1/sys/unseal', { share }, false);
    // Enough keys that the throttled re-wrap (100 per batch, a pause between batches) is still running when killed.
    for (let i = 0; i < 1500; i++) {
      const k = await call('POST', '/v1/keys', { type: 'secp256k1' });
      if (i % 100 === 0) sigs.set(k.body.id, (await call('POST', `/v1/keys/${k.body.id}/sign`, { digest })).body.signature);
    }
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes the re-wrap after a restart and loses nothing', async () => {
    assert.equal((await call('POST', '/v1/sys/rotate')).body.activeTerm, 2);
    // Kill as soon as the re-wrap has visibly started (progress counter), not after a fixed time.
    for (let i = 0; i < 2000; i++) {
      const s = await call('GET', '/v1/sys/rotate');
      if (s.body.rewrapped > 0 || !s.body.running) break;
    }
    await server.stop('SIGKILL');
    const mid = terms();
    assert.ok(mid.some((t) => t === 1), `killed before the re-wrap finished: ${mid.filter((t) => t === 2).length} of ${mid.length} moved`);

    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    await call('POST', '/v1/sys/unseal', { share }, false);
    for (let i = 0; i < 3000; i++) {
      const s = await call('GET', '/v1/sys/rotate');
      if (!s.body.running && s.body.finishedAt !== null && terms().every((t) => t === 2)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(terms().every((t) => t === 2), 'every record is on term 2');
    for (const [id, sig] of sigs) assert.equal((await call('POST', `/v1/keys/${id}/sign`, { digest })).body.signature, sig);
  });
});
