/**
 * Status and the custodian ceremonies (docs/ceremonies.md): seal state, init (shares shown once),
 * the unseal ceremony — each custodian enters a share on their own machine and everyone sees k of M,
 * polled from /v1/sys/health — and generate-root and rekey, which work the same way. These routes need
 * no token, so this screen is reachable before signing in.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, clearSealedBanner, showSealedBanner } from '../api.js';
import { errorFor, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';
import type { HealthResponse } from '../../protocol/types.js';

type Health = HealthResponse;

export function Progress({ label, done, of }: { label: string; done: number; of: number }) {
  return (
    <div class="progress-wrap">
      <p role="status" aria-live="polite" class="progress-text">
        {label}: <strong>{done} of {of}</strong> shares
      </p>
      <progress max={of} value={done} aria-label={label} />
    </div>
  );
}

function Secrets({ title, items, warning }: { title: string; items: string[]; warning: string }) {
  const [hidden, setHidden] = useState(false);
  if (hidden) return <p>The shares were shown once and are gone from this page.</p>;
  return (
    <div class="secrets" role="region" aria-label={title}>
      <p class="warning" role="alert">
        {warning}
      </p>
      <ol class="mono">
        {items.map((s) => (
          <li key={s}>
            <code>{s}</code>
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => setHidden(true)}>
        I have saved them: hide
      </button>
    </div>
  );
}

interface InitResult {
  shares: string[];
  rootToken: string;
  threshold: number;
}

/** `result` is held by the screen, so the shares stay on the page after the next poll says "initialized". */
function Init({ result, setResult }: { result: InitResult | undefined; setResult: (r: InitResult | undefined) => void }) {
  const [shares, setShares] = useState('3');
  const [threshold, setThreshold] = useState('2');
  const act = useAction(() => api<{ shares: string[]; rootToken: string; threshold: number }>('POST', '/v1/sys/init', { shares: Number(shares), threshold: Number(threshold) }, { anonymous: true }));
  if (result) {
    return (
      <Section title="Initialized">
        <p>Give one share to each custodian. Any {result.threshold} of them unseal the server.</p>
        <Secrets title="Unseal shares" items={result.shares} warning="These shares and the root token are shown ONCE. Hand each share to its custodian now; Strongbox keeps no copy." />
        <p>
          Root token: <code class="mono">{result.rootToken}</code>
        </p>
        <button type="button" onClick={() => setResult(undefined)}>
          Continue to unseal
        </button>
      </Section>
    );
  }
  return (
    <Section title="Initialize">
      <p>This server has never been initialized. Choose how many custodians hold a share, and how many of them are needed to unseal.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await act.run();
          if (r) setResult(r);
        }}
      >
        <Field id="init-shares" label="Shares" error={errorFor(act.error, ['shares'])}>
          <input id="init-shares" type="number" min={1} max={16} value={shares} onInput={(e) => setShares((e.target as HTMLInputElement).value)} />
        </Field>
        <Field id="init-threshold" label="Threshold" error={errorFor(act.error, ['threshold'])}>
          <input id="init-threshold" type="number" min={1} max={16} value={threshold} onInput={(e) => setThreshold((e.target as HTMLInputElement).value)} />
        </Field>
        <FormError error={act.error} fields={['shares', 'threshold']} />
        <button type="submit" disabled={act.busy}>
          Initialize
        </button>
      </form>
    </Section>
  );
}

