/**
 * Composition root: config → storage → unseal provider → barrier → services → HTTP app.
 * Wired by hand (no DI container); nothing here touches process.argv, env or exit (bin/ does).
 */
import { createPkcs11Server, type Pkcs11Server } from './pkcs11/server.js';
import type { FastifyInstance } from 'fastify';
import { Barrier } from './keyring/barrier.js';
import { createUnsealProvider } from './providers/registry.js';
import type { ProviderOptions } from './providers/types.js';
import type { SealType } from './providers/types.js';
import { createAuthenticator } from './service/access/authenticate.js';
import type { ServiceContext } from './service/shared/context.js';
import { KeyCache } from './service/shared/key-cache.js';
import { UnsealProgress } from './service/shared/unseal-progress.js';
import { openSqliteStore, SQLITE_FILE } from './storage/sqlite/index.js';
import type { Store } from './storage/types.js';
import { restoreBackup, type RestoreTarget } from './service/sys/backup.js';
import { assertSqliteEmpty, writeSqliteSnapshot } from './storage/sqlite/restore.js';
import { migrateSeal } from './service/sys/migrate-seal.js';
import { SYS } from './service/shared/context.js';
import { StrongboxError } from './protocol/errors.js';
import { withKeyRecordCache } from './storage/key-record-cache.js';
import { Metrics } from './observability/metrics.js';
import { hostname } from 'node:os';
import { INSTALL_ROOT, measureInstall, parseReleasePublicKey, shippedReleaseKey } from './service/sys/install-integrity.js';
import { withStoreMetrics } from './observability/store-metrics.js';
import { ethereumAddress } from './chains/ethereum/address.js';
import { EthereumRpcClient } from './chains/ethereum/rpc-client.js';
import { gasCaps } from './chains/ethereum/gas-cap.js';
import { NONCE_LEASE_MARGIN_MS, NonceTracker } from './service/shared/ethereum-nonces.js';
import { createHttpApp, type HttpAppOptions } from './http/app.js';
import { SourceThrottle, type SourceThrottleOptions } from './http/source-throttle.js';
import { VERSION } from './version.js';
import { AuditLog } from './audit/log.js';
import { PolicyCache } from './service/shared/policy-cache.js';
import { GenerateRootState, QuorumAttempt, RekeyState } from './service/shared/ceremony-state.js';
import { runLifecycle } from './service/keys/run-lifecycle.js';
import { tryAutoUnseal } from './service/sys/auto-unseal.js';
import { Rewrapper } from './service/sys/keyring-rotation.js';
import { KEYRING_REFRESH_MS, refreshKeyring } from './service/shared/keyring-refresh.js';
import { SigningPool } from './crypto/pool/signing-pool.js';
import { ThresholdState } from './service/shared/threshold-state.js';
import { createKmipListener, type KmipListener } from './kmip/server/listener.js';

