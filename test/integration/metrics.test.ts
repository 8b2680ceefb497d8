/**
 * GET /metrics (Prometheus text format) and the structured request log: counts move with the
 * requests made, labels are route templates (never ids), the endpoint needs sys:metrics, and every
 * request's log line carries the request id its audit record has.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startTestBox, type TestBox } from '../helpers/app.js';

/** metric line → value, for one exposition text */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('metrics and request logs', () => {
  let box: TestBox;
  const logLines: string[] = [];
  let keyId: string;

  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        cb();
      },
    });
    box = await startTestBox({ logStream: stream });
    keyId = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
  });
  after(() => box.cleanup());

  const scrape = async (token?: string) => {
    const res = await box.box.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token ?? box.rootToken}` } });
    return res;
  };

  it('serves the text format with every family, and counts requests, signatures and audit writes', async () => {
    const before = parse((await scrape()).body);
    const signLabel = 'strongbox_http_requests_total{method="POST",outcome="success",route="/v1/keys/:id/sign"}';
    const sigLabel = 'strongbox_signatures_total{operation="sign",type="secp256k1"}';
    for (let i = 0; i < 3; i++) {
      const r = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: '0x' + '11'.repeat(32) });
      assert.equal(r.status, 200);
    }
    await box.call('POST', `/v1/keys/${keyId}/ethereum/sign-message`, { message: 'hi' });
    const missing = await box.call('POST', '/v1/keys/nope/sign', { digest: '0x' + '11'.repeat(32) });
    assert.equal(missing.status, 404);

    const res = await scrape();
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = res.body;
    for (const family of ['strongbox_http_requests_total', 'strongbox_http_request_duration_seconds', 'strongbox_signatures_total', 'strongbox_sealed', 'strongbox_audit_write_duration_seconds', 'strongbox_audit_batch_records', 'strongbox_key_cache_requests_total', 'strongbox_storage_errors_total']) {
      assert.match(text, new RegExp(`^# TYPE ${family} (counter|gauge|histogram)$`, 'm'), family);
    }
    const after = parse(text);
    assert.equal((after.get(signLabel) ?? 0) - (before.get(signLabel) ?? 0), 3);
    assert.equal((after.get(sigLabel) ?? 0) - (before.get(sigLabel) ?? 0), 3);
    assert.equal(after.get('strongbox_signatures_total{operation="ethereum",type="secp256k1"}'), 1);
    assert.ok((after.get('strongbox_http_requests_total{method="POST",outcome="error",route="/v1/keys/:id/sign"}') ?? 0) >= 1);
    assert.equal(after.get('strongbox_sealed'), 0);
    assert.ok((after.get('strongbox_audit_write_duration_seconds_count') ?? 0) > (before.get('strongbox_audit_write_duration_seconds_count') ?? 0));
    assert.ok((after.get('strongbox_audit_batch_records_count') ?? 0) >= 1);
    assert.ok((after.get('strongbox_key_cache_requests_total{result="hit"}') ?? 0) >= 2, 'repeat signatures hit the key cache');
    const histCount = after.get('strongbox_http_request_duration_seconds_count{outcome="success",route="/v1/keys/:id/sign"}') ?? 0;
    assert.equal(after.get('strongbox_http_request_duration_seconds_bucket{outcome="success",route="/v1/keys/:id/sign",le="+Inf"}'), histCount);
    assert.ok(!text.includes(keyId), 'no key ids in labels');
    assert.ok(!text.includes(box.rootToken));
  });

  it('reports the seal state, and needs a token allowed sys:metrics', async () => {
    const put = await box.call('PUT', '/v1/policies/no-metrics', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['*'] }] });
    assert.equal(put.status, 200);
    const weak = (await box.call('POST', '/v1/tokens', { policies: ['no-metrics'], ttl: 600 })).body.token;
    assert.equal((await scrape(weak)).statusCode, 403);
    const operator = (await box.call('POST', '/v1/tokens', { policies: ['operator'], ttl: 600 })).body.token;
    assert.equal((await box.call('POST', '/v1/sys/seal', {})).status, 200);
    const sealed = await scrape(operator);
    assert.equal(sealed.statusCode, 200, 'readable while sealed');
    assert.equal(parse(sealed.body).get('strongbox_sealed'), 1);
    for (const share of box.shares) await box.call('POST', '/v1/sys/unseal', { share }, null);
    assert.equal(parse((await scrape(operator)).body).get('strongbox_sealed'), 0);
  });

  it('one JSON log line per request, with the request id its audit record has, and no secrets', async () => {
    const res = await box.call('POST', `/v1/keys/${keyId}/sign`, { digest: '0x' + '22'.repeat(32) });
    const requestId = String(res.headers['x-request-id']);
    const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['reqId'] === requestId && l['msg'] === 'request');
    assert.ok(line, 'a request log line with the request id');
    assert.equal(line['route'], '/v1/keys/:id/sign');
    assert.equal(line['status'], 200);
    const audit = await box.call('GET', '/v1/audit?limit=1000');
    assert.ok((audit.body.records as { requestId: string }[]).some((r) => r.requestId === requestId), 'the audit record has the same request id');
    const all = logLines.join('\n');
    assert.ok(!all.includes(box.rootToken), 'no token in logs');
    assert.ok(!all.includes('22'.repeat(32)), 'no request body in logs');
  });
});