function Unseal({ health, reload }: { health: Health; reload: () => void }) {
  const [share, setShare] = useState('');
  const act = useAction((s: string) => api<{ sealed: boolean; progress: number; threshold: number }>('POST', '/v1/sys/unseal', { share: s.trim() }, { anonymous: true }));
  return (
    <Section title="Unseal ceremony">
      <p>Each custodian enters their share on their own machine. Everyone watching this page sees the progress.</p>
      <Progress label="Unseal progress" done={health.progress ?? 0} of={health.threshold ?? 0} />
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await act.run(share);
          if (r) {
            setShare('');
            if (!r.sealed) clearSealedBanner();
          }
          reload();
        }}
      >
        <Field id="unseal-share" label="Unseal share" error={errorFor(act.error, ['share'])}>
          <input id="unseal-share" type="password" autocomplete="off" class="mono" value={share} onInput={(e) => setShare((e.target as HTMLInputElement).value)} />
        </Field>
        <FormError error={act.error} fields={['share']} />
        <button type="submit" disabled={act.busy || share.trim() === ''}>
          Unseal
        </button>
      </form>
    </Section>
  );
}

function xorDecode(encoded: string, otp: string): string {
  const b64 = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
  try {
    const e = b64(encoded.trim());
    const o = b64(otp.trim());
    return new TextDecoder().decode(e.map((b, i) => b ^ (o[i] ?? 0)));
  } catch {
    return '(not base64url)';
  }
}

