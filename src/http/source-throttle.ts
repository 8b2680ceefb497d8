/**
 * What unauthenticated traffic may cost, per source address (issue 14: 5,000 random-token requests a
 * second each wrote a ~300-byte audit record, and a full disk stops the whole server — fail closed).
 *
 * A source is an IPv4 address or an IPv6 /64 (one host usually holds a whole /64, so counting single
 * IPv6 addresses would give an attacker 2^64 fresh budgets). Each source has two token buckets:
 *
 * - **failures**: every failed authentication (no, unknown, expired, revoked or used-up token; a failed
 *   AWS SigV4 check) takes one. While it is empty, the source's requests to authenticated routes and to
 *   the AWS endpoint are answered 429 `AUTH_THROTTLED` with `Retry-After`, before any token is hashed or
 *   looked up, so guessing costs neither the database nor the CPU of a lookup.
 * - **audit**: every response to a request without a valid credential (the failures and 429s above,
 *   and health, unseal, init, unknown routes…) takes one. While it is empty, such responses get no audit
 *   record of their own: they are counted into the source's aggregate, written as ONE audit record per
 *   window (`operation: "unauthenticated.aggregate"`, `aggregate: {count, from, to, responses}`).
 *
 * Authenticated requests never touch the buckets and are audited one by one, as before.
 *
 * Memory is bounded: at most `maxSources` entries; a sweep every few seconds writes due aggregates and
 * drops idle entries (both buckets full again, nothing left to report). When the table is full, new
 * sources share one overflow entry (`clientIp: "*"`): its audit budget and aggregate are shared, so the
 * disk stays bounded however many addresses a flood comes from, but it never answers 429 — a flood from
 * many addresses must not lock out every client the table has no room for (their failed guesses still
 * cost a token lookup each, not an audit write).
 *
 * Per node, in memory, like the per-token rate limits (docs/deployment.md).
 */
import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { AuditFields } from '../audit/record.js';

export interface SourceThrottleOptions {
  /** failed authentications a source may make at once … */
  failureBurst: number;
  /** … and per second after that */
  failuresPerSecond: number;
  /** responses to unauthenticated requests a source gets audited one by one at once … */
  auditBurst: number;
  /** … and per second after that */
  auditPerSecond: number;
  /** one aggregate audit record per source per window */
  windowMs: number;
  /** entries in the per-source table, beyond which new sources share the overflow entry */
  maxSources: number;
}

export const DEFAULT_SOURCE_THROTTLE: SourceThrottleOptions = {
  failureBurst: 200,
  failuresPerSecond: 5,
  auditBurst: 100,
  auditPerSecond: 0.1,
  windowMs: 60_000,
  maxSources: 10_000,
};

/** An unauthenticated response, as the aggregate counts it. */
export interface UnauthenticatedResponse {
  operation: string;
  status: number;
  code: string | null;
}

/** How many distinct (operation, status, code) keys an aggregate lists before counting the rest as `other`. */
const MAX_RESPONSE_KINDS = 16;
const SWEEP_MS = 5_000;
export const OVERFLOW_SOURCE = '*';
export const AGGREGATE_OPERATION = 'unauthenticated.aggregate';

interface Bucket {
  tokens: number;
  at: number;
}

interface Aggregate {
  count: number;
  from: number;
  to: number;
  responses: Map<string, number>;
  statuses: Map<number, number>;
  codes: Map<string, number>;
}

interface Entry {
  source: string;
  failures: Bucket;
  audit: Bucket;
  aggregate: Aggregate | undefined;
}

/** The source an address counts as: IPv4 as is, IPv6 by its /64, no address (Unix socket) as `local`. */
export function sourceOf(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'local';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  const zoneless = ip.split('%')[0]!;
  const [head = '', tail] = zoneless.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail takes two groups; only the first four groups matter here.
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16)).join(':') + '::/64';
}

function refill(b: Bucket, burst: number, perSecond: number, nowMs: number): void {
  b.tokens = Math.min(burst, b.tokens + (Math.max(0, nowMs - b.at) / 1000) * perSecond);
  b.at = nowMs;
}

function mostFrequent<K>(m: Map<K, number>): K | undefined {
  let best: K | undefined;
  let n = -1;
  for (const [k, v] of m) if (v > n) [best, n] = [k, v];
  return best;
}

export class SourceThrottle {
  readonly #options: SourceThrottleOptions;
  readonly #emit: (fields: AuditFields) => Promise<unknown>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #overflow: Entry;
  readonly #timer: NodeJS.Timeout;
  readonly #pending = new Set<Promise<unknown>>();
  #lastSweepMs = -Infinity;
  /** observable counters (metrics, tests) */
  readonly stats = { throttled: 0, aggregated: 0, aggregateRecords: 0 };

  /**
   * `emit` writes one aggregate audit record (the audit log's append); it must not throw synchronously.
   * `now` is injectable for unit tests.
   */
  constructor(options: Partial<SourceThrottleOptions>, emit: (fields: AuditFields) => Promise<unknown>, now: () => number = Date.now) {
    this.#options = { ...DEFAULT_SOURCE_THROTTLE, ...options };
    this.#emit = emit;
    this.#now = now;
    this.#overflow = this.#newEntry(OVERFLOW_SOURCE, now());
    this.#timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.#timer.unref();
  }

  /** entries in the per-source table (the overflow entry not counted) */
  get size(): number {
    return this.#entries.size;
  }

