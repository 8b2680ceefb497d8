/**
 * Durations as Vault users type them, for every TTL and period the API and the CLI take (token `ttl`,
 * `maxTtl` and renewal `increment`, AWS credential `ttl`, key `rotationPeriodDays` and `pendingDays`,
 * transaction-rules `approval.expiresAfterSeconds`). One parser, shared by server, CLI and SDK:
 *
 * - a number with units, Go / Vault style: `"90s"`, `"30m"`, `"1h"`, `"7d"`, and combinations such as
 *   `"1h30m"` or `"1d12h"` (units `d` = 24 h, `h`, `m`, `s`; each part a whole or decimal number, e.g.
 *   `"1.5h"`), in any order;
 * - a plain number in the field's own unit — seconds for TTL fields, days for `…Days` fields — as a JSON
 *   number or a string of digits (`3600`, `"3600"`), so every value accepted before stays valid.
 *
 * The result is a whole number in the field's unit: a duration that is not (`"1.5s"`, `"36h"` for a
 * field in days) is refused rather than rounded. Errors are INVALID_ARGUMENT naming the field.
 * Pure: no Node-only imports (protocol/ is shared with the SDK).
 */
import { StrongboxError } from './errors.js';

/** A TTL or period as the API accepts it: a number in the field's unit, or a duration string. */
export type Duration = number | string;

export interface DurationSpec {
  /** the request field, named in errors (e.g. `ttl`, `approval.expiresAfterSeconds`) */
  field: string;
  /** the unit of a plain number and of the result */
  unit: 'seconds' | 'days';
  /** inclusive bounds, in `unit` */
  min: number;
  max: number;
}

/** Longest duration string accepted (far more than any valid value needs). */
export const MAX_DURATION_LENGTH = 64;

const UNIT_SECONDS: Readonly<Record<string, bigint>> = Object.freeze(Object.assign(Object.create(null) as Record<string, bigint>, { d: 86_400n, h: 3_600n, m: 60n, s: 1n }));
const PLAIN = /^[0-9]+$/;
const WHOLE = /^(?:[0-9]+(?:\.[0-9]+)?[dhms])+$/;
const PART = /([0-9]+)(?:\.([0-9]+))?([dhms])/g;
const DAY = 86_400;

/** A duration in seconds written the short way: 5400 → "1h30m", 604800 → "7d". */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) return `${seconds}s`;
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', DAY], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

function describeBound(value: number, unit: DurationSpec['unit']): string {
  if (unit === 'days') return `${value} day${value === 1 ? '' : 's'}`;
  const short = formatDuration(value);
  return short === `${value}s` ? short : `${short} (${value}s)`;
}

function fail(spec: DurationSpec, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${spec.field} ${detail}`, { field: spec.field });
}

function expected(spec: DurationSpec): string {
  return spec.unit === 'days'
    ? 'must be a number of days (30 or "30") or a duration in whole days such as "30d" or "720h"'
    : 'must be a number of seconds (3600 or "3600") or a duration such as "90s", "30m", "1h", "7d" or "1h30m"';
}

/**
 * Parses a TTL or period given in a request: a number in `spec.unit`, a string of digits, or a duration
 * string. Returns a whole number in `spec.unit` within [min, max]; throws INVALID_ARGUMENT naming the field.
 */
export function parseDuration(value: unknown, spec: DurationSpec): number {
  let result: number;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw fail(spec, `${expected(spec)}; got ${String(value).slice(0, 32)}`);
    result = value;
  } else if (typeof value === 'string') {
    if (value.length === 0 || value.length > MAX_DURATION_LENGTH) throw fail(spec, expected(spec));
    if (PLAIN.test(value)) {
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw fail(spec, `must be from ${describeBound(spec.min, spec.unit)} to ${describeBound(spec.max, spec.unit)}`);
      result = n;
    } else {
      if (!WHOLE.test(value)) throw fail(spec, `${expected(spec)}; got ${JSON.stringify(value)}`);
      // Exact arithmetic in milliseconds-free units: each part is digits[.digits] × unit, summed as a
      // fraction over a power of ten, so "0.1h" is exactly 360 s (no floating-point rounding).
      let numerator = 0n;
      let scale = 1n;
      for (const [, whole, fraction = '', unit] of value.matchAll(PART)) {
        const partScale = 10n ** BigInt(fraction.length);
        const part = (BigInt(whole!) * partScale + (fraction === '' ? 0n : BigInt(fraction))) * UNIT_SECONDS[unit!]!;
        // numerator/scale + part/partScale over the common scale
        const common = scale > partScale ? scale : partScale;
        numerator = numerator * (common / scale) + part * (common / partScale);
        scale = common;
      }
      const perUnit = spec.unit === 'days' ? BigInt(DAY) * scale : scale;
      if (numerator % perUnit !== 0n) {
        throw fail(spec, spec.unit === 'days' ? `must be a whole number of days; ${JSON.stringify(value)} is not` : `must be a whole number of seconds; ${JSON.stringify(value)} is not`);
      }
      const n = numerator / perUnit;
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw fail(spec, `must be from ${describeBound(spec.min, spec.unit)} to ${describeBound(spec.max, spec.unit)}`);
      result = Number(n);
    }
  } else {
    throw fail(spec, expected(spec));
  }
  if (result < spec.min || result > spec.max) {
    throw fail(spec, `must be from ${describeBound(spec.min, spec.unit)} to ${describeBound(spec.max, spec.unit)}; got ${spec.unit === 'days' ? describeBound(result, 'days') : describeBound(result, 'seconds')}`);
  }
  return result;
}

/** `parseDuration` for an optional field: undefined stays undefined. */
export function parseOptionalDuration(value: unknown, spec: DurationSpec): number | undefined {
  return value === undefined ? undefined : parseDuration(value, spec);
}