export interface StrongboxConfig {
  /** SQLite storage in this directory (one node) … */
  dataDir?: string;
  /** … or PostgreSQL storage at this postgres:// URL, shared by several nodes */
  storage?: string;
  seal: SealType;
  /** settings of the pkcs11 / awskms unseal providers */
  providers?: ProviderOptions;
  /** upper bound on unwrapped keys held in memory */
  keyCacheSize: number;
  logger: HttpAppOptions['logger'];
  /** TLS (and optional mTLS) for the TCP listener: PEM text, and the client CN → policies map */
  tls?: HttpAppOptions['tls'];
  /** also build a plain-HTTP app for a Unix-domain socket listener (same services, same audit log) */
  unixSocket?: boolean;
  /** also serve the PKCS#11 token over the p11-kit RPC protocol (src/pkcs11/); groupShared: the socket is group-accessible */
  pkcs11?: { groupShared: boolean };
  /** also build the KMIP listener (needs `tls` with a client CA and map: mutual TLS only) */
  kmip?: boolean;
  /** serve the web console (dist/ui, or `dir`) at /ui/ on the TCP listener (the CLI's default; off unless set here) */
  ui?: boolean | { dir: string };
  /** secp256k1 signing worker threads (0 = sign on the main thread; default 0) */
  signWorkers?: number;
  /** lower bound of the key-deletion waiting period in days (default 7) */
  minPendingDays?: number;
  /** the Ethereum node the JSON-RPC signer submits to and passes other calls through to */
  ethereumUpstream?: string;
  /** EIP-7825 gas caps by chain id over the defaults (null: no cap), from --ethereum-gas-cap */
  ethereumGasCaps?: ReadonlyMap<number, bigint | null>;
  /**
   * how often to look for a keyring rotated by another node (PostgreSQL storage; default
   * KEYRING_REFRESH_MS, 0 = only when an envelope of an unknown term is met)
   */
  keyringRefreshMs?: number;
  /** how often the lifecycle sweep (deletions, rotations) runs; default 60 s */
  lifecycleIntervalMs?: number;
  /** what unauthenticated traffic from one address may cost (defaults: DEFAULT_SOURCE_THROTTLE; tests lower them) */
  sourceThrottle?: Partial<SourceThrottleOptions>;
  /**
   * Measure the installation against its release manifest at start (docs/attestation.md). strict: refuse
   * to unseal unless every file matches a manifest signed by a trusted release key. Absent: not measured.
   */
  integrity?: {
    mode: 'strict' | 'warn';
    /** trusted release keys (PEM); default: the shipped key (release/strongbox-release-ed25519.pub.pem) */
    releasePublicKeys?: string[];
    /** the installation root (default: the one this code runs from) */
    root?: string;
    /** SHA-256 of the effective configuration without secrets, for attestations */
    configSha256?: string;
  };
  audit?: {
    checkpointEvery?: number;
    checkpointIntervalMs?: number;
    /** also write each durable audit record as a JSON line here */
    sink?: { write(line: string): unknown };
    /** benchmarks only: no audit log at all (the server refuses this outside dev mode) */
    unsafeDisabled?: boolean;
  };
}

/** The installation measurement for ctx.integrity (service/sys/install-integrity.ts). */
function measureIntegrity(options: StrongboxConfig['integrity']): ServiceContext['integrity'] {
  const nodeId = hostname();
  if (options === undefined) return { mode: 'warn', measurement: undefined, configSha256: null, nodeId };
  const root = options.root ?? INSTALL_ROOT;
  const keys = options.releasePublicKeys === undefined ? [shippedReleaseKey(root)].filter((k) => k !== undefined) : options.releasePublicKeys.map((pem, i) => parseReleasePublicKey(pem, i === 0 ? '--release-public-key' : `release public key ${i + 1}`));
  return { mode: options.mode, measurement: measureInstall(root, keys), configSha256: options.configSha256 ?? null, nodeId };
}

export interface Strongbox {
  ctx: ServiceContext;
  http: FastifyInstance;
  /** the per-source throttle of unauthenticated traffic (shared by both listeners) */
  throttle: SourceThrottle;
  /** the app for the Unix-domain socket listener, when configured */
  local: FastifyInstance | undefined;
  /** the PKCS#11 (p11-kit RPC) server, when configured; the caller listens on its socket path */
  pkcs11: Pkcs11Server | undefined;
  /** the KMIP listener (not yet listening), when configured */
  kmip: KmipListener | undefined;
  /** Drains in-flight requests, seals (zeroizing keys) and closes storage. */
  close(): Promise<void>;
}

export { DEFAULT_KEY_CACHE_SIZE } from './config.js';

/** Delay between adopting a keyring rotated by another node and this node's re-wrap pass. */
const REWRAP_AFTER_REFRESH_MS = 1000;

/** Where an offline tool works: a SQLite data directory, or PostgreSQL storage at a postgres:// URL. */
export type OfflineStorage = { dataDir: string } | { storage: string };

/**
 * Offline restore of a backup file into an empty data directory, or into an empty PostgreSQL
 * database (every row copied in one transaction; see service/sys/backup.ts and storage/postgres/import-sqlite.ts).
 */
