/** Small hooks shared by the screens: the session, loading a resource, polling, the hash route. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, session, subscribe } from './api.js';

export function useSession(): { token: string | null; banner: typeof session.banner } {
  const [, setTick] = useState(0);
  useEffect(() => subscribe(() => setTick((t) => t + 1)), []);
  return { token: session.token, banner: session.banner };
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** the server answered 403: the view hides what needs this */
  denied: boolean;
  loading: boolean;
  reload: () => void;
}

/** Loads with `fn` now, whenever `deps` change, on reload(), and every `pollMs` if given. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    let live = true;
    const run = () =>
      fnRef.current().then(
        (data) => live && setState({ data, error: undefined, loading: false }),
        (error: unknown) => live && setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError({ status: 0, code: 'CLIENT', detail: String(error) }), loading: false })),
      );
    void run();
    const timer = pollMs === undefined ? undefined : setInterval(run, pollMs);
    return () => {
      live = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, denied: state.error?.status === 403, reload };
}

/** The part of the URL after `#`, e.g. `/keys/abc`; the console uses hash routing (one index.html). */
export function useRoute(): string {
  const read = () => decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Runs a form action: busy flag, the server's problem kept for display, and whether a 403 disabled it. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: ApiError | undefined;
  denied: boolean;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn(...args);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, code: 'CLIENT', detail: (err as Error).message }));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, denied: error?.status === 403, clear: () => setError(undefined) };
}
