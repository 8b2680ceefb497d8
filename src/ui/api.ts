/**
 * The console's only way to the server: the public REST API (docs/api.md), same origin, with the
 * user's bearer token. The token lives in memory and in sessionStorage (this tab only, gone when it
 * closes; never localStorage), and logout clears both. Failures become ApiError with the server's
 * problem+json (code, detail, field), so forms can show the detail next to the named field; a network
 * failure or a sealed server raises the app-wide banner instead of breaking the page.
 */
const TOKEN_KEY = 'strongbox.token';

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  field?: string;
  requestId?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  constructor(p: Problem) {
    super(p.detail ?? p.title ?? p.code);
    this.status = p.status;
    this.code = p.code;
    this.field = p.field;
  }
}

export type BannerKind = 'network' | 'sealed' | null;

type Listener = () => void;
const listeners = new Set<Listener>();
let banner: BannerKind = null;
let token: string | null = readStoredToken();

function readStoredToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function emit(): void {
  for (const l of listeners) l();
}

export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const session = {
  get token(): string | null {
    return token;
  },
  get banner(): BannerKind {
    return banner;
  },
  signIn(value: string): void {
    token = value;
    try {
      sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      // storage unavailable: the token stays in memory only
    }
    emit();
  },
  signOut(): void {
    token = null;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    emit();
  },
};

function setBanner(b: BannerKind): void {
  if (banner !== b) {
    banner = b;
    emit();
  }
}

export interface RequestOptions {
  /** read the body as text (the /metrics exposition format) */
  text?: boolean;
  /** send without the token even when signed in (health, ceremonies) */
  anonymous?: boolean;
  query?: Record<string, string | number | undefined>;
  /** this token instead of the session's (sign-in checks a token before keeping it) */
  token?: string;
}

export async function api<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  let url = path;
  if (options.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) url += `?${s}`;
  }
  const headers: Record<string, string> = { accept: options.text ? 'text/plain' : 'application/json' };
  const bearer = options.token ?? (options.anonymous ? null : token);
  if (bearer !== null) headers['authorization'] = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), credentials: 'omit', cache: 'no-store' });
  } catch {
    setBanner('network');
    throw new ApiError({ status: 0, code: 'NETWORK', detail: 'the server cannot be reached' });
  }
  if (banner === 'network') setBanner(null);
  if (res.ok) {
    if (banner === 'sealed' && path !== '/v1/sys/health') setBanner(null);
    if (options.text) return (await res.text()) as T;
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
  let problem: Problem;
  try {
    problem = (await res.json()) as Problem;
  } catch {
    problem = { status: res.status, code: `HTTP_${res.status}` };
  }
  problem.status = res.status;
  if (problem.code === 'SEALED') setBanner('sealed');
  if (res.status === 401 && token !== null && options.token === undefined && !options.anonymous && problem.code !== 'AUTH_THROTTLED') {
    // The token expired or was revoked: back to sign-in.
    session.signOut();
  }
  throw new ApiError(problem);
}

/** Marks the server as unsealed again (the Status screen learns it first). */
export function clearSealedBanner(): void {
  if (banner === 'sealed') setBanner(null);
}

export function showSealedBanner(): void {
  setBanner('sealed');
}
