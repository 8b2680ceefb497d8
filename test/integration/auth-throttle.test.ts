/**
 * Unauthenticated traffic cannot fill the disk or burn the CPU (issue 14: 5,000 random-token requests
 * a second each wrote an audit record). Through inject, from chosen source addresses, on a real SQLite
 * file, with the throttle's budgets lowered (and refills of one per 1,000 s, so nothing refills while a
 * test runs — no timing in the assertions):
 * - failed authentication is throttled per source: 401 until the source's budget is spent, then 429
 *   AUTH_THROTTLED with Retry-After (problem+json, requestId) without looking the token up;
 * - beyond its one-by-one budget, a source's unauthenticated responses are counted into ONE aggregate
 *   audit record (with the count) instead of one record each; authenticated requests, from any source,
 *   are still audited one by one;
 * - the AWS SigV4 endpoint counts failed signatures the same way (ThrottlingException);
 * - the per-source table stays within its bound however many addresses a flood comes from.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { rowFromApi } from '../../src/audit/export.js';
import { verifyAuditLog } from '../../src/audit/verify.js';

const BUDGETS = { failureBurst: 10, failuresPerSecond: 0.001, auditBurst: 5, auditPerSecond: 0.001 };

async function from(box: TestBox, ip: string, method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: string) {
  const res = await box.box.http.inject({ method, url, remoteAddress: ip, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : (JSON.parse(res.body) as any) };
}

const randomToken = () => `Bearer sbt.${randomBytes(32).toString('base64url')}`;

/** Every audit record (read with the root token from 127.0.0.1). */
async function auditRecords(box: TestBox): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (let afterSeq = 0; ; ) {
    const page = await box.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`);
    assert.equal(page.status, 200);
    out.push(...page.body.records);
    if (page.body.nextAfterSeq === null) return out;
    afterSeq = page.body.nextAfterSeq;
  }
}

describe('throttling unauthenticated traffic per source', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox({ sourceThrottle: BUDGETS });
  });
  after(() => box.cleanup());

  it('a random-token flood from one address: 401 while its budget lasts, then 429 AUTH_THROTTLED with Retry-After; 5 records + 1 aggregate instead of 60', async () => {
    const ip = '203.0.113.7';
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof from>> | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await from(box, ip, 'GET', '/v1/keys', { authorization: randomToken() });
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
    }
    assert.deepEqual(statuses, [...Array<number>(10).fill(401), ...Array<number>(50).fill(429)]);
    assert.ok(throttled);
    assert.equal(throttled.body.code, 'AUTH_THROTTLED');
    assert.equal(throttled.body.status, 429);
    assert.equal(typeof throttled.body.requestId, 'string');
    assert.match(String(throttled.headers['content-type']), /^application\/problem\+json/);
    assert.match(String(throttled.headers['retry-after']), /^[1-9][0-9]*$/);
    assert.equal(box.box.throttle.stats.throttled, 50, 'the 429s were decided before any token lookup');

    await box.box.throttle.flush();
    const mine = (await auditRecords(box)).filter((r) => r.clientIp === ip);
    const single = mine.filter((r) => r.operation !== 'unauthenticated.aggregate');
    const aggregate = mine.filter((r) => r.operation === 'unauthenticated.aggregate');
    assert.equal(single.length, 5, 'the source\'s one-by-one budget');
    assert.ok(single.every((r) => r.status === 401 && r.principal === null));
    assert.equal(aggregate.length, 1, 'one aggregate record for the rest');
    const a = aggregate[0]!;
    assert.equal(a.aggregate.count, 55);
    assert.deepEqual(a.aggregate.responses, { 'listKeys 401 UNAUTHENTICATED': 5, 'listKeys 429 AUTH_THROTTLED': 50 });
    assert.deepEqual([a.status, a.code, a.outcome, a.principal], [429, 'AUTH_THROTTLED', 'denied', null]);
    assert.ok(Date.parse(a.aggregate.from) <= Date.parse(a.aggregate.to));
    assert.match(a.reason, /^55 responses to requests without a valid credential from 203\.0\.113\.7/);
  });

  it('a throttled address is refused even with a valid token (it is not looked up); other addresses are not affected and are audited one by one', async () => {
    const refused = await from(box, '203.0.113.7', 'GET', '/v1/tokens/self', { authorization: `Bearer ${box.rootToken}` });
    assert.equal(refused.status, 429);
    for (let i = 0; i < 20; i++) {
      const ok = await from(box, '198.51.100.20', 'GET', '/v1/tokens/self', { authorization: `Bearer ${box.rootToken}` });
      assert.equal(ok.status, 200);
      assert.equal((await auditRecordOf(box, ok.headers['x-request-id'] as string)).principal, ok.body.accessor, 'an authenticated request has its own record');
    }
  });

  it('other unauthenticated responses (health, unknown routes) are audited one by one up to the budget, then in aggregate — and still answered', async () => {
    const ip = '198.51.100.9';
    for (let i = 0; i < 30; i++) {
      assert.equal((await from(box, ip, 'GET', '/v1/sys/health')).status, 200);
      assert.equal((await from(box, ip, 'GET', '/v1/nothing-here')).status, 404);
    }
    assert.equal((await from(box, ip, 'GET', '/v1/sys/health')).status, 200, 'health is never refused');
    await box.box.throttle.flush();
    const mine = (await auditRecords(box)).filter((r) => r.clientIp === ip);
    assert.equal(mine.filter((r) => r.operation !== 'unauthenticated.aggregate').length, 5);
    const [a, ...more] = mine.filter((r) => r.operation === 'unauthenticated.aggregate');
    assert.equal(more.length, 0);
    assert.equal(a!.aggregate.count, 61 - 5);
    assert.equal(a!.aggregate.responses['getHealth 200 -'] + a!.aggregate.responses['unknown 404 ROUTE_NOT_FOUND'], 56);
    assert.equal(a!.outcome, 'error', 'no denial among them');
  });

  it('the AWS endpoint: failed SigV4 counts against the source; then ThrottlingException with Retry-After, before any signature work', async () => {
    const ip = '192.0.2.44';
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', authorization: 'AWS4-HMAC-SHA256 Credential=SBXAAAAAAAAAAAAAAAAA/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64), 'x-amz-date': '20260101T000000Z' };
    const types: string[] = [];
    let last: Awaited<ReturnType<typeof from>> | undefined;
    for (let i = 0; i < 15; i++) {
      last = await from(box, ip, 'POST', '/', headers, '{}');
      types.push(`${last.status} ${last.body.__type}`);
    }
    assert.equal(types.slice(0, 10).filter((t) => t.startsWith('400 ') && !t.endsWith('ThrottlingException')).length, 10, types.join(', '));
    assert.deepEqual(types.slice(10), Array<string>(5).fill('400 ThrottlingException'));
    assert.match(String(last!.headers['retry-after']), /^[1-9][0-9]*$/);
    await box.box.throttle.flush();
    const mine = (await auditRecords(box)).filter((r) => r.clientIp === ip);
    assert.equal(mine.length, 6, '5 records one by one and one aggregate');
    const a = mine.find((r) => r.operation === 'unauthenticated.aggregate')!;
    assert.equal(a.aggregate.count, 10, 'failures 6-10 and the five throttled answers');
    assert.equal(a.aggregate.responses['aws.ListKeys 400 AUTH_THROTTLED'], 5, 'AWS answers throttling with 400, as AWS does');
  });

  it('the chain, aggregate records included, verifies from the API the way `audit verify` reads it', async () => {
    await box.box.throttle.flush();
    const records = await auditRecords(box);
    assert.ok(records.some((r) => r.operation === 'unauthenticated.aggregate'));
    const report = await verifyAuditLog({ records: records.map((r) => rowFromApi(r as never)), checkpoints: [], trustedPublicKey: box.box.ctx.auditKeys()!.publicKeyHex });
    assert.equal(report.ok, true, report.problems.join('; '));
    assert.equal(report.records, records.length);
  });

  it('a bearer-token flood from an IPv6 /64 counts as one source', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await from(box, `2001:db8:7:7::${(i + 1).toString(16)}`, 'GET', '/v1/keys', { authorization: randomToken() })).status);
    assert.deepEqual(statuses, [...Array<number>(10).fill(401), 429, 429]);
  });
});

describe('the per-source table is bounded', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox({ sourceThrottle: { ...BUDGETS, failureBurst: 1, auditBurst: 1, maxSources: 20 } });
  });
  after(() => box.cleanup());

  it('200 addresses failing: at most 20 entries; the others share one overflow budget and one aggregate record', async () => {
    const before = (await auditRecords(box)).length;
    // init and unseal came from 127.0.0.1 without a token: that address holds one of the 20 places
    const inTable = 20 - box.box.throttle.size;
    for (let i = 0; i < 200; i++) {
      const res = await from(box, `10.9.${i >> 8}.${i & 255}`, 'GET', '/v1/keys', { authorization: randomToken() });
      assert.equal(res.status, 401, 'one failure each: nobody is throttled yet');
      assert.ok(box.box.throttle.size <= 20, `${box.box.throttle.size} entries`);
    }
    await box.box.throttle.flush();
    const added = (await auditRecords(box)).slice(before).filter((r) => r.clientIp !== '127.0.0.1');
    assert.equal(added.filter((r) => r.operation !== 'unauthenticated.aggregate').length, inTable + 1, 'one record per address in the table, one for the overflow');
    const overflow = added.filter((r) => r.operation === 'unauthenticated.aggregate');
    assert.equal(overflow.length, 1);
    assert.equal(overflow[0]!.clientIp, '*');
    assert.equal(overflow[0]!.aggregate.count, 200 - inTable - 1);
  });
});
