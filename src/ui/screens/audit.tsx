/**
 * Audit: browse and filter the log (by key or other resource, principal, action and outcome on the
 * server; by time on the page shown), verify the whole chain in this browser with the last signed
 * checkpoint, and export it as `strongbox audit export` does.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';
import { exportChain, verifyChain, type ChainResult } from '../lib/audit-chain.js';

interface Row {
  seq: number;
  time: string;
  interface: string;
  operation: string;
  action: string | null;
  resource: string | null;
  principal: string | null;
  clientIp: string | null;
  outcome: string;
  status: number;
  code: string | null;
  reason: string | null;
  hash: string;
  decision?: { outcome: string; reason?: string };
}

function Verify() {
  const [trusted, setTrusted] = useState('');
  const [count, setCount] = useState(0);
  const [result, setResult] = useState<ChainResult | undefined>();
  const act = useAction(() => verifyChain(trusted.trim() || undefined, setCount));
  const exp = useAction(async () => {
    const text = await exportChain(setCount);
    const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `strongbox-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.jsonl`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return true;
  });
  const r = result?.report;
  return (
    <Section title="Verify the chain">
      <p>Fetches every record and checkpoint, recomputes the hash chain here in your browser and checks every signature, as <code>strongbox audit verify</code> does.</p>
      <Field id="audit-trusted" label="Trusted audit key (hex, optional)" hint="From a copy you keep; without it, the key the server reports is trusted.">
        <input id="audit-trusted" class="mono" aria-describedby="audit-trusted-hint" value={trusted} onInput={(e) => setTrusted((e.target as HTMLInputElement).value)} />
      </Field>
      <div class="row">
        <button
          type="button"
          disabled={act.busy}
          onClick={async () => {
            setResult(undefined);
            const res = await act.run();
            if (res) setResult(res);
          }}
        >
          Verify chain
        </button>
        <button type="button" class="secondary" disabled={exp.busy} onClick={() => exp.run()}>
          Export (JSON lines)
        </button>
      </div>
      {(act.busy || exp.busy) && <p role="status">Read {count} records…</p>}
      <FormError error={act.error ?? exp.error} />
      {r && result && (
        <div role="status" class={r.ok ? 'verify ok' : 'verify bad'} data-testid="verify-result">
          <p>
            <strong>{r.ok ? 'Chain intact' : 'Chain NOT intact'}</strong>: {r.records} records, {r.headSignatures} batch signatures and {r.checkpoints} checkpoints checked; last record {r.lastSeq}.
          </p>
          {result.lastCheckpoint ? (
            <p>
              Last signed checkpoint: record {result.lastCheckpoint.seq} at {new Date(result.lastCheckpoint.time).toLocaleString()}, hash <code class="mono">{result.lastCheckpoint.hash.slice(0, 16)}…</code>, signed by{' '}
              <code class="mono">{(result.publicKey ?? '').slice(0, 16)}…</code>
            </p>
          ) : (
            <p>No checkpoint yet (one is written every 1,000 records and every 10 seconds).</p>
          )}
          {r.problems.length > 0 && (
            <ul>
              {r.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          {r.warnings.map((w) => (
            <p key={w} class="muted">
              {w}
            </p>
          ))}
        </div>
      )}
    </Section>
  );
}

export function AuditScreen() {
  const [resource, setResource] = useState('');
  const [principal, setPrincipal] = useState('');
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [pages, setPages] = useState<number[]>([]);
  const [applied, setApplied] = useState({ resource: '', principal: '', action: '', outcome: '' });
  const after = pages.at(-1) ?? 0;
  const list = useLoad(
    () => api<{ records: Row[]; nextAfterSeq: number | null }>('GET', '/v1/audit', undefined, { query: { afterSeq: after, limit: 50, ...applied } }),
    [after, applied.resource, applied.principal, applied.action, applied.outcome],
  );
  const fromMs = from ? Date.parse(from) : -Infinity;
  const toMs = to ? Date.parse(to) : Infinity;
  const rows = (list.data?.records ?? []).filter((r) => {
    const t = Date.parse(r.time);
    return t >= fromMs && t <= toMs;
  });
  if (list.denied)
    return (
      <div class="screen">
        <h1>Audit</h1>
        <Denied what="reading the audit log" />
      </div>
    );
  return (
    <div class="screen">
      <h1>Audit</h1>
      <Verify />
      <Section title="Records">
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            setPages([]);
            setApplied({ resource: resource.trim(), principal: principal.trim(), action: action.trim(), outcome });
          }}
        >
          <Field id="af-resource" label="Key or resource">
            <input id="af-resource" placeholder="key:… or a key id" value={resource} onInput={(e) => setResource((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="af-principal" label="Principal (accessor)">
            <input id="af-principal" value={principal} onInput={(e) => setPrincipal((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="af-action" label="Action">
            <input id="af-action" placeholder="keys:sign" value={action} onInput={(e) => setAction((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="af-outcome" label="Outcome">
            <select id="af-outcome" value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value)}>
              <option value="">any</option>
              <option value="success">success</option>
              <option value="denied">denied</option>
              <option value="error">error</option>
            </select>
          </Field>
          <Field id="af-from" label="From (this page)">
            <input id="af-from" type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="af-to" label="To (this page)">
            <input id="af-to" type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </Field>
          <button type="submit">Apply filters</button>
        </form>
        <FormError error={list.error} />
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Audit records</caption>
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Time</th>
                <th scope="col">Operation</th>
                <th scope="col">Resource</th>
                <th scope="col">Principal</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.seq}>
                  <td>{r.seq}</td>
                  <td>{new Date(r.time).toLocaleString()}</td>
                  <td>
                    {r.operation}
                    {r.decision && <span class="muted"> ({r.decision.outcome})</span>}
                  </td>
                  <td class="mono ellipsis">{r.resource ?? ''}</td>
                  <td class="mono ellipsis">{r.principal ?? ''}</td>
                  <td>
                    <span class={`pill ${r.outcome === 'success' ? 'good' : r.outcome === 'denied' ? 'warn' : 'bad'}`}>{r.status}</span> {r.code ?? ''}
                  </td>
                </tr>
              ))}
              {rows.length === 0 && !list.loading && (
                <tr>
                  <td colSpan={6}>No records.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div class="row pager">
          <button type="button" class="secondary" disabled={pages.length === 0} onClick={() => setPages((p) => p.slice(0, -1))}>
            Previous page
          </button>
          <button type="button" class="secondary" disabled={!list.data?.nextAfterSeq || (list.data?.records.length ?? 0) < 50} onClick={() => list.data?.nextAfterSeq && setPages((p) => [...p, list.data!.nextAfterSeq!])}>
            Next page
          </button>
        </div>
      </Section>
    </div>
  );
}
