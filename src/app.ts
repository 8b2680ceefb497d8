/**
 * Composition root: config → storage → unseal provider → barrier → services → HTTP app.
 * Wired by hand (no DI container); nothing here touches process.argv, env or exit (bin/ does).
 */
import type { FastifyInstance } from 'fastify';
import { Barrier } from './keyring/barrier.js';
import { createUnsealProvider } from './providers/registry.js';
import type { SealType } from './providers/types.js';
import { createAuthenticator } from './service/authenticate.js';
import type { ServiceContext } from './service/context.js';
import { KeyCache } from './service/key-cache.js';
import { UnsealProgress } from './service/unseal-progress.js';
import { openSqliteStore } from './storage/sqlite/index.js';
import { createHttpApp, type HttpAppOptions } from './http/app.js';
import { VERSION } from './version.js';

export interface StrongboxConfig {
  dataDir: string;
  seal: SealType;
  /** upper bound on unwrapped keys held in memory */
  keyCacheSize: number;
  logger: HttpAppOptions['logger'];
}

export interface Strongbox {
  ctx: ServiceContext;
  http: FastifyInstance;
  /** Drains in-flight requests, seals (zeroizing keys) and closes storage. */
  close(): Promise<void>;
}

export const DEFAULT_KEY_CACHE_SIZE = 10_000;

export function createStrongbox(config: StrongboxConfig): Strongbox {
  const store = openSqliteStore(config.dataDir);
  const barrier = new Barrier();
  const keyCache = new KeyCache(config.keyCacheSize);
  barrier.onSeal(() => keyCache.clear());
  const ctx: ServiceContext = {
    store,
    barrier,
    keyCache,
    provider: createUnsealProvider(config.seal),
    unsealProgress: new UnsealProgress(),
    version: VERSION,
    now: () => new Date(),
  };
  const http = createHttpApp({ services: { ctx, auth: createAuthenticator(ctx) }, logger: config.logger });
  return {
    ctx,
    http,
    async close() {
      await http.close();
      barrier.seal();
      await store.close();
    },
  };
}
