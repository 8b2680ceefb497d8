/**
 * The cold-storage ceremony against a real SoftHSM2 token and the built server: escrow the root key
 * to custodians (authorized by recovery shares), go cold (seal + destroy the HSM wrapping key), prove
 * nothing signs — not even after a restart — and restore from M escrow shares into a new HSM key.
 * Each share is checked against its set's commitments (recovery or escrow shares); an attempt is
 * cancelled only with its nonce or a share of its set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

describe('cold storage (pkcs11)', () => {
  let dir: string;
  let hsm: SoftHsm;
  let env: Record<string, string>;
  let server: SpawnedServer;
  let token: string;
  let recovery: string[];
  let escrow: string[];
  let keyId: string;
  let signature: string;
  const digest = '0x' + '64'.repeat(32);

  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await fetch(server.addr + path, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const start = async () => {
    server = await spawnServer(['--seal', 'pkcs11', '--data-dir', join(dir, 'data'), '--log-level', 'warn'], env);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-cold-'));
    hsm = createSoftHsm({ tokenLabel: 'strongbox-cold' });
    env = { SOFTHSM2_CONF: hsm.confPath, STRONGBOX_PKCS11_LIBRARY: hsm.library, STRONGBOX_PKCS11_TOKEN_LABEL: hsm.tokenLabel, STRONGBOX_PKCS11_PIN: hsm.pin };
    await start();
    const init = await call('POST', '/v1/sys/init', { shares: 3, threshold: 2 }, false);
    assert.equal(init.body.sharesKind, 'recovery');
    token = init.body.rootToken;
    recovery = init.body.shares;
    keyId = (await call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
    signature = (await call('POST', `/v1/keys/${keyId}/sign`, { digest })).body.signature;
  });
  after(async () => {
    await server.stop();
    hsm.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to go cold before an escrow exists', async () => {
    const r = await call('POST', '/v1/sys/cold', { confirm: 'destroy the HSM wrapping key' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'ESCROW_REQUIRED');
    assert.equal((await call('POST', `/v1/keys/${keyId}/sign`, { digest })).status, 200, 'still serving');
  });

  it('an escrow attempt is cancelled only with its nonce or a recovery share; forged shares count for nothing', async () => {
    const start = await call('POST', '/v1/sys/escrow/attempt', { shares: 3, threshold: 2 }, false);
    assert.equal(start.status, 200);
    const { nonce } = start.body;
    assert.equal((await call('POST', '/v1/sys/ceremony/update', { nonce, share: recovery[1] }, false)).body.progress, 1);
    const forged = await call('POST', '/v1/sys/ceremony/update', { nonce, share: '0x0102' + 'ab'.repeat(33) }, false);
    assert.equal(forged.status, 400);
    assert.equal(forged.body.code, 'UNKNOWN_SHARE');
    assert.equal((await call('POST', '/v1/sys/escrow/attempt', { shares: 3, threshold: 2 }, false)).body.code, 'ATTEMPT_IN_PROGRESS');
    assert.equal((await call('DELETE', '/v1/sys/ceremony/attempt', {}, false)).body.field, 'nonce');
    assert.equal((await call('DELETE', '/v1/sys/ceremony/attempt', { share: '0x0102' + 'ab'.repeat(33) }, false)).body.code, 'UNKNOWN_SHARE');
    assert.deepEqual((await call('DELETE', '/v1/sys/ceremony/attempt', { share: recovery[0] }, false)).body, { started: false });
    assert.equal((await call('POST', '/v1/sys/ceremony/update', { nonce, share: recovery[0] }, false)).body.code, 'REKEY_NOT_STARTED');
  });

  it('escrows the root key to 3 custodians with 2 recovery shares', async () => {
    const start = await call('POST', '/v1/sys/escrow/attempt', { shares: 3, threshold: 2 }, false);
    assert.equal(start.status, 200);
    assert.equal((await call('POST', '/v1/sys/ceremony/update', { nonce: start.body.nonce, share: recovery[0] }, false)).body.complete, false);
    const done = await call('POST', '/v1/sys/ceremony/update', { nonce: start.body.nonce, share: recovery[2] }, false);
    assert.equal(done.body.complete, true);
    escrow = done.body.shares;
    assert.equal(escrow.length, 3);
  });

  it('goes cold: nothing signs, not even after a restart', async () => {
    const r = await call('POST', '/v1/sys/cold', { confirm: 'destroy the HSM wrapping key' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await call('POST', `/v1/keys/${keyId}/sign`, { digest })).status, 503);
    const unseal = await call('POST', '/v1/sys/unseal', {}, false);
    assert.equal(unseal.status, 503, 'the HSM no longer has the wrapping key');
    await server.stop();
    await start();
    const health = await call('GET', '/v1/sys/health', undefined, false);
    assert.equal(health.body.sealed, true);
    assert.match(health.body.sealedReason, /cold storage/);
    assert.equal((await call('POST', `/v1/keys/${keyId}/sign`, { digest })).status, 503);
  });

  it('recovery shares cannot restore; a quorum of escrow shares does, and the same key signs again', async () => {
    const attempt = await call('POST', '/v1/sys/restore-hsm/attempt', undefined, false);
    assert.equal(attempt.status, 200, JSON.stringify(attempt.body));
    // A recovery share has the escrow shares' format and threshold byte: only the escrow commitments tell.
    const wrong = await call('POST', '/v1/sys/ceremony/update', { nonce: attempt.body.nonce, share: recovery[0] }, false);
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body));
    assert.equal(wrong.body.code, 'UNKNOWN_SHARE');
    assert.equal((await call('POST', '/v1/sys/ceremony/update', { nonce: attempt.body.nonce, share: escrow[1] }, false)).body.progress, 1);
    const done = await call('POST', '/v1/sys/ceremony/update', { nonce: attempt.body.nonce, share: escrow[2] }, false);
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    assert.equal((await call('GET', '/v1/sys/health', undefined, false)).body.sealed, false);
    assert.equal((await call('POST', `/v1/keys/${keyId}/sign`, { digest })).body.signature, signature);
    await server.stop();
    await start();
    assert.equal((await call('GET', '/v1/sys/health', undefined, false)).body.sealed, false, 'the new HSM key auto-unseals after a restart');
  });
});
