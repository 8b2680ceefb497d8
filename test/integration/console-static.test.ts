/**
 * The web console's static files through the real app (inject): served from a directory read once at
 * start, with the console's security headers, correct types, immutable caching for content-hashed
 * names and ETags; unknown paths are problem+json 404s; every response is audited (operation ui.get);
 * without `ui` nothing is served. Also the ceremony progress GET /v1/sys/health reports for the
 * console's custodians: counts only, never a nonce.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { UI_CSP } from '../../src/http/ui.js';

describe('web console static files', () => {
  let dir: string;
  let t: TestBox;
  let off: TestBox;
  const html = '<!doctype html><html lang="en"><head><script type="module" src="assets/main-ABCD2345.js"></script></head><body></body></html>';
  const js = 'console.log("console")';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), html);
    writeFileSync(join(dir, 'assets', 'main-ABCD2345.js'), js);
    writeFileSync(join(dir, 'assets', 'main-EFGH6789.css'), 'body{}');
    writeFileSync(join(dir, 'assets', 'notes.txt'), 'plain');
    t = await startTestBox({ shares: 3, threshold: 2, ui: { dir } });
    off = await startTestBox();
  });
  after(async () => {
    await t.cleanup();
    await off.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('index.html at /ui/ with the strict CSP, no referrer, nosniff, no-store', async () => {
    const r = await t.box.http.inject({ method: 'GET', url: '/ui/' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, html);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['content-security-policy'], UI_CSP);
    assert.match(UI_CSP, /script-src 'self';/);
    assert.match(UI_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-store');
    const record = await auditRecordOf(t, r.headers['x-request-id'] as string);
    assert.equal(record['operation'], 'ui.get');
    assert.equal(record['resource'], 'ui/');
    assert.equal(record['status'], 200);
  });

  it('content-hashed assets: their type, immutable caching, an ETag answered 304', async () => {
    const r = await t.box.http.inject({ method: 'GET', url: '/ui/assets/main-ABCD2345.js' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, js);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['content-security-policy'], UI_CSP);
    const etag = r.headers['etag'] as string;
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await t.box.http.inject({ method: 'GET', url: '/ui/assets/main-ABCD2345.js', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const css = await t.box.http.inject({ method: 'GET', url: '/ui/assets/main-EFGH6789.css' });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const txt = await t.box.http.inject({ method: 'GET', url: '/ui/assets/notes.txt' });
    assert.equal(txt.headers['cache-control'], 'no-store', 'a name without a content hash is not cached');
  });

  it('unknown paths are 404 problem+json, never a file outside the directory; /ui redirects to /ui/', async () => {
    for (const url of ['/ui/nope.js', '/ui/../package.json', '/ui/%2e%2e/%2e%2e/etc/passwd', '/ui/assets/', '/ui/index.html/x']) {
      const r = await t.box.http.inject({ method: 'GET', url });
      assert.ok(r.statusCode === 404 || r.statusCode === 400, `${url}: ${r.statusCode}`);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/, url);
      assert.ok(r.headers['x-request-id'], url);
    }
    const redirect = await t.box.http.inject({ method: 'GET', url: '/ui' });
    assert.equal(redirect.statusCode, 308);
    assert.equal(redirect.headers['location'], '/ui/');
    const post = await t.box.http.inject({ method: 'POST', url: '/ui/', payload: {} });
    assert.equal(post.statusCode, 404);
  });

  it('without ui, /ui/ is not served', async () => {
    const r = await off.box.http.inject({ method: 'GET', url: '/ui/' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'ROUTE_NOT_FOUND');
    assert.equal(r.headers['content-security-policy'], undefined);
  });

  it('health reports unseal, generate-root and rekey progress as counts, never a nonce', async () => {
    const health = async () => (await t.call('GET', '/v1/sys/health', undefined, null)).body;
    assert.equal((await health()).progress, undefined, 'unsealed: no unseal progress');
    const gr = await t.call('POST', '/v1/sys/generate-root/attempt', undefined, null);
    assert.equal(gr.status, 200);
    assert.deepEqual((await health()).generateRoot, { progress: 0, threshold: 2 });
    assert.equal((await t.call('POST', '/v1/sys/generate-root/update', { nonce: gr.body.nonce, share: t.shares[0] }, null)).status, 200);
    const h = await health();
    assert.deepEqual(h.generateRoot, { progress: 1, threshold: 2 });
    assert.doesNotMatch(JSON.stringify(h), new RegExp(gr.body.nonce));
    assert.equal((await t.call('DELETE', '/v1/sys/generate-root/attempt', { nonce: gr.body.nonce }, null)).status, 200);
    assert.equal((await health()).generateRoot, undefined);
    const rk = await t.call('POST', '/v1/sys/rekey/attempt', { shares: 5, threshold: 3 }, null);
    assert.equal(rk.status, 200);
    assert.deepEqual((await health()).rekey, { progress: 0, threshold: 2, newShares: 5, newThreshold: 3 });
    assert.equal((await t.call('DELETE', '/v1/sys/rekey/attempt', { nonce: rk.body.nonce }, null)).status, 200);

    assert.equal((await t.call('POST', '/v1/sys/seal', {})).status, 200);
    assert.deepEqual([(await health()).progress, (await health()).threshold], [0, 2]);
    assert.equal((await t.call('POST', '/v1/sys/unseal', { share: t.shares[1] }, null)).body.progress, 1);
    const sealed = await health();
    assert.equal(sealed.sealed, true);
    assert.equal(sealed.progress, 1, 'a custodian elsewhere sees the first share counted');
    assert.equal((await t.call('POST', '/v1/sys/unseal', { share: t.shares[2] }, null)).body.sealed, false);
    const open = await health();
    assert.equal(open.progress, undefined);
    assert.equal(open.threshold, undefined);
  });
});
