import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration, type DurationSpec } from './duration.js';
import { StrongboxError } from './errors.js';

const seconds: DurationSpec = { field: 'ttl', unit: 'seconds', min: 1, max: 365 * 86_400 };
const days: DurationSpec = { field: 'rotationPeriodDays', unit: 'days', min: 1, max: 3650 };

describe('durations', () => {
  for (const [value, expected] of [
    [3600, 3600],
    ['3600', 3600],
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604_800],
    ['1h30m', 5400],
    ['30m1h', 5400],
    ['1d12h', 129_600],
    ['1h30m15s', 5415],
    ['1.5h', 5400],
    ['0.1h', 360],
    ['0.5m', 30],
    ['365d', 31_536_000],
    ['8760h', 31_536_000],
    ['007', 7],
  ] as const) {
    it(`seconds: ${JSON.stringify(value)} → ${expected}`, () => {
      assert.equal(parseDuration(value, seconds), expected);
    });
  }

  for (const [value, expected] of [
    [30, 30],
    ['30', 30],
    ['30d', 30],
    ['720h', 30],
    ['1d24h', 2],
    ['0.5d12h', 1],
  ] as const) {
    it(`days: ${JSON.stringify(value)} → ${expected}`, () => {
      assert.equal(parseDuration(value, days), expected);
    });
  }

  for (const [value, spec, why, detail] of [
    ['1x', seconds, 'an unknown unit', /"1x"/],
    ['1H', seconds, 'an upper-case unit', /must be a number of seconds/],
    ['h', seconds, 'a unit without a number', /must be a number of seconds/],
    ['1h ', seconds, 'a trailing space', /must be a number of seconds/],
    [' 1h', seconds, 'a leading space', /must be a number of seconds/],
    ['-1h', seconds, 'a negative duration', /must be a number of seconds/],
    ['+5', seconds, 'a sign', /must be a number of seconds/],
    ['1e3', seconds, 'an exponent', /must be a number of seconds/],
    ['1.5', seconds, 'a decimal without a unit', /must be a number of seconds/],
    ['', seconds, 'an empty string', /must be a number of seconds/],
    ['1'.repeat(65), seconds, 'an overlong string', /must be a number of seconds/],
    ['1ms', seconds, 'milliseconds', /must be a number of seconds/],
    ['1.5s', seconds, 'a fraction of a second', /whole number of seconds/],
    ['0s', seconds, 'zero below the minimum', /from 1s to 365d \(31536000s\); got 0s/],
    [0, seconds, 'the number zero', /from 1s to 365d/],
    [-5, seconds, 'a negative number', /from 1s to 365d/],
    [1.5, seconds, 'a fractional number', /must be a number of seconds/],
    [1e308, seconds, 'a huge number', /must be a number of seconds/],
    [Number.NaN, seconds, 'NaN', /must be a number of seconds/],
    ['366d', seconds, 'more than the maximum', /got 366d \(31622400s\)/],
    ['99999999999999999999999', seconds, 'digits beyond a safe integer', /from 1s to 365d/],
    ['99999999999999999999d', seconds, 'a unit count beyond a safe integer', /from 1s to 365d/],
    [true, seconds, 'a boolean', /must be a number of seconds/],
    [null, seconds, 'null', /must be a number of seconds/],
    [{}, seconds, 'an object', /must be a number of seconds/],
    [['1h'], seconds, 'an array', /must be a number of seconds/],
    ['36h', days, 'hours that are not whole days', /whole number of days; "36h" is not/],
    ['90s', days, 'seconds for a field in days', /whole number of days/],
    ['3651d', days, 'more days than the maximum', /from 1 day to 3650 days; got 3651 days/],
    ['0', days, 'zero days below the minimum', /from 1 day/],
  ] as const) {
    it(`refuses ${why}, naming the field`, () => {
      assert.throws(
        () => parseDuration(value, spec),
        (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === spec.field && e.message.startsWith(`${spec.field} `) && detail.test(e.message),
      );
    });
  }

  it('zero is a valid value when the minimum allows it', () => {
    assert.equal(parseDuration('0d', { field: 'pendingDays', unit: 'days', min: 0, max: 30 }), 0);
    assert.equal(parseDuration(0, { field: 'pendingDays', unit: 'days', min: 0, max: 30 }), 0);
  });

  it('formats durations the short way', () => {
    assert.deepEqual([0, 59, 60, 3600, 5400, 86_400, 90_061, 31_536_000].map(formatDuration), ['0s', '59s', '1m', '1h', '1h30m', '1d', '1d1h1m1s', '365d']);
  });
});