  #newEntry(source: string, nowMs: number): Entry {
    const o = this.#options;
    return { source, failures: { tokens: o.failureBurst, at: nowMs }, audit: { tokens: o.auditBurst, at: nowMs }, aggregate: undefined };
  }

  /** The entry of an address, made on first use (the overflow entry when the table is full). */
  #entry(ip: string | undefined, nowMs: number): Entry {
    const source = sourceOf(ip);
    let e = this.#entries.get(source);
    if (e === undefined) {
      // A full table is swept for idle entries at most once a second: a flood from fresh addresses
      // must not make every request walk the whole table.
      if (this.#entries.size >= this.#options.maxSources && nowMs - this.#lastSweepMs >= 1000) this.sweep();
      if (this.#entries.size >= this.#options.maxSources) return this.#overflow;
      e = this.#newEntry(source, nowMs);
      this.#entries.set(source, e);
    }
    return e;
  }

  /**
   * Before authenticating a request from `ip`: 0 when it may try, else the ms until it may (429).
   * Only a source with its own entry is ever refused (see the overflow entry above).
   */
  retryAfterMs(ip: string | undefined): number {
    const e = this.#entries.get(sourceOf(ip));
    if (e === undefined) return 0;
    const { failureBurst, failuresPerSecond } = this.#options;
    refill(e.failures, failureBurst, failuresPerSecond, this.#now());
    if (e.failures.tokens >= 1) return 0;
    this.stats.throttled++;
    return Math.max(1, Math.ceil(((1 - e.failures.tokens) / failuresPerSecond) * 1000));
  }

  /** A failed authentication from `ip`. */
  failed(ip: string | undefined): void {
    const nowMs = this.#now();
    const e = this.#entry(ip, nowMs);
    const { failureBurst, failuresPerSecond } = this.#options;
    refill(e.failures, failureBurst, failuresPerSecond, nowMs);
    e.failures.tokens = Math.max(0, e.failures.tokens - 1);
  }

  /**
   * A response to a request from `ip` without a valid credential: true when it gets its own audit
   * record; false when it was counted into the source's aggregate instead.
   */
  admit(ip: string | undefined, response: UnauthenticatedResponse): boolean {
    const nowMs = this.#now();
    const e = this.#entry(ip, nowMs);
    const { auditBurst, auditPerSecond, windowMs } = this.#options;
    refill(e.audit, auditBurst, auditPerSecond, nowMs);
    if (e.audit.tokens >= 1) {
      e.audit.tokens -= 1;
      return true;
    }
    if (e.aggregate !== undefined && nowMs - e.aggregate.from >= windowMs) this.#write(e);
    const a = (e.aggregate ??= { count: 0, from: nowMs, to: nowMs, responses: new Map(), statuses: new Map(), codes: new Map() });
    a.count++;
    a.to = nowMs;
    let kind = `${response.operation} ${response.status} ${response.code ?? '-'}`;
    if (!a.responses.has(kind) && a.responses.size >= MAX_RESPONSE_KINDS) kind = 'other';
    a.responses.set(kind, (a.responses.get(kind) ?? 0) + 1);
    a.statuses.set(response.status, (a.statuses.get(response.status) ?? 0) + 1);
    if (response.code !== null) a.codes.set(response.code, (a.codes.get(response.code) ?? 0) + 1);
    this.stats.aggregated++;
    return false;
  }

  /** Writes the aggregate of `e` (if any) as one audit record and clears it. */
  #write(e: Entry): void {
    const a = e.aggregate;
    if (a === undefined) return;
    e.aggregate = undefined;
    const status = a.statuses.has(429) ? 429 : (mostFrequent(a.statuses) ?? 0);
    const code = a.codes.has('AUTH_THROTTLED') ? 'AUTH_THROTTLED' : (mostFrequent(a.codes) ?? null);
    const from = new Date(a.from).toISOString();
    const to = new Date(a.to).toISOString();
    const fields: AuditFields = {
      requestId: randomUUID(),
      interface: 'http',
      operation: AGGREGATE_OPERATION,
      action: null,
      resource: null,
      principal: null,
      clientIp: e.source,
      outcome: [...a.statuses.keys()].some((s) => s === 401 || s === 403 || s === 429) ? 'denied' : [...a.statuses.keys()].some((s) => s >= 400) ? 'error' : 'success',
      status,
      code,
      reason: `${a.count} responses to requests without a valid credential from ${e.source === OVERFLOW_SOURCE ? 'sources beyond the throttle table' : e.source} between ${from} and ${to}, beyond what it may have audited one by one`,
      inputs: null,
      aggregate: { count: a.count, from, to, responses: Object.fromEntries(a.responses) },
    };
    this.stats.aggregateRecords++;
    const p = this.#emit(fields).catch(() => undefined);
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /** Writes aggregates whose window has passed and drops idle entries. Runs on a timer; safe to call any time. */
  sweep(): void {
    const nowMs = this.#now();
    this.#lastSweepMs = nowMs;
    const o = this.#options;
    for (const e of [...this.#entries.values(), this.#overflow]) {
      if (e.aggregate !== undefined && nowMs - e.aggregate.from >= o.windowMs) this.#write(e);
      if (e === this.#overflow || e.aggregate !== undefined) continue;
      refill(e.failures, o.failureBurst, o.failuresPerSecond, nowMs);
      refill(e.audit, o.auditBurst, o.auditPerSecond, nowMs);
      if (e.failures.tokens >= o.failureBurst && e.audit.tokens >= o.auditBurst) this.#entries.delete(e.source);
    }
  }

  /** Writes every pending aggregate now, whatever its window (shutdown; tests), and waits for the writes. */
  async flush(): Promise<void> {
    for (const e of [...this.#entries.values(), this.#overflow]) this.#write(e);
    await Promise.all([...this.#pending]);
  }

  /** Stops the sweep and flushes. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
