/**
 * Approvals: the queue of held transactions with their decoded summary (chain, network, from, to,
 * native and token amounts, fee, the rule that held it, who asked, expiry, approvals still needed);
 * "Approve" and "Reject" with a reason; refreshed every few seconds; the signed result once the quorum
 * is met. Approve and Reject appear only for the approvers the request names (and Reject also for its
 * requester, who may withdraw it); a 403 from the server removes them.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';
import { useMe, type Me } from '../me.js';

interface Vote {
  subject: string;
  at: string;
}
interface Summary {
  chain?: string;
  network?: string;
  transfers?: { to: string; amount: string; asset: string }[];
  calls?: { to: string; selector: string }[];
  fee?: string | null;
  approvers?: { subjects?: string[]; policy?: string };
  reason?: string;
}
export interface Approval {
  id: string;
  keyId: string;
  chain: string;
  operation: string;
  status: string;
  reason: string | null;
  required: number;
  approvals: Vote[];
  rejections: Vote[];
  requester: string;
  summary: Summary;
  transaction: Record<string, unknown>;
  result: Record<string, unknown> | null;
  createdAt: string;
  expiresAt: string;
}

const STATUSES = ['pending', 'signed', 'rejected', 'expired', 'denied', 'failed', 'signing'];

function mayApprove(a: Approval, me: Me | undefined): boolean {
  if (me === undefined || a.requester === me.subject) return false;
  const named = a.summary.approvers;
  return (named?.subjects ?? []).includes(me.subject) || (named?.policy !== undefined && me.policies.includes(named.policy));
}

function ApprovalCard({ a, onChange }: { a: Approval; onChange: () => void }) {
  const me = useMe();
  const [reason, setReason] = useState('');
  const [deniedHere, setDeniedHere] = useState(false);
  const approve = useAction(() => api<Approval>('POST', `/v1/approvals/${encodeURIComponent(a.id)}/approve`));
  const reject = useAction(() => api<Approval>('POST', `/v1/approvals/${encodeURIComponent(a.id)}/reject`, reason.trim() ? { reason: reason.trim() } : {}));
  const error = approve.error ?? reject.error;
  const canApprove = mayApprove(a, me) && !deniedHere;
  const canReject = (canApprove || a.requester === me?.subject) && !deniedHere;
  const s = a.summary;
  const tx = a.transaction as { to?: string; value?: string; chainId?: number | string };
  const act = async (which: typeof approve) => {
    const r = await which.run();
    if (which.error?.status === 403) setDeniedHere(true);
    if (r !== undefined || which.error) onChange();
  };
  const labelId = `approval-${a.id}`;
  return (
    <article class="card approval" aria-labelledby={labelId} data-approval={a.id}>
      <h3 id={labelId}>
        {s.chain ?? a.chain} {a.operation} <span class={`pill ${a.status === 'signed' ? 'good' : a.status === 'pending' || a.status === 'signing' ? 'warn' : 'bad'}`}>{a.status}</span>
      </h3>
      <dl class="facts">
        <dt>Network</dt>
        <dd>{s.network ?? String(tx.chainId ?? '—')}</dd>
        <dt>From</dt>
        <dd>
          key <a href={`#/keys/${encodeURIComponent(a.keyId)}`}>{a.keyId}</a>
          {a.result && typeof a.result['from'] === 'string' && <span class="mono"> ({a.result['from']})</span>}
        </dd>
        {(s.transfers ?? []).map((t, i) => (
          <Fragment key={`t${i}`}>
            <dt>{t.asset === 'native' ? 'Send' : `Token ${t.asset}`}</dt>
            <dd>
              <strong>{t.amount}</strong> {t.asset === 'native' ? (a.chain === 'ethereum' ? 'wei' : a.chain === 'bitcoin' ? 'sat' : 'lamports') : 'units'} to <span class="mono">{t.to}</span>
            </dd>
          </Fragment>
        ))}
        {(s.calls ?? []).length > 0 && (
          <>
            <dt>Calls</dt>
            <dd>
              {(s.calls ?? []).map((c) => (
                <div class="mono" key={c.to + c.selector}>
                  {c.selector} on {c.to}
                </div>
              ))}
            </dd>
          </>
        )}
        <dt>Fee (at most)</dt>
        <dd>{s.fee ?? 'unbounded'}</dd>
        <dt>Held by</dt>
        <dd>{s.reason ?? 'approval rule'}</dd>
        <dt>Requested by</dt>
        <dd>{a.requester}</dd>
        <dt>Expires</dt>
        <dd>{new Date(a.expiresAt).toLocaleString()}</dd>
        <dt>Approvals</dt>
        <dd data-testid="approval-count">
          {a.approvals.length} of {a.required}
          {a.status === 'pending' && ` (${Math.max(0, a.required - a.approvals.length)} more needed)`}
          {a.approvals.length > 0 && `: ${a.approvals.map((v) => v.subject).join(', ')}`}
        </dd>
        {a.rejections.length > 0 && (
          <>
            <dt>Rejected by</dt>
            <dd>{a.rejections.map((v) => v.subject).join(', ')}</dd>
          </>
        )}
        {a.reason && (
          <>
            <dt>Outcome reason</dt>
            <dd>{a.reason}</dd>
          </>
        )}
      </dl>
      {a.status === 'signed' && a.result && (
        <div class="result">
          <p role="status" class="ok">
            Signed once the quorum was met.
          </p>
          {typeof a.result['hash'] === 'string' && (
            <p>
              Transaction hash: <code class="mono">{a.result['hash']}</code>
            </p>
          )}
          {typeof a.result['rawTransaction'] === 'string' && (
            <Field id={`raw-${a.id}`} label="Signed transaction">
              <textarea id={`raw-${a.id}`} class="mono" readOnly rows={3} value={a.result['rawTransaction']} data-testid="signed-raw" />
            </Field>
          )}
          {typeof a.result['signature'] === 'string' && (
            <p>
              Signature: <code class="mono">{a.result['signature']}</code>
            </p>
          )}
        </div>
      )}
      <details>
        <summary>Transaction as held</summary>
        <pre class="mono">{JSON.stringify(a.transaction, null, 2)}</pre>
      </details>
      {a.status === 'pending' && (canApprove || canReject) && (
        <div class="vote">
          {canReject && (
            <Field id={`reason-${a.id}`} label="Reason (for a rejection)">
              <input id={`reason-${a.id}`} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            </Field>
          )}
          <div class="row">
            {canApprove && (
              <button type="button" disabled={approve.busy || reject.busy} onClick={() => act(approve)}>
                Approve
              </button>
            )}
            {canReject && (
              <button type="button" class="danger" disabled={approve.busy || reject.busy} onClick={() => act(reject)}>
                Reject
              </button>
            )}
          </div>
        </div>
      )}
      <FormError error={error} />
    </article>
  );
}

export function ApprovalsScreen() {
  const [status, setStatus] = useState('pending');
  const list = useLoad(() => api<{ approvals: Approval[]; nextCursor: string | null }>('GET', '/v1/approvals', undefined, { query: { status: status || undefined, limit: 50 } }), [status], 3000);
  return (
    <div class="screen">
      <h1>Approvals</h1>
      {list.denied ? (
        <Denied what="reading the approval queue" />
      ) : (
        <>
          <div class="row">
            <Field id="approvals-status" label="Show">
              <select id="approvals-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
                <option value="">all</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </Field>
            <p class="muted" aria-live="off">
              Refreshes every 3 seconds.
            </p>
          </div>
          <FormError error={list.error} />
          {list.data?.approvals.length === 0 && (
            <Section title="Queue">
              <p>No {status || ''} requests.</p>
            </Section>
          )}
          {list.data?.approvals.map((a) => <ApprovalCard key={a.id} a={a} onChange={list.reload} />)}
        </>
      )}
    </div>
  );
}
