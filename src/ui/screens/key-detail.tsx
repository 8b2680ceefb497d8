/**
 * One key: public key, addresses, state, versions, aliases and tags; sign and verify a test digest;
 * disable, enable, schedule deletion (and cancel it); the key's transaction rules, saved through the
 * server, which validates them and names the offending member next to the editor.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, errorFor, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';
import type { Key } from './keys.js';
import { RulesEditor } from './rules-editor.js';

function randomDigest(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return '0x' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const SIGNING = new Set(['secp256k1', 'p256', 'ed25519', 'rsa2048', 'rsa3072', 'rsa4096']);

function SignVerify({ k }: { k: Key }) {
  const [digest, setDigest] = useState(randomDigest);
  const [signature, setSignature] = useState('');
  const [valid, setValid] = useState<boolean | undefined>();
  // Ed25519 signs the message itself (RFC 8032 has no prehash here): the test bytes go as `message`.
  const input = k.type === 'ed25519' ? { message: digest.trim() } : { digest: digest.trim() };
  const field = k.type === 'ed25519' ? 'message' : 'digest';
  const sign = useAction(() => api<{ signature: string }>('POST', `/v1/keys/${encodeURIComponent(k.id)}/sign`, input));
  const verify = useAction(() => api<{ valid: boolean }>('POST', `/v1/keys/${encodeURIComponent(k.id)}/verify`, { ...input, signature: signature.trim() }));
  return (
    <Section title="Sign and verify a test digest">
      <Field id="sv-digest" label={k.type === 'ed25519' ? 'Message (hex)' : 'Digest (32 bytes, hex)'} error={errorFor(sign.error ?? verify.error, [field])}>
        <input id="sv-digest" class="mono" value={digest} onInput={(e) => (setDigest((e.target as HTMLInputElement).value), setValid(undefined))} />
      </Field>
      <div class="row">
        <button type="button" class="secondary" onClick={() => (setDigest(randomDigest()), setSignature(''), setValid(undefined))}>
          New random digest
        </button>
        <button
          type="button"
          disabled={sign.busy || sign.denied}
          onClick={async () => {
            const r = await sign.run();
            if (r) (setSignature(r.signature), setValid(undefined));
          }}
        >
          Sign
        </button>
      </div>
      <FormError error={sign.error} fields={[field, 'signature']} />
      <Field id="sv-signature" label="Signature (hex)" error={errorFor(verify.error, ['signature'])}>
        <textarea id="sv-signature" class="mono" rows={3} value={signature} onInput={(e) => (setSignature((e.target as HTMLTextAreaElement).value), setValid(undefined))} />
      </Field>
      <button
        type="button"
        disabled={verify.busy || signature.trim() === '' || verify.denied}
        onClick={async () => {
          const r = await verify.run();
          if (r) setValid(r.valid);
        }}
      >
        Verify
      </button>
      <FormError error={verify.error} fields={[field, 'signature']} />
      {valid !== undefined && (
        <p role="status" class={valid ? 'ok' : 'bad'}>
          {valid ? 'Signature valid' : 'Signature NOT valid'}
        </p>
      )}
    </Section>
  );
}

function Lifecycle({ k, onChange }: { k: Key; onChange: (k: Key) => void }) {
  const [pendingDays, setPendingDays] = useState('30');
  const id = encodeURIComponent(k.id);
  const act = useAction((method: string, path: string, body?: unknown) => api<Key>(method, `/v1/keys/${id}${path}`, body));
  const go = async (method: string, path: string, body?: unknown) => {
    const r = await act.run(method, path, body);
    if (r) onChange(r);
  };
  return (
    <Section title="Lifecycle">
      <div class="row">
        {k.state === 'enabled' && (
          <button type="button" class="secondary" disabled={act.busy} onClick={() => go('POST', '/disable')}>
            Disable
          </button>
        )}
        {k.state === 'disabled' && (
          <button type="button" disabled={act.busy} onClick={() => go('POST', '/enable')}>
            Enable
          </button>
        )}
        {k.state === 'pending_deletion' && (
          <button type="button" disabled={act.busy} onClick={() => go('POST', '/cancel-deletion')}>
            Cancel deletion
          </button>
        )}
      </div>
      {(k.state === 'enabled' || k.state === 'disabled') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (confirm(`Schedule ${k.name ?? k.id} for deletion in ${pendingDays} days? It can be cancelled until then.`)) void go('DELETE', '', { pendingDays: pendingDays.trim() });
          }}
        >
          <Field id="del-days" label="Waiting period (days)" error={errorFor(act.error, ['pendingDays'])}>
            <input id="del-days" value={pendingDays} onInput={(e) => setPendingDays((e.target as HTMLInputElement).value)} />
          </Field>
          <button type="submit" class="danger" disabled={act.busy}>
            Schedule deletion
          </button>
        </form>
      )}
      <FormError error={act.error} fields={['pendingDays']} />
    </Section>
  );
}

function Labels({ k, onChange }: { k: Key; onChange: (k: Key) => void }) {
  const id = encodeURIComponent(k.id);
  const [alias, setAlias] = useState('');
  const [tagKey, setTagKey] = useState('');
  const [tagValue, setTagValue] = useState('');
  const act = useAction((method: string, path: string, body?: unknown) => api<Key>(method, `/v1/keys/${id}${path}`, body));
  const go = async (method: string, path: string, body?: unknown) => {
    const r = await act.run(method, path, body);
    if (r) onChange(r);
    return r;
  };
  return (
    <Section title="Aliases and tags">
      <ul class="chips">
        {k.aliases.map((a) => (
          <li key={a}>
            {a}{' '}
            <button type="button" class="link" aria-label={`Remove alias ${a}`} onClick={() => go('DELETE', `/aliases/${encodeURIComponent(a)}`)}>
              ×
            </button>
          </li>
        ))}
        {Object.entries(k.tags).map(([t, v]) => (
          <li key={t}>
            {t}={v}{' '}
            <button
              type="button"
              class="link"
              aria-label={`Remove tag ${t}`}
              onClick={() => go('PATCH', '', { tags: Object.fromEntries(Object.entries(k.tags).filter(([x]) => x !== t)) })}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await go('POST', '/aliases', { alias: alias.trim() })) setAlias('');
        }}
      >
        <Field id="alias-new" label="New alias" error={errorFor(act.error, ['alias'])}>
          <input id="alias-new" value={alias} onInput={(e) => setAlias((e.target as HTMLInputElement).value)} />
        </Field>
        <button type="submit" class="secondary" disabled={act.busy || alias.trim() === ''}>
          Add alias
        </button>
      </form>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await go('PATCH', '', { tags: { ...k.tags, [tagKey.trim()]: tagValue } })) (setTagKey(''), setTagValue(''));
        }}
      >
        <div class="row">
          <Field id="tag-key" label="Tag" error={errorFor(act.error, ['tags'])}>
            <input id="tag-key" value={tagKey} onInput={(e) => setTagKey((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="tag-value" label="Value">
            <input id="tag-value" value={tagValue} onInput={(e) => setTagValue((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <button type="submit" class="secondary" disabled={act.busy || tagKey.trim() === ''}>
          Set tag
        </button>
      </form>
      <FormError error={act.error} fields={['alias', 'tags']} />
    </Section>
  );
}

export function KeyDetail({ id }: { id: string }) {
  const [override, setOverride] = useState<Key | undefined>();
  const key = useLoad(() => (setOverride(undefined), api<Key>('GET', `/v1/keys/${encodeURIComponent(id)}`)), [id]);
  const pem = useLoad(
    () => (key.data?.publicKey ? api<{ publicKey: string }>('GET', `/v1/keys/${encodeURIComponent(id)}/public-key`, undefined, { query: { format: 'pem' } }) : Promise.resolve(undefined)),
    [id, key.data?.publicKey],
  );
  const k = override ?? key.data;
  return (
    <div class="screen">
      <p class="back">
        <a href="#/keys">← All keys</a>
      </p>
      <h1>{k ? (k.name ?? k.id) : 'Key'}</h1>
      {key.denied && <Denied what="reading this key" />}
      <FormError error={key.denied ? undefined : key.error} />
      {k && (
        <>
          <Section title="Key">
            <dl class="facts">
              <dt>Id</dt>
              <dd class="mono">{k.id}</dd>
              <dt>Type</dt>
              <dd>{k.type}</dd>
              <dt>State</dt>
              <dd>
                <span class={`pill ${k.state === 'enabled' ? 'good' : k.state === 'disabled' ? 'warn' : 'bad'}`} data-testid="key-state">
                  {k.state}
                </span>
                {k.deletionDate && ` (deleted on ${new Date(k.deletionDate).toLocaleString()})`}
              </dd>
              <dt>Version</dt>
              <dd>{k.version}</dd>
              <dt>Origin</dt>
              <dd>{k.origin}</dd>
              {k.description && (
                <>
                  <dt>Description</dt>
                  <dd>{k.description}</dd>
                </>
              )}
              {k.address && (
                <>
                  <dt>Ethereum address</dt>
                  <dd class="mono" data-testid="key-address">
                    {k.address}
                  </dd>
                </>
              )}
              {k.solanaAddress && (
                <>
                  <dt>Solana address</dt>
                  <dd class="mono">{k.solanaAddress}</dd>
                </>
              )}
              {k.kcv && (
                <>
                  <dt>Key check value</dt>
                  <dd class="mono">{k.kcv}</dd>
                </>
              )}
              {k.wallet && (
                <>
                  <dt>Wallet / path</dt>
                  <dd class="mono">
                    {k.wallet} {k.path}
                  </dd>
                </>
              )}
              <dt>Created</dt>
              <dd>{new Date(k.createdAt).toLocaleString()}</dd>
            </dl>
            {k.publicKey && (
              <Field id="key-public" label="Public key (hex)">
                <textarea id="key-public" class="mono" readOnly rows={3} value={k.publicKey} />
              </Field>
            )}
            {pem.data && (
              <Field id="key-pem" label="Public key (PEM)">
                <textarea id="key-pem" class="mono" readOnly rows={5} value={pem.data.publicKey} />
              </Field>
            )}
          </Section>
          {SIGNING.has(k.type) && k.state === 'enabled' && <SignVerify k={k} />}
          <Lifecycle k={k} onChange={setOverride} />
          <Labels k={k} onChange={setOverride} />
          {['secp256k1', 'ed25519'].includes(k.type) && <RulesEditor keyId={k.id} />}
        </>
      )}
    </div>
  );
}
