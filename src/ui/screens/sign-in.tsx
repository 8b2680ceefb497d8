/** Sign-in: a token, checked with GET /v1/tokens/self before it is kept (sessionStorage, this tab only). */
import { useState } from 'preact/hooks';
import { api, session } from '../api.js';
import { Field } from '../components/form.js';
import { useAction } from '../hooks.js';

export function SignIn() {
  const [token, setToken] = useState('');
  const act = useAction((t: string) => api<{ accessor: string }>('GET', '/v1/tokens/self', undefined, { token: t }));
  return (
    <section class="card signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to Strongbox</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const t = token.trim();
          const ok = await act.run(t);
          if (ok !== undefined) session.signIn(t);
        }}
      >
        <Field id="signin-token" label="Token" error={act.error} hint="Your Strongbox token. It is kept in this tab only and forgotten when you sign out or close the tab.">
          <input id="signin-token" name="token" type="password" autocomplete="off" class="mono" aria-describedby="signin-token-hint" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </Field>
        <button type="submit" disabled={act.busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
      <p>
        Custodians do not need a token: <a href="#/status">open the unseal ceremony</a>.
      </p>
    </section>
  );
}
