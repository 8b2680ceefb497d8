/**
 * Keys survive a restart on the same SQLite file; after restart the server is sealed until M of N
 * shares are given; wrong, duplicate, foreign or too few shares never unseal; sealed ⇒ 503 SEALED.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBox, type TestBox } from '../helpers/app.js';

const digest = '0x' + '11'.repeat(32);

describe('seal, unseal and restart (3-of-5 shares)', () => {
  let first: TestBox;
  let box: TestBox;
  let keyId: string;
  let signature: string;

  before(async () => {
    first = await startTestBox({ shares: 5, threshold: 3 });
    const created = await first.call('POST', '/v1/keys', { type: 'secp256k1', name: 'survivor' });
    assert.equal(created.status, 201);
    keyId = created.body.id;
    signature = (await first.call('POST', `/v1/keys/${keyId}/sign`, { digest })).body.signature;
    await first.stop();
    box = await startTestBox({ dataDir: first.dataDir, bare: true, rootToken: first.rootToken });
  });
  after(() => box.cleanup());

  it('is initialized and sealed after restart', async () => {
    const health = await box.call('GET', '/v1/sys/health', undefined, null);
    assert.deepEqual(health.body, { initialized: true, sealed: true, version: health.body.version, sealType: 'shamir', sealedReason: 'waiting for unseal shares', progress: 0, threshold: 3 });
  });

  it('answers every key operation with 503 SEALED while sealed', async () => {
    for (const [method, url, body] of [
      ['POST', `/v1/keys/${keyId}/sign`, { digest }],
      ['POST', '/v1/keys', { type: 'secp256k1' }],
      ['GET', `/v1/keys/${keyId}`, undefined],
      ['GET', '/v1/keys', undefined],
      ['POST', `/v1/keys/${keyId}/verify`, { digest, signature }],
    ] as const) {
      const res = await box.call(method, url, body);
      assert.equal(res.status, 503, `${method} ${url}`);
      assert.equal(res.body.code, 'SEALED', `${method} ${url}`);
      assert.equal(res.headers['retry-after'], '5');
    }
  });

  it('refuses init a second time', async () => {
    const res = await box.call('POST', '/v1/sys/init', { shares: 1, threshold: 1 }, null);
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'ALREADY_INITIALIZED');
  });

  it('does not count a duplicate share and stays sealed with too few shares', async () => {
    const a = await box.call('POST', '/v1/sys/unseal', { share: first.shares[0] }, null);
    assert.deepEqual(a.body, { sealed: true, progress: 1, threshold: 3 });
    const again = await box.call('POST', '/v1/sys/unseal', { share: first.shares[0] }, null);
    assert.deepEqual(again.body, { sealed: true, progress: 1, threshold: 3 });
    const b = await box.call('POST', '/v1/sys/unseal', { share: first.shares[1] }, null);
    assert.deepEqual(b.body, { sealed: true, progress: 2, threshold: 3 });
    assert.equal((await box.call('POST', `/v1/keys/${keyId}/sign`, { digest })).status, 503);
  });

  it('refuses a corrupted share at the threshold at once, keeps the progress and stays sealed', async () => {
    const bad = first.shares[2]!.slice(0, -2) + (first.shares[2]!.endsWith('00') ? '01' : '00');
    const res = await box.call('POST', '/v1/sys/unseal', { share: bad }, null);
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'UNKNOWN_SHARE', 'it matches none of the commitments');
    assert.equal(res.body.field, 'share');
    const health = await box.call('GET', '/v1/sys/health', undefined, null);
    assert.equal(health.body.sealed, true);
    const next = await box.call('POST', '/v1/sys/unseal', { share: first.shares[1] }, null);
    assert.deepEqual(next.body, { sealed: true, progress: 2, threshold: 3 }, 'the two shares given before still count');
    await box.call('POST', '/v1/sys/seal');
  });

  it('rejects a share from another installation', async () => {
    const other = await startTestBox({ shares: 2, threshold: 2 });
    try {
      const res = await box.call('POST', '/v1/sys/unseal', { share: other.shares[0] }, null);
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'INVALID_SHARE', 'a 2-of-2 share does not belong to a 3-of-5 set');
      assert.equal(res.body.field, 'share');
    } finally {
      await other.cleanup();
    }
  });

  it('unseals with any 3 of the 5 shares and the key signs identically', async () => {
    for (const share of [first.shares[4], first.shares[1], first.shares[3]]) await box.call('POST', '/v1/sys/unseal', { share }, null);
    const health = await box.call('GET', '/v1/sys/health', undefined, null);
    assert.equal(health.body.sealed, false);
    const res = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest });
    assert.equal(res.status, 200);
    assert.equal(res.body.signature, signature, 'RFC 6979: same key and digest give the same signature after restart');
  });

  it('seal makes every key unusable at once, and needs the token', async () => {
    assert.equal((await box.call('POST', '/v1/sys/seal', undefined, null)).status, 401);
    assert.equal((await box.call('POST', '/v1/sys/seal')).status, 200);
    const res = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest });
    assert.equal(res.body.code, 'SEALED');
    assert.equal(box.box.ctx.keyCache.size, 0, 'sealing empties the key cache');
  });
});