export async function restoreFromBackup(params: OfflineStorage & { backup: Uint8Array; seal: SealType; providers: ProviderOptions; shares: Uint8Array[] }) {
  let target: RestoreTarget;
  if ('storage' in params) {
    const url = params.storage;
    const { redactPostgresUrl } = await import('./storage/postgres/index.js');
    const { assertPostgresEmpty, importSqliteSnapshot } = await import('./storage/postgres/import-sqlite.js');
    target = {
      name: redactPostgresUrl(url),
      field: 'storage',
      assertEmpty: () => assertPostgresEmpty(url),
      write: async (file) => void (await importSqliteSnapshot(url, file)),
    };
  } else {
    const dataDir = params.dataDir;
    target = { name: dataDir, field: 'dataDir', assertEmpty: async () => assertSqliteEmpty(dataDir), write: async (file) => writeSqliteSnapshot(dataDir, file) };
  }
  const provider = await createUnsealProvider(params.seal, params.providers);
  try {
    const result = await restoreBackup({ backup: params.backup, shares: params.shares, target, provider, openStore: (dir) => openSqliteStore(dir, { readonly: true }), databaseFile: SQLITE_FILE });
    return { ...result, target: target.name };
  } finally {
    await provider.close?.();
  }
}

/**
 * Offline seal migration of a stopped installation: a data directory, or PostgreSQL storage with every
 * node stopped (see service/sys/migrate-seal.ts). The new seal is written in one transaction.
 */
export async function migrateSealOffline(params: OfflineStorage & { from: SealType; to: SealType; providers: ProviderOptions; shares: Uint8Array[]; newShares: number; newThreshold: number }) {
  const from = await createUnsealProvider(params.from, params.providers);
  const to = await createUnsealProvider(params.to, params.providers);
  let store: Store | undefined;
  try {
    if ('storage' in params) {
      await assertPostgresInstallation(params.storage);
      store = await openPostgres(params.storage, { poolSize: 2 });
    } else {
      store = openSqliteStore(params.dataDir);
    }
    return await migrateSeal({ store, from, to, shares: params.shares, newShares: params.newShares, newThreshold: params.newThreshold });
  } finally {
    await store?.close();
    await from.close?.();
    await to.close?.();
  }
}

/**
 * Refuses a database that holds no initialized installation (a typo in the URL) before the tool opens
 * it for writing, which would create the schema there.
 */
async function assertPostgresInstallation(url: string): Promise<void> {
  const { redactPostgresUrl } = await import('./storage/postgres/index.js');
  const store = await openPostgres(url, { readonly: true, poolSize: 1 });
  try {
    const initialized = await store.getSysValue(SYS.sealConfig).then(
      (v) => v !== undefined,
      (err: unknown) => {
        // 42P01 undefined_table: no Strongbox schema at all
        if ((err as { code?: unknown }).code === '42P01') return false;
        throw err;
      },
    );
    if (!initialized) throw new StrongboxError('NOT_INITIALIZED', `no initialized Strongbox installation in ${redactPostgresUrl(url)}`, { field: 'storage' });
  } finally {
    await store.close();
  }
}

/** Loaded only for PostgreSQL storage (a SQLite installation never loads the driver). */
async function openPostgres(url: string, options: { readonly?: boolean; poolSize?: number } = {}): Promise<Store> {
  const { openPostgresStore } = await import('./storage/postgres/index.js');
  return openPostgresStore(url, options);
}

/** Read-only access for offline tools (audit verify/export): a data directory or a postgres:// URL; never writes. */
export async function openStoreForReading(source: OfflineStorage): Promise<Store> {
  if (!('storage' in source)) return openSqliteStore(source.dataDir, { readonly: true });
  return openPostgres(source.storage, { readonly: true, poolSize: 2 });
}

async function openConfiguredStore(config: Pick<StrongboxConfig, 'dataDir' | 'storage'>): Promise<Store> {
  if (config.storage !== undefined) return openPostgres(config.storage);
  if (config.dataDir === undefined) throw new Error('either dataDir (SQLite) or storage (PostgreSQL) is required');
  return openSqliteStore(config.dataDir);
}

