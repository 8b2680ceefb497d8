/**
 * What services may use. Each service takes only the slice it needs
 * (`Pick<ServiceContext, 'store' | 'barrier'>`), wired by hand in app.ts — no DI container.
 */
import type { Barrier } from '../keyring/barrier.js';
import type { UnsealProvider } from '../providers/types.js';
import type { Store } from '../storage/types.js';
import type { KeyCache } from './key-cache.js';
import type { UnsealProgress } from './unseal-progress.js';

export interface ServiceContext {
  store: Store;
  barrier: Barrier;
  keyCache: KeyCache;
  provider: UnsealProvider;
  unsealProgress: UnsealProgress;
  /** the server's version string, reported by health */
  version: string;
  now(): Date;
}

/** The caller, as established by authentication. Only the root token exists in this version. */
export interface Principal {
  kind: 'root';
  /** non-secret handle for logs (never the token) */
  accessor: string;
}

/** Names of the values kept in the store's sys table. Frozen: they are on disk in every installation. */
export const SYS = {
  sealConfig: 'seal_config',
  sealedRootKey: 'sealed_root_key',
  sealedKeyring: 'sealed_keyring',
  rootTokenHash: 'root_token_hash',
} as const;
