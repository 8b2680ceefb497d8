/**
 * What services may use. Each service takes only the slice it needs
 * (`Pick<ServiceContext, 'store' | 'barrier'>`), wired by hand in app.ts — no DI container.
 */
import type { Barrier } from '../../keyring/barrier.js';
import type { UnsealProvider } from '../../providers/types.js';
import type { Store } from '../../storage/types.js';
import type { KeyCache } from './key-cache.js';
import type { UnsealProgress } from './unseal-progress.js';
import type { AuditLog } from '../../audit/log.js';
import type { SigningPool } from '../../crypto/pool/signing-pool.js';
import type { GenerateRootState, QuorumAttempt, RekeyState } from './ceremony-state.js';
import type { AuditKeys } from '../../audit/keys.js';
import type { TokenRecord } from '../../storage/types.js';
import type { PolicyCache } from './policy-cache.js';
import type { NonceTracker } from './ethereum-nonces.js';
import type { EthereumRpcClient } from '../../chains/ethereum/rpc-client.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ThresholdState } from './threshold-state.js';
import type { CallerFacts } from '../../policy/types.js';

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
  rewrap: KeyringRewrap;
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
  /** threshold signing: this node's TLS identity toward its peers and the sessions in progress (memory only) */
  threshold: ThresholdState;
  /** the server's version string, reported by health */
  version: string;
  /** the installation's measurement against its release manifest, and what attestations report (docs/attestation.md) */
  integrity: InstallIntegrity;
  now(): Date;
}

/** The background re-wrap after a keyring rotation (implemented by sys/keyring-rotation.ts). */
export interface KeyringRewrap {
  readonly progress: RewrapProgress;
  /** starts a pass (or schedules another one after the current pass) */
  kick(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<void>;
  /** stops after the current batch (seal, shutdown) */
  stop(): Promise<void>;
}

export interface RewrapProgress {
  running: boolean;
  activeTerm: number | null;
  /** records looked at and records moved to the active term in the current (or last) pass */
  scanned: number;
  rewrapped: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

/** The JSON-RPC signer's network: the upstream node and this node's nonce tracker. */
export interface EthereumNetwork {
  /** the node eth_sendTransaction submits to and other methods pass through to; undefined = none */
  upstream: EthereumRpcClient | undefined;
  nonces: NonceTracker;
  /** EIP-7825 transaction gas caps by chain id (chains/ethereum/gas-cap.ts; --ethereum-gas-cap) */
  gasCaps: ReadonlyMap<number, bigint>;
  /** the upstream's chain id, once asked */
  chainId?: bigint;
}

export type ManifestStatus = 'verified' | 'unsigned' | 'untrusted-signer' | 'bad-signature' | 'missing' | 'invalid';

/** The installation measured against dist/manifest.json (service/sys/install-integrity.ts). */
export interface InstallMeasurement {
  /** verified: signed by a trusted release key (the file comparison is separate) */
  manifest: ManifestStatus;
  manifestSha256: string | null;
  /** `ed25519:<SHA-256 of the raw public key>` of the key that signed the manifest, when verified */
  signer: string | null;
  files: number;
  changed: string[];
  missing: string[];
  added: string[];
  /** every file matches a manifest signed by a trusted key */
  trusted: boolean;
}

export interface InstallIntegrity {
  /** strict: refuse to unseal unless the measurement is trusted; warn: log, count and carry on */
  mode: 'strict' | 'warn';
  /** undefined when the embedding code did not ask for a measurement (tests through inject) */
  measurement: InstallMeasurement | undefined;
  /** SHA-256 of the effective configuration without secrets (docs/attestation.md), when known */
  configSha256: string | null;
  nodeId: string;
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
  /** the calling process, measured on the Unix socket (service/access/caller-measurement.ts); absent elsewhere */
  caller?: CallerFacts;
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
  /** the installation's import wrapping key: private (PKCS#8, sealed) and public (SPKI, in the clear) */
  sealedWrappingKey: 'sealed_wrapping_key',
  wrappingPublicKey: 'wrapping_public_key',
  /** the threshold peers (service/shared/threshold-peers.ts), sealed: who this node runs DKG and signing with */
  thresholdPeers: 'threshold_peers',
} as const;
