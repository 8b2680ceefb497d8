/**
 * Overview: request rate, sign latency and errors, read from /metrics (needs `sys:metrics`; the
 * `operator` and `admin` policies have it) every 5 seconds; rates are the change between two reads.
 */
import { useRef } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, FormError, Section } from '../components/form.js';
import { useLoad } from '../hooks.js';
import { parseMetrics, quantile, sum, type Sample } from '../lib/metrics.js';

const isSign = (l: Map<string, string>) => /sign|mac/.test(l.get('route') ?? '');
const ms = (s: number | undefined) => (s === undefined ? '—' : `${(s * 1000).toFixed(s < 0.01 ? 2 : 1)} ms`);

function Stat({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <div class="stat">
      <div class="stat-value" data-testid={testid}>
        {value}
      </div>
      <div class="stat-label">{label}</div>
    </div>
  );
}

export function OverviewScreen() {
  const prev = useRef<{ at: number; requests: number; errors: number } | undefined>(undefined);
  const rates = useRef<{ requests: number; errors: number } | undefined>(undefined);
  const metrics = useLoad(async () => {
    const samples = parseMetrics(await api<string>('GET', '/metrics', undefined, { text: true }));
    const now = Date.now();
    const requests = sum(samples, 'strongbox_http_requests_total');
    const errors = sum(samples, 'strongbox_http_requests_total', (l) => l.get('outcome') === 'error');
    if (prev.current && now > prev.current.at) {
      const dt = (now - prev.current.at) / 1000;
      rates.current = { requests: (requests - prev.current.requests) / dt, errors: (errors - prev.current.errors) / dt };
    }
    prev.current = { at: now, requests, errors };
    return samples;
  }, [], 5000);
  if (metrics.denied)
    return (
      <div class="screen">
        <h1>Overview</h1>
        <Denied what="reading the server's metrics (sys:metrics)" />
      </div>
    );
  const s: Sample[] = metrics.data ?? [];
  const signCount = sum(s, 'strongbox_http_request_duration_seconds_count', isSign);
  const signSum = sum(s, 'strongbox_http_request_duration_seconds_sum', isSign);
  const byOutcome = (o: string) => sum(s, 'strongbox_http_requests_total', (l) => l.get('outcome') === o);
  const routes = new Map<string, number>();
  for (const x of s) if (x.name === 'strongbox_http_requests_total' && x.labels.get('outcome') === 'error') routes.set(x.labels.get('route') ?? '?', (routes.get(x.labels.get('route') ?? '?') ?? 0) + x.value);
  return (
    <div class="screen">
      <h1>Overview</h1>
      <FormError error={metrics.error} />
      {metrics.data && (
        <>
          <Section title="Traffic">
            <div class="stats">
              <Stat label="requests per second" value={rates.current ? rates.current.requests.toFixed(2) : '…'} testid="req-rate" />
              <Stat label="requests since start" value={String(byOutcome('success') + byOutcome('denied') + byOutcome('error'))} />
              <Stat label="denied since start" value={String(byOutcome('denied'))} />
              <Stat label="errors per second" value={rates.current ? rates.current.errors.toFixed(2) : '…'} />
              <Stat label="errors since start" value={String(byOutcome('error'))} />
              <Stat label="node sealed" value={sum(s, 'strongbox_sealed') === 1 ? 'yes' : 'no'} />
            </div>
          </Section>
          <Section title="Signing">
            <div class="stats">
              <Stat label="signatures released" value={String(sum(s, 'strongbox_signatures_total'))} />
              <Stat label="sign requests" value={String(signCount)} />
              <Stat label="mean sign latency" value={signCount > 0 ? ms(signSum / signCount) : '—'} />
              <Stat label="p50 sign latency" value={ms(quantile(s, 'strongbox_http_request_duration_seconds', 0.5, isSign))} />
              <Stat label="p95 sign latency" value={ms(quantile(s, 'strongbox_http_request_duration_seconds', 0.95, isSign))} />
              <Stat label="p95 audit write" value={ms(quantile(s, 'strongbox_audit_write_duration_seconds', 0.95))} />
            </div>
          </Section>
          <Section title="Errors by route">
            {routes.size === 0 ? (
              <p>No errors since the server started.</p>
            ) : (
              <table>
                <caption class="sr-only">Errors by route</caption>
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col">Errors</th>
                  </tr>
                </thead>
                <tbody>
                  {[...routes].sort((a, b) => b[1] - a[1]).map(([r, n]) => (
                    <tr key={r}>
                      <td class="mono">{r}</td>
                      <td>{n}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        </>
      )}
    </div>
  );
}