/** generate-root (progress: encodedToken at the end) and rekey (progress: new shares at the end). */
function Ceremony({ kind, state, reload }: { kind: 'generate-root' | 'rekey'; state: { progress: number; threshold: number } | undefined; reload: () => void }) {
  const title = kind === 'rekey' ? 'Rekey (new unseal shares)' : 'Generate a root token';
  const [nonce, setNonce] = useState('');
  const [share, setShare] = useState('');
  const [newShares, setNewShares] = useState('3');
  const [newThreshold, setNewThreshold] = useState('2');
  const [started, setStarted] = useState<{ nonce: string; otp?: string } | undefined>();
  const [done, setDone] = useState<{ encodedToken?: string; shares?: string[] } | undefined>();
  const [encoded, setEncoded] = useState('');
  const [otp, setOtp] = useState('');
  const start = useAction(() => api<{ nonce: string; otp?: string }>('POST', `/v1/sys/${kind}/attempt`, kind === 'rekey' ? { shares: Number(newShares), threshold: Number(newThreshold) } : {}, { anonymous: true }));
  const update = useAction(() => api<{ complete?: boolean; encodedToken?: string; shares?: string[] }>('POST', `/v1/sys/${kind}/update`, { nonce: nonce.trim(), share: share.trim() }, { anonymous: true }));
  const cancel = useAction(() => api('DELETE', `/v1/sys/${kind}/attempt`, { nonce: nonce.trim() }, { anonymous: true }));
  const p = kind === 'rekey' ? 'rk' : 'gr';
  return (
    <Section title={title}>
      {state ? <Progress label={`${title} progress`} done={state.progress} of={state.threshold} /> : <p>No attempt in progress.</p>}
      {!state && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await start.run();
            if (r) {
              setStarted(r);
              setNonce(r.nonce);
              if (r.otp) setOtp(r.otp);
            }
            reload();
          }}
        >
          {kind === 'rekey' && (
            <div class="row">
              <Field id={`${p}-new-shares`} label="New shares" error={errorFor(start.error, ['shares'])}>
                <input id={`${p}-new-shares`} type="number" min={1} max={16} value={newShares} onInput={(e) => setNewShares((e.target as HTMLInputElement).value)} />
              </Field>
              <Field id={`${p}-new-threshold`} label="New threshold" error={errorFor(start.error, ['threshold'])}>
                <input id={`${p}-new-threshold`} type="number" min={1} max={16} value={newThreshold} onInput={(e) => setNewThreshold((e.target as HTMLInputElement).value)} />
              </Field>
            </div>
          )}
          <FormError error={start.error} fields={['shares', 'threshold']} />
          <button type="submit" disabled={start.busy}>
            Start {kind}
          </button>
        </form>
      )}
      {started && (
        <div class="secrets">
          <p>
            Attempt started. Give the nonce to the custodians: <code class="mono">{started.nonce}</code>
          </p>
          {started.otp && (
            <p class="warning">
              One-time pad (keep it to yourself; it decodes the new root token): <code class="mono">{started.otp}</code>
            </p>
          )}
        </div>
      )}
      {state && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const r = await update.run();
            if (r) {
              setShare('');
              if (r.complete) setDone(r);
            }
            reload();
          }}
        >
          <Field id={`${p}-nonce`} label="Nonce" error={errorFor(update.error, ['nonce'])}>
            <input id={`${p}-nonce`} class="mono" autocomplete="off" value={nonce} onInput={(e) => setNonce((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id={`${p}-share`} label="Your share" error={errorFor(update.error, ['share'])}>
            <input id={`${p}-share`} type="password" autocomplete="off" class="mono" value={share} onInput={(e) => setShare((e.target as HTMLInputElement).value)} />
          </Field>
          <FormError error={update.error ?? cancel.error} fields={['nonce', 'share']} />
          <div class="row">
            <button type="submit" disabled={update.busy}>
              Submit share
            </button>
            <button type="button" class="secondary" onClick={async () => (await cancel.run(), reload())}>
              Cancel attempt
            </button>
          </div>
        </form>
      )}
      {done?.encodedToken && (
        <p>
          Encoded root token (the initiator decodes it with the one-time pad): <code class="mono">{done.encodedToken}</code>
        </p>
      )}
      {done?.shares && <Secrets title="New unseal shares" items={done.shares} warning="The new shares are shown ONCE and the old ones no longer work. Hand each to its custodian now." />}
      {kind === 'generate-root' && (
        <details>
          <summary>Decode a new root token</summary>
          <form onSubmit={(e) => e.preventDefault()}>
          <Field id="gr-encoded" label="Encoded token">
            <input id="gr-encoded" class="mono" value={encoded} onInput={(e) => setEncoded((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="gr-otp" label="One-time pad">
            <input id="gr-otp" type="password" class="mono" value={otp} onInput={(e) => setOtp((e.target as HTMLInputElement).value)} />
          </Field>
          {encoded && otp && (
            <p>
              Root token: <code class="mono">{xorDecode(encoded, otp)}</code>
            </p>
          )}
          </form>
        </details>
      )}
    </Section>
  );
}

export function StatusScreen() {
  const health = useLoad(() => api<Health>('GET', '/v1/sys/health', undefined, { anonymous: true }), [], 2000);
  const [initResult, setInitResult] = useState<InitResult | undefined>();
  const h = health.data;
  useEffect(() => {
    if (h?.sealed && h.initialized) showSealedBanner();
    else if (h && !h.sealed) clearSealedBanner();
  }, [h?.sealed, h?.initialized]);
  return (
    <div class="screen">
      <h1>Status</h1>
      {!h && health.loading && <p>Loading…</p>}
      {h && (
        <Section title="Server">
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <span class={`pill ${!h.initialized ? 'warn' : h.sealed ? 'bad' : 'good'}`} data-testid="seal-state">
                {!h.initialized ? 'not initialized' : h.sealed ? 'sealed' : 'unsealed'}
              </span>
            </dd>
            <dt>Seal type</dt>
            <dd>{h.sealType ?? '—'}</dd>
            <dt>Version</dt>
            <dd>{h.version}</dd>
            <dt>Node</dt>
            <dd>{location.host}</dd>
            {h.sealedReason && (
              <>
                <dt>Why sealed</dt>
                <dd>{h.sealedReason}</dd>
              </>
            )}
          </dl>
        </Section>
      )}
      {h && (!h.initialized || initResult) && <Init result={initResult} setResult={(r) => (setInitResult(r), health.reload())} />}
      {h && h.initialized && !initResult && h.sealed && h.threshold !== undefined && <Unseal health={h} reload={health.reload} />}
      {h && h.initialized && !initResult && (
        <>
          <Ceremony kind="generate-root" state={h.generateRoot} reload={health.reload} />
          <Ceremony kind="rekey" state={h.rekey} reload={health.reload} />
        </>
      )}
    </div>
  );
}
