/** Per-token token buckets (in memory, per node): `rate` requests per second with bursts up to `burst`. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes one request from the bucket; returns 0 when allowed, or how many ms until it would be. */
  take(id: string, rate: number, burst: number, nowMs: number): number {
    let b = this.#buckets.get(id);
    if (b === undefined) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      b = { tokens: burst, at: nowMs };
      this.#buckets.set(id, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * rate);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / rate) * 1000);
  }
}
