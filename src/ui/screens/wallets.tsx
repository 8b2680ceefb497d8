/** Wallets: create or import (BIP39), derive a key by path, and each wallet's derived keys. */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, errorFor, Field, FormError, Section } from '../components/form.js';
import { useAction, useLoad } from '../hooks.js';
import type { Key } from './keys.js';

interface Wallet {
  id: string;
  name: string | null;
  origin: string;
  createdAt: string;
  mnemonic?: string;
}

function CreateWallet({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [mnemonic, setMnemonic] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [reveal, setReveal] = useState(false);
  const [shown, setShown] = useState<string | undefined>();
  const act = useAction(() =>
    api<Wallet>('POST', '/v1/wallets', {
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(mnemonic.trim() ? { mnemonic: mnemonic.trim() } : { revealMnemonic: reveal }),
      ...(passphrase ? { passphrase } : {}),
    }),
  );
  return (
    <Section title="Create or import a wallet">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const w = await act.run();
          if (w) {
            setShown(w.mnemonic);
            setMnemonic('');
            setPassphrase('');
            setName('');
            onCreated();
          }
        }}
      >
        <Field id="w-name" label="Name" error={errorFor(act.error, ['name'])}>
          <input id="w-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </Field>
        <Field id="w-mnemonic" label="Mnemonic to import (leave empty to generate)" error={errorFor(act.error, ['mnemonic'])}>
          <textarea id="w-mnemonic" rows={2} autocomplete="off" spellcheck={false} value={mnemonic} onInput={(e) => setMnemonic((e.target as HTMLTextAreaElement).value)} />
        </Field>
        <Field id="w-passphrase" label="BIP39 passphrase (optional)" error={errorFor(act.error, ['passphrase'])}>
          <input id="w-passphrase" type="password" autocomplete="off" value={passphrase} onInput={(e) => setPassphrase((e.target as HTMLInputElement).value)} />
        </Field>
        {mnemonic.trim() === '' && (
          <div class="check">
            <input id="w-reveal" type="checkbox" checked={reveal} onChange={(e) => setReveal((e.target as HTMLInputElement).checked)} />
            <label for="w-reveal">Show the generated mnemonic once (otherwise it can never be recovered outside Strongbox)</label>
          </div>
        )}
        <FormError error={act.error} fields={['name', 'mnemonic', 'passphrase']} />
        <button type="submit" disabled={act.busy}>
          {mnemonic.trim() ? 'Import wallet' : 'Create wallet'}
        </button>
      </form>
      {shown && (
        <div class="secrets" role="region" aria-label="Generated mnemonic">
          <p class="warning">The mnemonic is shown once. Write it down now.</p>
          <p class="mono">{shown}</p>
          <button type="button" class="secondary" onClick={() => setShown(undefined)}>
            Hide
          </button>
        </div>
      )}
    </Section>
  );
}

function WalletDetail({ w }: { w: Wallet }) {
  const [path, setPath] = useState("m/44'/60'/0'/0/0");
  const [type, setType] = useState('');
  const keys = useLoad(async () => (await api<{ keys: Key[] }>('GET', '/v1/keys', undefined, { query: { limit: 1000 } })).keys.filter((k) => k.wallet === w.id), [w.id]);
  const derive = useAction(() => api<Key>('POST', `/v1/wallets/${encodeURIComponent(w.id)}/derive`, { path: path.trim(), ...(type ? { type } : {}) }));
  return (
    <Section title={`Wallet ${w.name ?? w.id}`} id={`wallet-${w.id}`}>
      <p class="muted">
        {w.origin}, created {new Date(w.createdAt).toLocaleString()} — <span class="mono">{w.id}</span>
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await derive.run()) keys.reload();
        }}
      >
        <div class="row">
          <Field id={`d-path-${w.id}`} label="Derivation path" error={errorFor(derive.error, ['path'])}>
            <input id={`d-path-${w.id}`} class="mono" value={path} onInput={(e) => setPath((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id={`d-type-${w.id}`} label="Type" error={errorFor(derive.error, ['type'])}>
            <select id={`d-type-${w.id}`} value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              <option value="">by path</option>
              <option value="secp256k1">secp256k1</option>
              <option value="ed25519">ed25519</option>
            </select>
          </Field>
        </div>
        <FormError error={derive.error} fields={['path', 'type']} />
        <button type="submit" disabled={derive.busy}>
          Derive key
        </button>
      </form>
      {keys.denied ? (
        <Denied what="listing keys" />
      ) : (
        <ul class="derived">
          {(keys.data ?? []).map((k) => (
            <li key={k.id}>
              <span class="mono">{k.path}</span> <a href={`#/keys/${encodeURIComponent(k.id)}`}>{k.type}</a> <span class="mono ellipsis">{k.address ?? k.solanaAddress ?? ''}</span>
            </li>
          ))}
          {keys.data?.length === 0 && <li>No keys derived yet.</li>}
        </ul>
      )}
    </Section>
  );
}

export function WalletsScreen() {
  const wallets = useLoad(() => api<{ wallets: Wallet[] }>('GET', '/v1/wallets', undefined, { query: { limit: 100 } }), []);
  const [open, setOpen] = useState<string | undefined>();
  const current = wallets.data?.wallets.find((w) => w.id === open);
  return (
    <div class="screen">
      <h1>Wallets</h1>
      <CreateWallet onCreated={wallets.reload} />
      <Section title="HD wallets">
        {wallets.denied ? (
          <Denied what="listing wallets" />
        ) : (
          <>
            <FormError error={wallets.error} />
            <ul class="wallets">
              {(wallets.data?.wallets ?? []).map((w) => (
                <li key={w.id}>
                  <button type="button" class="link" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? undefined : w.id)}>
                    {w.name ?? w.id}
                  </button>{' '}
                  <span class="muted">{w.origin}</span>
                </li>
              ))}
              {wallets.data?.wallets.length === 0 && <li>No wallets yet.</li>}
            </ul>
          </>
        )}
      </Section>
      {current && <WalletDetail w={current} />}
    </div>
  );
}
