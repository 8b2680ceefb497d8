/** Keys: the list (filter, paging by cursor) and "Create key". */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, errorFor, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';

export interface Key {
  id: string;
  name: string | null;
  type: string;
  origin: string;
  state: string;
  exportable: boolean;
  version: number;
  description: string | null;
  tags: Record<string, string>;
  aliases: string[];
  deletionDate: string | null;
  publicKey?: string;
  address?: string;
  solanaAddress?: string;
  kcv?: string;
  wallet?: string;
  path?: string;
  createdAt: string;
}

export const KEY_TYPES = ['secp256k1', 'p256', 'ed25519', 'aes256', 'hmac256', 'rsa2048', 'rsa3072', 'rsa4096'];

function CreateKey({ onCreated }: { onCreated: (k: Key) => void }) {
  const [type, setType] = useState('secp256k1');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const act = useAction(() => api<Key>('POST', '/v1/keys', { type, ...(name.trim() ? { name: name.trim() } : {}), ...(description.trim() ? { description: description.trim() } : {}) }));
  return (
    <Section title="Create a key">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const k = await act.run();
          if (k) {
            setName('');
            setDescription('');
            onCreated(k);
          }
        }}
      >
        <div class="row">
          <Field id="new-key-type" label="Type" error={errorFor(act.error, ['type'])}>
            <select id="new-key-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {KEY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field id="new-key-name" label="Name" error={errorFor(act.error, ['name'])}>
            <input id="new-key-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="new-key-description" label="Description" error={errorFor(act.error, ['description'])}>
            <input id="new-key-description" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <FormError error={act.error} fields={['type', 'name', 'description']} />
        <button type="submit" disabled={act.busy || act.denied}>
          Create key
        </button>
      </form>
    </Section>
  );
}

export function KeysScreen() {
  const [cursors, setCursors] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(25);
  const cursor = cursors.at(-1);
  const list = useLoad(() => api<{ keys: Key[]; nextCursor: string | null }>('GET', '/v1/keys', undefined, { query: { limit, cursor } }), [cursor, limit]);
  const f = filter.trim().toLowerCase();
  const keys = (list.data?.keys ?? []).filter((k) => f === '' || [k.id, k.name ?? '', k.type, k.state, k.address ?? '', ...k.aliases, ...Object.entries(k.tags).map(([a, b]) => `${a}=${b}`)].some((v) => v.toLowerCase().includes(f)));
  return (
    <div class="screen">
      <h1>Keys</h1>
      <CreateKey onCreated={(k) => (location.hash = `#/keys/${encodeURIComponent(k.id)}`)} />
      <Section title="All keys">
        {list.denied ? (
          <Denied what="listing keys" />
        ) : (
          <>
            <div class="row">
              <Field id="keys-filter" label="Filter this page">
                <input id="keys-filter" type="search" placeholder="name, type, state, address, tag" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
              </Field>
              <Field id="keys-limit" label="Per page">
                <select id="keys-limit" value={String(limit)} onChange={(e) => (setCursors([]), setLimit(Number((e.target as HTMLSelectElement).value)))}>
                  {[10, 25, 100].map((n) => (
                    <option key={n} value={String(n)}>
                      {n}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <FormError error={list.error} />
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col">State</th>
                    <th scope="col">Address</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((k) => (
                    <tr key={k.id}>
                      <td>
                        <a href={`#/keys/${encodeURIComponent(k.id)}`}>{k.name ?? k.id}</a>
                      </td>
                      <td>{k.type}</td>
                      <td>
                        <span class={`pill ${k.state === 'enabled' ? 'good' : k.state === 'disabled' ? 'warn' : 'bad'}`}>{k.state}</span>
                      </td>
                      <td class="mono ellipsis">{k.address ?? k.solanaAddress ?? ''}</td>
                      <td>{new Date(k.createdAt).toLocaleString()}</td>
                    </tr>
                  ))}
                  {keys.length === 0 && !list.loading && (
                    <tr>
                      <td colSpan={5}>No keys{f ? ' match the filter' : ''}.</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
            <div class="row pager">
              <button type="button" class="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous page
              </button>
              <button type="button" class="secondary" disabled={!list.data?.nextCursor} onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}>
                Next page
              </button>
            </div>
          </>
        )}
      </Section>
    </div>
  );
}
