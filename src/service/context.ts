/**
 * What services may use. Each service takes only the slice it needs
 * (`Pick<ServiceContext, 'store' | 'barrier'>`), wired by hand in app.ts — no DI container.
 */
import type { Barrier } from '../keyring/barrier.js';
import type { UnsealProvider } from '../providers/types.js';
import type { Store } from '../storage/types.js';
import type { KeyCache } from './key-cache.js';
import type { UnsealProgress } from './unseal-progress.js';
import type { AuditLog } from '../audit/log.js';
import type { SigningPool } from '../crypto/pool/signing-pool.js';
import type { Rewrapper } from './keyring-rotation.js';
import type { RekeyState } from './rekey.js';
import type { QuorumAttempt } from './cold-storage.js';
import type { AuditKeys } from '../audit/keys.js';
import type { TokenRecord } from '../storage/types.js';
import type { PolicyCache } from './authorize.js';
import type { GenerateRootState } from './generate-root.js';
import type { EthereumNetwork } from './ethereum-send-transaction.js';
import type { Metrics } from '../observability/metrics.js';

export interface ServiceContext {
  store: Store;
  barrier: Barrier;
  keyCache: KeyCache;
  provider: UnsealProvider;
  unsealProgress: UnsealProgress;
  audit: AuditLog;
  /** secp256k1 signing on worker threads; undefined = sign on the main thread */
  signingPool: SigningPool | undefined;
  /** the audit HMAC and checkpoint keys; present only while unsealed */
  auditKeys: () => AuditKeys | undefined;
  policyCache: PolicyCache;
  generateRoot: GenerateRootState;
  /** called after tokens are revoked or renewed on this node */
  onTokensChanged(): void;
  /** why the server is sealed when it could not auto-unseal (provider unavailable); never secret */
  sealedReason: { value: string | undefined };
  /** the background re-wrap after a keyring rotation */
  rewrap: Rewrapper;
  rekey: RekeyState;
  /** escrow / restore-hsm attempts of the cold-storage ceremony */
  ceremony: QuorumAttempt;
  settings: {
    /** lower bound of the key-deletion waiting period (7 by default; tests lower it) */
    minPendingDays: number;
  };
  /** Prometheus metrics (GET /metrics) */
  metrics: Metrics;
  /** the JSON-RPC signer's upstream node and nonce tracker */
  ethereum: EthereumNetwork;
  /** the server's version string, reported by health */
  version: string;
  now(): Date;
}

/** The caller, as established by authentication. */
export interface Principal {
  /** non-secret handle for logs and audit (never the token) */
  accessor: string;
  /** whose data the token acts for (`${subject}` in policy resources) */
  subject: string;
  policies: string[];
  token: TokenRecord;
  isRoot: boolean;
}

/** Names of the values kept in the store's sys table. Frozen: they are on disk in every installation. */
export const SYS = {
  sealConfig: 'seal_config',
  sealedRootKey: 'sealed_root_key',
  sealedKeyring: 'sealed_keyring',
  /** auto-unseal only: a constant sealed under the recovery key, proving a quorum of recovery shares */
  sealedRecoveryCheck: 'sealed_recovery_check',
  /** the root key sealed under an escrow key split among custodians (cold storage) */
  sealedEscrow: 'sealed_escrow',
  escrowConfig: 'escrow_config',
  /** set while the HSM wrapping key is destroyed (cold) */
  coldSince: 'cold_since',
} as const;
