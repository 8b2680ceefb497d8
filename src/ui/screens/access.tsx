/**
 * Access: policies (view and edit as JSON; the server validates and names the statement member at
 * fault), tokens (create with policies and TTL, look up, revoke), AWS credentials (create, list,
 * revoke). Each part is hidden behind a note when the signed-in token's policies do not allow it.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, errorFor, Field, FormError, Section } from '../components/form.js';
import { JsonEditor, parseJson } from '../components/json-editor.js';
import { useAction, useLoad } from '../hooks.js';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

function Policies() {
  const names = useLoad(() => api<{ policies: string[] }>('GET', '/v1/policies'), []);
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [saved, setSaved] = useState('');
  const current = useLoad(() => (name && names.data?.policies.includes(name) ? api<unknown>('GET', `/v1/policies/${encodeURIComponent(name)}`) : Promise.resolve(undefined)), [name, names.data]);
  useEffect(() => {
    if (current.data !== undefined) {
      const { name: _n, ...doc } = current.data as Record<string, unknown>;
      void _n;
      setText(JSON.stringify(doc, null, 2));
    } else if (name && !names.data?.policies.includes(name)) setText(JSON.stringify({ statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] }, null, 2));
  }, [current.data, name]);
  const save = useAction(async () => {
    const parsed = parseJson(text);
    if (parsed.error !== undefined) throw new Error(`not valid JSON: ${parsed.error}`);
    return api('PUT', `/v1/policies/${encodeURIComponent(name.trim())}`, parsed.value);
  });
  const remove = useAction(() => api('DELETE', `/v1/policies/${encodeURIComponent(name.trim())}`));
  if (names.denied)
    return (
      <Section title="Policies">
        <Denied what="reading policies" />
      </Section>
    );
  return (
    <Section title="Policies">
      <FormError error={names.error} />
      <div class="row">
        <Field id="policy-pick" label="Policy">
          <select id="policy-pick" value={names.data?.policies.includes(name) ? name : ''} onChange={(e) => (setName((e.target as HTMLSelectElement).value), setSaved(''))}>
            <option value="">choose…</option>
            {(names.data?.policies ?? []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field id="policy-name" label="Name (new or existing)" error={errorFor(save.error, ['name'])}>
          <input id="policy-name" value={name} onInput={(e) => (setName((e.target as HTMLInputElement).value), setSaved(''))} />
        </Field>
      </div>
      {name && (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if ((await save.run()) !== undefined) {
              setSaved(`Saved policy ${name.trim()}`);
              names.reload();
            }
          }}
        >
          <JsonEditor id="policy-json" label="Policy document (JSON)" value={text} onInput={(v) => (setText(v), setSaved(''))} error={save.error} rows={14} />
          {saved && (
            <p role="status" class="ok">
              {saved}
            </p>
          )}
          <div class="row">
            <button type="submit" disabled={save.busy}>
              Save policy
            </button>
            <button
              type="button"
              class="danger"
              disabled={remove.busy}
              onClick={async () => {
                if (confirm(`Delete policy ${name}?`) && (await remove.run()) !== undefined) (setName(''), names.reload());
              }}
            >
              Delete policy
            </button>
          </div>
          <FormError error={remove.error} />
        </form>
      )}
    </Section>
  );
}

interface TokenInfo {
  token?: string;
  accessor: string;
  name: string | null;
  subject: string;
  policies: string[];
  expiresAt: string | null;
  revoked?: boolean;
}

function Tokens() {
  const [policies, setPolicies] = useState('');
  const [ttl, setTtl] = useState('1h');
  const [subject, setSubject] = useState('');
  const [tname, setTname] = useState('');
  const [created, setCreated] = useState<TokenInfo | undefined>();
  const [accessor, setAccessor] = useState('');
  const [found, setFound] = useState<TokenInfo | undefined>();
  const create = useAction(() =>
    api<TokenInfo>('POST', '/v1/tokens', { policies: list(policies), ...(ttl.trim() ? { ttl: ttl.trim() } : {}), ...(subject.trim() ? { subject: subject.trim() } : {}), ...(tname.trim() ? { name: tname.trim() } : {}) }),
  );
  const lookup = useAction(() => api<TokenInfo>('GET', `/v1/tokens/${encodeURIComponent(accessor.trim())}`));
  const revoke = useAction(() => api('POST', '/v1/tokens/revoke', { accessor: accessor.trim() }));
  return (
    <Section title="Tokens">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await create.run();
          if (r) setCreated(r);
        }}
      >
        <h3>Create a token</h3>
        <div class="row">
          <Field id="tok-policies" label="Policies (comma-separated)" error={errorFor(create.error, ['policies'])}>
            <input id="tok-policies" value={policies} onInput={(e) => setPolicies((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="tok-ttl" label="TTL" error={errorFor(create.error, ['ttl'])}>
            <input id="tok-ttl" value={ttl} onInput={(e) => setTtl((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="tok-subject" label="Subject (optional)" error={errorFor(create.error, ['subject'])}>
            <input id="tok-subject" value={subject} onInput={(e) => setSubject((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="tok-name" label="Name (optional)" error={errorFor(create.error, ['name'])}>
            <input id="tok-name" value={tname} onInput={(e) => setTname((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <FormError error={create.error} fields={['policies', 'ttl', 'subject', 'name']} />
        <button type="submit" disabled={create.busy}>
          Create token
        </button>
      </form>
      {created?.token && (
        <div class="secrets" role="region" aria-label="New token">
          <p class="warning">The token is shown once. Accessor (for lookup and revocation): <code class="mono">{created.accessor}</code></p>
          <p>
            Token: <code class="mono">{created.token}</code>
          </p>
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
            Hide
          </button>
        </div>
      )}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setFound(await lookup.run());
        }}
      >
        <h3>Look up or revoke</h3>
        <Field id="tok-accessor" label="Accessor" error={errorFor(lookup.error ?? revoke.error, ['accessor'])}>
          <input id="tok-accessor" class="mono" value={accessor} onInput={(e) => setAccessor((e.target as HTMLInputElement).value)} />
        </Field>
        <div class="row">
          <button type="submit" class="secondary" disabled={lookup.busy || accessor.trim() === ''}>
            Look up
          </button>
          <button
            type="button"
            class="danger"
            disabled={revoke.busy || accessor.trim() === ''}
            onClick={async () => {
              if (confirm('Revoke this token and every token and AWS credential it created?') && (await revoke.run()) !== undefined) setFound(await lookup.run());
            }}
          >
            Revoke
          </button>
        </div>
        <FormError error={lookup.error ?? revoke.error} fields={['accessor']} />
        {found && (
          <dl class="facts">
            <dt>Subject</dt>
            <dd>{found.subject}</dd>
            <dt>Name</dt>
            <dd>{found.name ?? '—'}</dd>
            <dt>Policies</dt>
            <dd>{found.policies.join(', ')}</dd>
            <dt>Expires</dt>
            <dd>{found.expiresAt ? new Date(found.expiresAt).toLocaleString() : 'never'}</dd>
            <dt>Revoked</dt>
            <dd>{found.revoked ? 'yes' : 'no'}</dd>
          </dl>
        )}
      </form>
    </Section>
  );
}

interface AwsCredential {
  accessKeyId: string;
  secretAccessKey?: string;
  policies: string[];
  subject: string;
  expiresAt: string | null;
  status: string;
}

function AwsCredentials() {
  const creds = useLoad(() => api<{ credentials: AwsCredential[] }>('GET', '/v1/aws-credentials', undefined, { query: { limit: 100 } }), []);
  const [policies, setPolicies] = useState('');
  const [ttl, setTtl] = useState('');
  const [created, setCreated] = useState<AwsCredential | undefined>();
  const create = useAction(() => api<AwsCredential>('POST', '/v1/aws-credentials', { ...(policies.trim() ? { policies: list(policies) } : {}), ...(ttl.trim() ? { ttl: ttl.trim() } : {}) }));
  const revoke = useAction((id: string) => api('DELETE', `/v1/aws-credentials/${encodeURIComponent(id)}`));
  return (
    <Section title="AWS credentials">
      <p>SigV4 credentials for the AWS KMS endpoint (docs/aws-kms.md); never more than your own policies.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await create.run();
          if (r) (setCreated(r), creds.reload());
        }}
      >
        <div class="row">
          <Field id="aws-policies" label="Policies (comma-separated, default yours)" error={errorFor(create.error, ['policies'])}>
            <input id="aws-policies" value={policies} onInput={(e) => setPolicies((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="aws-ttl" label="TTL (default your token's expiry)" error={errorFor(create.error, ['ttl'])}>
            <input id="aws-ttl" value={ttl} onInput={(e) => setTtl((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <FormError error={create.error} fields={['policies', 'ttl']} />
        <button type="submit" disabled={create.busy}>
          Create AWS credential
        </button>
      </form>
      {created?.secretAccessKey && (
        <div class="secrets" role="region" aria-label="New AWS credential">
          <p class="warning">The secret access key is shown once.</p>
          <p>
            Access key id: <code class="mono">{created.accessKeyId}</code>
            <br />
            Secret access key: <code class="mono">{created.secretAccessKey}</code>
          </p>
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
            Hide
          </button>
        </div>
      )}
      {creds.denied ? (
        <Denied what="listing AWS credentials" />
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">AWS credentials</caption>
            <thead>
              <tr>
                <th scope="col">Access key id</th>
                <th scope="col">Subject</th>
                <th scope="col">Policies</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(creds.data?.credentials ?? []).map((c) => (
                <tr key={c.accessKeyId}>
                  <td class="mono">{c.accessKeyId}</td>
                  <td>{c.subject}</td>
                  <td>{c.policies.join(', ')}</td>
                  <td>{c.status}</td>
                  <td>
                    {c.status === 'active' && (
                      <button type="button" class="danger" onClick={async () => (await revoke.run(c.accessKeyId)) !== undefined && creds.reload()}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormError error={revoke.error} />
    </Section>
  );
}

export function AccessScreen() {
  return (
    <div class="screen">
      <h1>Access</h1>
      <Policies />
      <Tokens />
      <AwsCredentials />
    </div>
  );
}
