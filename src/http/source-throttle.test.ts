import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditFields } from '../audit/record.js';
import { AGGREGATE_OPERATION, DEFAULT_SOURCE_THROTTLE, OVERFLOW_SOURCE, SourceThrottle, sourceOf, type SourceThrottleOptions } from './source-throttle.js';

const open: SourceThrottle[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

/** A throttle on a hand-driven clock that collects the aggregate records it writes. */
function make(options: Partial<SourceThrottleOptions> = {}) {
  let nowMs = 1_000_000;
  const written: AuditFields[] = [];
  const throttle = new SourceThrottle(options, async (f) => void written.push(f), () => nowMs);
  open.push(throttle);
  return { throttle, written, advance: (ms: number) => void (nowMs += ms) };
}

const r401 = { operation: 'lookupSelf', status: 401, code: 'UNAUTHENTICATED' };

describe('source throttle', () => {
  it('counts IPv4 addresses one by one, IPv6 by /64, IPv4-mapped IPv6 as IPv4, no address as local', () => {
    assert.equal(sourceOf('203.0.113.7'), '203.0.113.7');
    assert.equal(sourceOf('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(sourceOf('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(sourceOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(sourceOf('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(sourceOf('::1'), '0:0:0:0::/64');
    assert.equal(sourceOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(sourceOf('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(sourceOf(undefined), 'local');
  });

  it('a source may fail failureBurst times, then is refused until the bucket refills', () => {
    const { throttle, advance } = make({ failureBurst: 3, failuresPerSecond: 0.5 });
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.retryAfterMs('198.51.100.1'), 0, `attempt ${i + 1}`);
      throttle.failed('198.51.100.1');
    }
    assert.equal(throttle.retryAfterMs('198.51.100.1'), 2000, 'one failure refills in 2 s at 0.5/s');
    assert.equal(throttle.retryAfterMs('198.51.100.2'), 0, 'another source is not affected');
    advance(1000);
    assert.equal(throttle.retryAfterMs('198.51.100.1'), 1000);
    advance(1000);
    assert.equal(throttle.retryAfterMs('198.51.100.1'), 0, 'refilled');
    assert.equal(throttle.stats.throttled, 2);
  });

  it('a /64 shares one budget', () => {
    const { throttle } = make({ failureBurst: 2 });
    throttle.failed('2001:db8:1:2::1');
    throttle.failed('2001:db8:1:2::abcd');
    assert.ok(throttle.retryAfterMs('2001:db8:1:2:3:4:5:6') > 0);
    assert.equal(throttle.retryAfterMs('2001:db8:1:3::1'), 0);
  });

  it('audits auditBurst responses one by one, then one aggregate record per window with the count', async () => {
    const { throttle, written, advance } = make({ auditBurst: 2, auditPerSecond: 0.001, windowMs: 60_000 });
    const admitted = Array.from({ length: 10 }, (_, i) => throttle.admit('192.0.2.9', i % 2 === 0 ? r401 : { operation: 'getHealth', status: 200, code: null }));
    assert.deepEqual(admitted, [true, true, false, false, false, false, false, false, false, false]);
    throttle.sweep();
    assert.equal(written.length, 0, 'the window has not passed');
    advance(60_000);
    assert.equal(throttle.admit('192.0.2.9', { operation: 'lookupSelf', status: 429, code: 'AUTH_THROTTLED' }), false);
    assert.equal(written.length, 1, 'the first window was written when the next response came after it');
    const first = written[0]!;
    assert.equal(first.operation, AGGREGATE_OPERATION);
    assert.equal(first.clientIp, '192.0.2.9');
    assert.equal(first.principal, null);
    assert.equal(first.outcome, 'denied');
    assert.deepEqual(first.aggregate?.count, 8);
    assert.deepEqual(first.aggregate?.responses, { 'lookupSelf 401 UNAUTHENTICATED': 4, 'getHealth 200 -': 4 });
    assert.equal(first.status, 401, 'the most frequent status (ties: first seen)');
    advance(60_000);
    throttle.sweep();
    assert.equal(written.length, 2, 'the sweep writes a window that has passed');
    assert.deepEqual([written[1]!.aggregate?.count, written[1]!.status, written[1]!.code], [1, 429, 'AUTH_THROTTLED']);
    await throttle.flush();
    assert.equal(written.length, 2, 'nothing left to write');
    assert.equal(throttle.stats.aggregated, 9);
  });

  it('lists at most 16 kinds of response in an aggregate, the rest as other', async () => {
    const { throttle, written } = make({ auditBurst: 1, auditPerSecond: 0.001 });
    for (let i = 0; i < 30; i++) throttle.admit('192.0.2.10', { operation: `op${i}`, status: 404, code: 'ROUTE_NOT_FOUND' });
    await throttle.flush();
    const responses = written[0]!.aggregate!.responses;
    assert.equal(Object.keys(responses).length, 17);
    assert.equal(responses['other'], 29 - 16);
    assert.equal(written[0]!.aggregate!.count, 29);
  });

  it('bounds its memory: at most maxSources entries; later sources share the overflow entry, which never refuses', async () => {
    const { throttle, written } = make({ maxSources: 50, failureBurst: 1, auditBurst: 1, auditPerSecond: 0.001 });
    for (let i = 0; i < 1000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      throttle.failed(ip);
      throttle.admit(ip, r401);
      assert.ok(throttle.size <= 50, `${throttle.size} entries after ${i + 1} sources`);
    }
    assert.equal(throttle.size, 50);
    assert.ok(throttle.retryAfterMs('10.0.0.0') > 0, 'a source in the table is throttled');
    assert.equal(throttle.retryAfterMs('10.0.3.200'), 0, 'a source in the overflow is not');
    await throttle.flush();
    const overflow = written.filter((w) => w.clientIp === OVERFLOW_SOURCE);
    assert.equal(overflow.length, 1, 'one aggregate for every source beyond the table');
    assert.equal(overflow[0]!.aggregate!.count, 950 - 1, 'the overflow audited one response one by one (its burst) and counted the rest');
    assert.equal(written.length, 1, 'sources in the table spent only their one-by-one budget');
  });

  it('forgets idle sources, and keeps a source with an aggregate still to write', () => {
    const { throttle, advance } = make({ failureBurst: 2, failuresPerSecond: 1, auditBurst: 1, auditPerSecond: 1, windowMs: 60_000 });
    throttle.failed('192.0.2.20');
    throttle.admit('192.0.2.21', r401);
    throttle.admit('192.0.2.21', r401);
    assert.equal(throttle.size, 2);
    advance(5_000);
    throttle.sweep();
    assert.equal(throttle.size, 1, 'the refilled source is gone; the one with an aggregate stays');
    advance(60_000);
    throttle.sweep();
    throttle.sweep();
    assert.equal(throttle.size, 0);
  });

  it('defaults: a burst of 200 failures, then 5 a second; 100 responses audited one by one, then one every 10 s', () => {
    assert.deepEqual(DEFAULT_SOURCE_THROTTLE, { failureBurst: 200, failuresPerSecond: 5, auditBurst: 100, auditPerSecond: 0.1, windowMs: 60_000, maxSources: 10_000 });
  });
});
