/**
 * Prometheus metrics in the text exposition format (version 0.0.4), with no dependency: counters,
 * gauges read at scrape time, and histograms with fixed buckets. Label values are escaped; label
 * sets are bounded by construction (routes, outcomes, key types and store operations are finite
 * sets, never ids or user input), so memory stays bounded.
 */

type Labels = Readonly<Record<string, string>>;

const NEEDS_ESCAPE = /[\\\n"]/;

/** A label value as the exposition format writes it (\\, \n and " escaped); most values need nothing. */
function escapeLabel(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  abstract lines(): string[];
}

export class Counter extends Metric {
  readonly type = 'counter';
  readonly #values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  lines(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

/** A gauge whose values are read when scraped. */
export class Gauge extends Metric {
  readonly type = 'gauge';
  constructor(
    name: string,
    help: string,
    readonly read: () => ReadonlyArray<readonly [Labels, number]>,
  ) {
    super(name, help);
  }
  lines(): string[] {
    return this.read().map(([labels, v]) => {
      const k = labelKey(labels);
      return `${this.name}${k ? `{${k}}` : ''} ${v}`;
    });
  }
}

export class Histogram extends Metric {
  readonly type = 'histogram';
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help);
  }
  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.#series.get(k);
    if (s === undefined) this.#series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.#series) {
      const sep = k ? `${k},` : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Every metric Strongbox exports. One instance per process (all listeners share it). */
export class Metrics {
  readonly #all: Metric[] = [];
  readonly requests = this.#add(new Counter('strongbox_http_requests_total', 'HTTP requests by route, method and outcome (success, denied, error)'));
  readonly requestDuration = this.#add(new Histogram('strongbox_http_request_duration_seconds', 'HTTP request latency by route and outcome, audit write included', LATENCY_BUCKETS));
  readonly signatures = this.#add(new Counter('strongbox_signatures_total', 'Signatures released, by key type and operation'));
  readonly auditWriteDuration = this.#add(new Histogram('strongbox_audit_write_duration_seconds', 'Time to make one batch of audit records durable', LATENCY_BUCKETS));
  readonly auditBatchSize = this.#add(new Histogram('strongbox_audit_batch_records', 'Audit records per durable write (group commit)', BATCH_BUCKETS));
  readonly callerMismatches = this.#add(new Counter('strongbox_caller_measurement_mismatches_total', 'Requests refused because the token is bound to a caller measurement the calling process does not match (docs/attestation.md)'));
  readonly storageErrors = this.#add(new Counter('strongbox_storage_errors_total', 'Storage operations that failed, by operation'));

  #add<M extends Metric>(m: M): M {
    this.#all.push(m);
    return m;
  }

  /** Registers a gauge read at scrape time (seal state, cache sizes, hit counts). */
  gauge(name: string, help: string, read: () => ReadonlyArray<readonly [Labels, number]>): void {
    this.#add(new Gauge(name, help, read));
  }

  /** A counter maintained elsewhere (e.g. cache hits), read at scrape time. */
  counterFrom(name: string, help: string, read: () => ReadonlyArray<readonly [Labels, number]>): void {
    const g = new Gauge(name, help, read);
    Object.defineProperty(g, 'type', { value: 'counter' });
    this.#add(g);
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.#all) {
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return out.join('\n') + '\n';
  }
}