export async function createStrongbox(config: StrongboxConfig): Promise<Strongbox> {
  const metrics = new Metrics();
  const store = withKeyRecordCache(withStoreMetrics(await openConfiguredStore(config), metrics));
  // Keys stored before migration 10 get their Ethereum address indexed (public data, no unseal needed).
  await store.backfillEthereumAddresses((publicKey) => ethereumAddress(publicKey).toLowerCase());
  const barrier = new Barrier();
  const keyCache = new KeyCache(config.keyCacheSize);
  const audit = await AuditLog.open(store, {
    checkpointEvery: config.audit?.checkpointEvery ?? 1000,
    checkpointIntervalMs: config.audit?.checkpointIntervalMs ?? 10_000,
    ...(config.audit?.sink ? { sink: config.audit.sink } : {}),
    ...(config.audit?.unsafeDisabled ? { unsafeDisabled: true } : {}),
  });
  barrier.onSeal(() => {
    keyCache.clear();
    audit.keys?.wipe();
    audit.keys = undefined;
  });
  const signingPool = (config.signWorkers ?? 0) > 0 ? new SigningPool(config.signWorkers!) : undefined;
  barrier.onSeal(() => signingPool?.clear());
  let onTokensChanged = (): void => undefined;
  const upstream = config.ethereumUpstream === undefined ? undefined : new EthereumRpcClient(config.ethereumUpstream);
  const ctx: ServiceContext = {
    store,
    barrier,
    keyCache,
    provider: await createUnsealProvider(config.seal, config.providers ?? {}),
    unsealProgress: new UnsealProgress(),
    audit,
    signingPool,
    auditKeys: () => audit.keys,
    policyCache: new PolicyCache(),
    generateRoot: new GenerateRootState(),
    onTokensChanged: () => onTokensChanged(),
    sealedReason: { value: undefined },
    rewrap: new Rewrapper(),
    rekey: new RekeyState(),
    ceremony: new QuorumAttempt(),
    settings: { minPendingDays: config.minPendingDays ?? 7 },
    metrics,
    ethereum: { upstream, gasCaps: gasCaps(config.ethereumGasCaps), nonces: new NonceTracker({ ledger: store, ...(upstream === undefined ? {} : { leaseMs: upstream.timeoutMs + NONCE_LEASE_MARGIN_MS }) }) },
    threshold: new ThresholdState(config.tls === undefined ? undefined : { cert: config.tls.cert, key: config.tls.key, ca: config.tls.clientCa }),
    version: VERSION,
    integrity: measureIntegrity(config.integrity),
    now: () => new Date(),
  };
  barrier.onSeal(() => ctx.threshold.clear());
  const measured = ctx.integrity.measurement;
  if (measured !== undefined) {
    metrics.gauge('strongbox_install_integrity_mismatches', 'Files of this installation that differ from its manifest (changed, missing or added; docs/attestation.md)', () => [[{}, measured.changed.length + measured.missing.length + measured.added.length]]);
    metrics.gauge('strongbox_install_trusted', '1 when every file matches a manifest signed by a trusted release key, else 0', () => [[{}, measured.trusted ? 1 : 0]]);
  }
  metrics.gauge('strongbox_sealed', '1 while this node is sealed (every key unusable), else 0', () => [[{}, barrier.sealed ? 1 : 0]]);
  metrics.gauge('strongbox_key_cache_entries', 'Unwrapped keys held in memory (bounded by --key-cache-size)', () => [[{}, keyCache.size]]);
  metrics.counterFrom('strongbox_key_cache_requests_total', 'Key cache lookups by result (hit, miss); hit rate = hit / (hit + miss)', () => [
    [{ result: 'hit' }, keyCache.hits],
    [{ result: 'miss' }, keyCache.misses],
  ]);
  metrics.counterFrom('strongbox_audit_records_total', 'Audit records made durable by this node', () => [[{}, audit.stats.records]]);
  metrics.counterFrom('strongbox_audit_failures_total', 'Audit batches that could not be made durable (their responses were withheld)', () => [[{}, audit.stats.failures]]);
  const auth = createAuthenticator(ctx);
  onTokensChanged = () => auth.invalidate();
  let logAggregate: (fields: { clientIp: string | null; reason: string | null }, err?: unknown) => void = () => undefined;
  const throttle = new SourceThrottle(config.sourceThrottle ?? {}, (fields) =>
    audit.append(fields).then(
      () => logAggregate(fields),
      (err: unknown) => logAggregate(fields, err),
    ),
  );
  metrics.counterFrom('strongbox_auth_throttled_total', 'Requests refused 429 AUTH_THROTTLED: their source failed authentication too often', () => [[{}, throttle.stats.throttled]]);
  metrics.counterFrom('strongbox_audit_aggregated_total', 'Responses to unauthenticated requests counted into an aggregate audit record instead of their own', () => [[{}, throttle.stats.aggregated]]);
  metrics.gauge('strongbox_auth_throttle_sources', 'Source addresses in the unauthenticated-traffic throttle table (bounded)', () => [[{}, throttle.size]]);
  const services = { ctx, auth, throttle };
  const http = createHttpApp({ services, logger: config.logger, ...(config.tls ? { tls: config.tls } : {}), ...(config.ui ? { ui: config.ui } : {}) });
  const local = config.unixSocket ? createHttpApp({ services, logger: config.logger, measureCallers: true }) : undefined;
  logAggregate = (fields, err) => {
    if (err === undefined) http.log.warn({ clientIp: fields.clientIp }, fields.reason ?? 'unauthenticated requests audited in aggregate');
    else http.log.error({ clientIp: fields.clientIp, err }, 'aggregate audit record could not be written');
  };
  const pkcs11 = config.pkcs11 ? createPkcs11Server({ ctx, auth, groupShared: config.pkcs11.groupShared, throttle, log: http.log }) : undefined;
  let kmip: KmipListener | undefined;
  if (config.kmip) {
    const tls = config.tls;
    if (tls?.clientCa === undefined || tls.clientMap === undefined) throw new Error('KMIP needs mutual TLS: tls.clientCa and tls.clientMap');
    kmip = createKmipListener(ctx, { cert: tls.cert, key: tls.key, clientCa: tls.clientCa, clientMap: tls.clientMap }, (message, fields) => http.log.error(fields, message));
  }
  const sweep = setInterval(() => {
    if (!barrier.sealed) runLifecycle(ctx).catch((err: unknown) => http.log.error({ err }, 'lifecycle sweep failed'));
  }, config.lifecycleIntervalMs ?? 60_000);
  sweep.unref();
  // Shared storage: adopt a keyring another node rotated, and re-wrap what this node sealed under
  // the older term meanwhile (compare-and-set, so racing the rotating node's own pass is safe).
  const refreshMs = config.keyringRefreshMs ?? (store.kind === 'sqlite' ? 0 : KEYRING_REFRESH_MS);
  const keyringRefresh =
    refreshMs > 0
      ? setInterval(() => {
          refreshKeyring(ctx)
            .then((changed) => {
              // A moment later, so writes this node sealed under the old term just before the switch
              // have committed and the pass sees them.
              if (changed) setTimeout(() => void ctx.rewrap.kick(ctx).catch(() => undefined), REWRAP_AFTER_REFRESH_MS).unref();
            })
            .catch((err: unknown) => http.log.error({ err }, 'keyring refresh failed'));
        }, refreshMs)
      : undefined;
  keyringRefresh?.unref();
  // Auto-unseal at start and, while the HSM/KMS is unavailable, every 15 s (not after an operator's seal).
  const autoUnseal = async (): Promise<void> => {
    if (ctx.provider.autoUnseal && barrier.sealed && ctx.sealedReason.value !== 'sealed by an operator') await tryAutoUnseal(ctx).catch(() => undefined);
  };
  await autoUnseal();
  const unsealRetry = setInterval(() => void autoUnseal(), 15_000);
  unsealRetry.unref();
  return {
    ctx,
    http,
    throttle,
    local,
    pkcs11,
    kmip,
    async close() {
      clearInterval(sweep);
      if (keyringRefresh) clearInterval(keyringRefresh);
      clearInterval(unsealRetry);
      await ctx.rewrap.stop();
      await Promise.all([http.close(), local?.close(), pkcs11?.close(), kmip?.close()]);
      // After the listeners (no more responses to count), before the audit log closes.
      await throttle.close();
      await audit.checkpoint().catch(() => undefined);
      audit.close();
      barrier.seal();
      await signingPool?.close();
      await ctx.provider.close?.();
      await store.close();
    },
  };
}
