/**
 * The console shell: the banner (network error, sealed server), the navigation, hash routing and
 * the signed-in user. Without a token only sign-in and Status (the custodian ceremonies) are shown.
 */
import { api, session } from './api.js';
import { Banner } from './components/banner.js';
import { useLoad, useRoute, useSession } from './hooks.js';
import { MeContext, type Me } from './me.js';
import { AccessScreen } from './screens/access.js';
import { ApprovalsScreen } from './screens/approvals.js';
import { AuditScreen } from './screens/audit.js';
import { KeyDetail } from './screens/key-detail.js';
import { KeysScreen } from './screens/keys.js';
import { OverviewScreen } from './screens/overview.js';
import { SignIn } from './screens/sign-in.js';
import { StatusScreen } from './screens/status.js';
import { WalletsScreen } from './screens/wallets.js';

const NAV: [path: string, label: string][] = [
  ['/status', 'Status'],
  ['/overview', 'Overview'],
  ['/keys', 'Keys'],
  ['/approvals', 'Approvals'],
  ['/wallets', 'Wallets'],
  ['/access', 'Access'],
  ['/audit', 'Audit'],
];

function Screen({ route }: { route: string }) {
  const [, first, second] = route.split('/');
  switch (first) {
    case 'keys':
      return second ? <KeyDetail id={second} /> : <KeysScreen />;
    case 'approvals':
      return <ApprovalsScreen />;
    case 'wallets':
      return <WalletsScreen />;
    case 'access':
      return <AccessScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'overview':
      return <OverviewScreen />;
    default:
      return <StatusScreen />;
  }
}

function Header({ me, route }: { me: Me | undefined; route: string }) {
  const current = '/' + (route.split('/')[1] ?? '');
  return (
    <header class="top">
      <a class="brand" href="#/status">
        Strongbox
      </a>
      {me !== undefined && (
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`#${path}`} aria-current={current === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {me !== undefined && (
        <div class="who">
          <span title={`policies: ${me.policies.join(', ')}`}>{me.subject}</span>
          <button type="button" class="secondary" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}

export function App() {
  const { token, banner } = useSession();
  const route = useRoute();
  const me = useLoad(() => (token === null ? Promise.resolve(undefined) : api<Me>('GET', '/v1/tokens/self')), [token]);
  const signedIn = token !== null && me.data !== undefined;
  return (
    <MeContext.Provider value={signedIn ? me.data : undefined}>
      <Header me={signedIn ? me.data : undefined} route={route} />
      <Banner kind={banner} />
      <main id="main">
        {signedIn ? (
          <Screen route={route} />
        ) : token !== null && me.loading ? (
          <p>Loading…</p>
        ) : route.startsWith('/status') ? (
          <>
            <p class="back">
              <a href="#/">Sign in</a>
            </p>
            <StatusScreen />
          </>
        ) : (
          <>
            {token !== null && me.error && (
              <p class="form-error" role="alert">
                {me.error.message} <code>{me.error.code}</code>
              </p>
            )}
            <SignIn />
          </>
        )}
      </main>
    </MeContext.Provider>
  );
}
