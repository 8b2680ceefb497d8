/**
 * Server settings from, in increasing precedence: defaults, a JSON config file (--config),
 * STRONGBOX_* environment variables, command-line flags. Validated here, naming the setting.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sealTypes } from './providers/registry.js';
import { parseDuration } from './protocol/duration.js';
import type { SealType } from './providers/types.js';
import type { ProviderOptions } from './providers/types.js';

export const DEFAULT_KEY_CACHE_SIZE = 10_000;

export interface ServerSettings {
  dev: boolean;
  dataDir: string | undefined;
  /** postgres://… — PostgreSQL storage shared by several nodes, instead of SQLite in dataDir */
  storage: string | undefined;
  host: string;
  port: number;
  seal: SealType;
  logLevel: string;
  keyCacheSize: number;
  devRootToken: string | undefined;
  /** also listen on this Unix-domain socket (mode 0600) */
  listenUnix: string | undefined;
  /** serve the PKCS#11 token (p11-kit RPC protocol) on this Unix-domain socket (mode 0600, or 0660 with pkcs11SocketGroup) */
  pkcs11ListenUnix: string | undefined;
  /** group (name or gid) given access to the PKCS#11 socket */
  pkcs11SocketGroup: string | undefined;
  /** PEM files: server certificate and key (TLS on the TCP listener) */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** PEM CA bundle: client certificates it signed may authenticate (mTLS) */
  tlsClientCa: string | undefined;
  /** JSON file mapping a client certificate's subject CN to policies: {"payments-svc": ["signer"]} */
  tlsClientMap: string | undefined;
  /** write each durable audit record as a JSON line to `stdout` or to this file */
  auditStream: string | undefined;
  minPendingDays: number;
  /** secp256k1 signing worker threads; default: one per core beyond the first */
  signWorkers: number;
  /** http(s) URL of the Ethereum node behind the JSON-RPC signer */
  ethereumUpstream: string | undefined;
  /** the KMIP listener (binary TTLV over mutual TLS; off unless set; 5696 is KMIP's port) */
  kmipHost: string | undefined;
  kmipPort: number | undefined;
  /** EIP-7825 transaction gas caps by chain id, laid over the defaults (null: no cap) */
  ethereumGasCaps: Map<number, bigint | null>;
  /** strict: refuse to unseal unless the installation matches a signed release manifest; warn: log and count (docs/attestation.md) */
  integrity: 'strict' | 'warn';
  /** PEM file of the Ed25519 release public key to trust instead of the shipped one */
  releasePublicKey: string | undefined;
  /** serve the web console at /ui/ (on by default; --no-ui, STRONGBOX_UI=false or `"ui": false` turn it off) */
  ui: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Setting name → environment variable. */
export const ENV = {
  dataDir: 'STRONGBOX_DATA_DIR',
  storage: 'STRONGBOX_STORAGE',
  listen: 'STRONGBOX_LISTEN',
  seal: 'STRONGBOX_SEAL',
  logLevel: 'STRONGBOX_LOG_LEVEL',
  keyCacheSize: 'STRONGBOX_KEY_CACHE_SIZE',
  devRootToken: 'STRONGBOX_DEV_ROOT_TOKEN',
  listenUnix: 'STRONGBOX_LISTEN_UNIX',
  pkcs11ListenUnix: 'STRONGBOX_PKCS11_LISTEN_UNIX',
  pkcs11SocketGroup: 'STRONGBOX_PKCS11_SOCKET_GROUP',
  tlsCert: 'STRONGBOX_TLS_CERT',
  tlsKey: 'STRONGBOX_TLS_KEY',
  tlsClientCa: 'STRONGBOX_TLS_CLIENT_CA',
  tlsClientMap: 'STRONGBOX_TLS_CLIENT_MAP',
  auditStream: 'STRONGBOX_AUDIT_STREAM',
  minPendingDays: 'STRONGBOX_MIN_PENDING_DAYS',
  signWorkers: 'STRONGBOX_SIGN_WORKERS',
  ethereumUpstream: 'STRONGBOX_ETHEREUM_UPSTREAM',
  kmipListen: 'STRONGBOX_KMIP_LISTEN',
  ethereumGasCap: 'STRONGBOX_ETHEREUM_GAS_CAP',
  integrity: 'STRONGBOX_INTEGRITY',
  releasePublicKey: 'STRONGBOX_RELEASE_PUBLIC_KEY',
} as const;
type SettingName = keyof typeof ENV;
/** The web console switch: a boolean, not a string setting like those in ENV. */
export const UI_ENV = 'STRONGBOX_UI';
const FILE_KEYS = new Set<string>([...Object.keys(ENV), 'dev', 'ui']);

function parseUi(flags: { ui?: boolean }, env: Readonly<Record<string, string | undefined>>, file: Record<string, unknown>): boolean {
  if (flags.ui !== undefined) return flags.ui;
  const e = env[UI_ENV];
  if (e !== undefined && e !== '') {
    if (/^(true|1|on|yes)$/i.test(e)) return true;
    if (/^(false|0|off|no)$/i.test(e)) return false;
    throw new ConfigError(`${UI_ENV}: must be true or false, got ${JSON.stringify(e)}`);
  }
  const f = file['ui'];
  if (f === undefined) return true;
  if (typeof f !== 'boolean') throw new ConfigError('--config: ui must be true or false');
  return f;
}

/**
 * Settings of the auto-unseal providers, from STRONGBOX_* / AWS_* environment variables (so no secret,
 * like the HSM PIN, ever appears on a command line). Validated here, naming the variable.
 */
export function loadProviderOptions(seal: SealType, env: Readonly<Record<string, string | undefined>>): ProviderOptions {
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new ConfigError(`--seal ${seal} needs ${name}`);
    return v;
  };
  switch (seal) {
    case 'shamir':
      return {};
    case 'pkcs11': {
      let pin = env['STRONGBOX_PKCS11_PIN'];
      const pinFile = env['STRONGBOX_PKCS11_PIN_FILE'];
      if ((pin === undefined) === (pinFile === undefined)) throw new ConfigError('--seal pkcs11 needs exactly one of STRONGBOX_PKCS11_PIN or STRONGBOX_PKCS11_PIN_FILE');
      if (pinFile !== undefined) {
        try {
          // Only the line ending is stripped: spaces may be part of a PIN.
          pin = readFileSync(pinFile, 'utf8').replace(/\r?\n$/, '');
        } catch (err) {
          throw new ConfigError(`STRONGBOX_PKCS11_PIN_FILE: cannot read ${pinFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      return { pkcs11: { library: need('STRONGBOX_PKCS11_LIBRARY'), tokenLabel: need('STRONGBOX_PKCS11_TOKEN_LABEL'), pin: pin!, keyLabel: env['STRONGBOX_PKCS11_KEY_LABEL'] || 'strongbox-root-wrap' } };
    }
    case 'kmip': {
      const opt = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
      const keyId = opt('STRONGBOX_KMIP_SEAL_KEY_ID');
      const keyName = opt('STRONGBOX_KMIP_SEAL_KEY_NAME');
      const serverName = opt('STRONGBOX_KMIP_SEAL_SERVER_NAME');
      return {
        kmip: {
          address: need('STRONGBOX_KMIP_SEAL_ADDRESS'),
          cert: need('STRONGBOX_KMIP_SEAL_CERT'),
          key: need('STRONGBOX_KMIP_SEAL_KEY'),
          ca: need('STRONGBOX_KMIP_SEAL_CA'),
          ...(keyId === undefined ? {} : { keyId }),
          ...(keyName === undefined ? {} : { keyName }),
          ...(serverName === undefined ? {} : { serverName }),
        },
      };
    }
    case 'awskms': {
      const region = env['AWS_REGION'] || env['AWS_DEFAULT_REGION'];
      if (!region) throw new ConfigError('--seal awskms needs AWS_REGION (or AWS_DEFAULT_REGION)');
      const endpoint = env['STRONGBOX_AWSKMS_ENDPOINT'];
      return { awskms: { keyId: need('STRONGBOX_AWSKMS_KEY_ID'), region, ...(endpoint ? { endpoint } : {}) } };
    }
  }
}

/**
 * `CHAINID=GAS,CHAINID=none,…`: EIP-7825 transaction gas caps per chain id (chains/ethereum/gas-cap.ts
 * holds the defaults); `none` removes a default cap. A chain id appears once.
 */
export function parseGasCaps(value: string, source: string): Map<number, bigint | null> {
  const caps = new Map<number, bigint | null>();
  for (const entry of value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const m = /^([1-9][0-9]{0,15})=([1-9][0-9]{0,19}|none)$/.exec(entry);
    const chainId = m ? Number(m[1]) : NaN;
    if (!m || !Number.isSafeInteger(chainId)) throw new ConfigError(`${source}: each entry must be CHAINID=GAS or CHAINID=none (e.g. 1=16777216,31337=none), got ${JSON.stringify(entry)}`);
    if (caps.has(chainId)) throw new ConfigError(`${source}: chain ${chainId} is given twice`);
    const gas = m[2] === 'none' ? null : BigInt(m[2]!);
    if (gas !== null && gas < 21000n) throw new ConfigError(`${source}: the cap of chain ${chainId} must be at least 21000 gas`);
    caps.set(chainId, gas);
  }
  return caps;
}

export function parseListen(value: string, source: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${source}: listen must be HOST:PORT (e.g. 127.0.0.1:8230), got ${JSON.stringify(value)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function loadSettings(flags: Partial<Record<SettingName | 'config', string>> & { dev?: boolean; ui?: boolean }, env: Readonly<Record<string, string | undefined>>): ServerSettings {
  let file: Record<string, unknown> = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw new ConfigError(`--config: cannot read ${flags.config}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      file = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ConfigError(`--config: ${flags.config} is not valid JSON`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new ConfigError(`--config: ${flags.config} must hold a JSON object`);
    for (const k of Object.keys(file)) if (!FILE_KEYS.has(k)) throw new ConfigError(`--config: unknown setting "${k}" (known: ${[...FILE_KEYS].join(', ')})`);
  }
  const pick = (name: SettingName): { value: string; source: string } | undefined => {
    const flag = flags[name];
    if (flag !== undefined) return { value: flag, source: `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}` };
    const e = env[ENV[name]];
    if (e !== undefined && e !== '') return { value: e, source: ENV[name] };
    const f = file[name];
    if (f !== undefined) {
      if (typeof f !== 'string' && typeof f !== 'number') throw new ConfigError(`--config: ${name} must be a string or number`);
      return { value: String(f), source: `config ${name}` };
    }
    return undefined;
  };

  const dev = flags.dev === true || file['dev'] === true;
  const listen = pick('listen');
  const { host, port } = listen ? parseListen(listen.value, listen.source) : { host: '127.0.0.1', port: 8230 };
  const seal = pick('seal');
  if (seal && !sealTypes.includes(seal.value as SealType)) throw new ConfigError(`${seal.source}: seal must be one of ${sealTypes.join(', ')}`);
  const logLevel = pick('logLevel');
  if (logLevel && !LOG_LEVELS.includes(logLevel.value)) throw new ConfigError(`${logLevel.source}: log level must be one of ${LOG_LEVELS.join(', ')}`);
  const cache = pick('keyCacheSize');
  if (cache && !/^[0-9]{1,9}$/.test(cache.value)) throw new ConfigError(`${cache.source}: key cache size must be a whole number`);
  const devRootToken = pick('devRootToken');
  if (devRootToken && !dev) throw new ConfigError(`${devRootToken.source}: a fixed root token is only allowed with --dev`);
  const tlsCert = pick('tlsCert')?.value;
  const tlsKey = pick('tlsKey')?.value;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');
  const tlsClientCa = pick('tlsClientCa')?.value;
  const tlsClientMap = pick('tlsClientMap')?.value;
  if (tlsClientCa !== undefined && tlsCert === undefined) throw new ConfigError('--tls-client-ca needs --tls-cert and --tls-key');
  if ((tlsClientCa === undefined) !== (tlsClientMap === undefined)) throw new ConfigError('--tls-client-ca and --tls-client-map go together');
  const pkcs11ListenUnix = pick('pkcs11ListenUnix')?.value;
  const pkcs11SocketGroup = pick('pkcs11SocketGroup');
  if (pkcs11SocketGroup && pkcs11ListenUnix === undefined) throw new ConfigError(`${pkcs11SocketGroup.source}: needs --pkcs11-listen-unix`);
  if (pkcs11SocketGroup && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(pkcs11SocketGroup.value)) throw new ConfigError(`${pkcs11SocketGroup.source}: must be a group name or gid`);
  const minPending = pick('minPendingDays');
  let minPendingDays = 7;
  if (minPending) {
    // Days, or a duration in whole days ("7d", "168h"), as every period the API takes.
    try {
      minPendingDays = parseDuration(minPending.value, { field: 'the minimum waiting period', unit: 'days', min: 0, max: 30 });
    } catch (err) {
      throw new ConfigError(`${minPending.source}: ${(err as Error).message}`);
    }
    if (minPendingDays < 7 && !dev) throw new ConfigError(`${minPending.source}: a waiting period under 7 days is only allowed with --dev`);
  }
  const workers = pick('signWorkers');
  if (workers && !/^[0-9]{1,2}$/.test(workers.value)) throw new ConfigError(`${workers.source}: must be a whole number of threads (0 signs on the main thread)`);
  const upstream = pick('ethereumUpstream');
  if (upstream) {
    let url: URL | undefined;
    try {
      url = new URL(upstream.value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError(`${upstream.source}: must be an http:// or https:// URL of an Ethereum node, got ${JSON.stringify(upstream.value)}`);
  }
  const kmipListen = pick('kmipListen');
  const kmip = kmipListen ? parseListen(kmipListen.value, kmipListen.source) : undefined;
  if (kmipListen && (tlsCert === undefined || tlsClientCa === undefined)) throw new ConfigError(`${kmipListen.source}: KMIP requires mutual TLS: give --tls-cert, --tls-key, --tls-client-ca and --tls-client-map`);
  const gasCap = pick('ethereumGasCap');
  const ethereumGasCaps = gasCap === undefined ? new Map<number, bigint | null>() : parseGasCaps(gasCap.value, gasCap.source);
  const integrity = pick('integrity');
  if (integrity && integrity.value !== 'strict' && integrity.value !== 'warn') throw new ConfigError(`${integrity.source}: must be strict or warn`);
  const dataDir = pick('dataDir')?.value;
  const storage = pick('storage');
  if (storage && !/^postgres(ql)?:\/\/\S+$/.test(storage.value)) throw new ConfigError(`${storage.source}: storage must be a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE); for SQLite give --data-dir`);
  if (storage && dataDir !== undefined) throw new ConfigError(`${storage.source}: give --data-dir (SQLite) or --storage (PostgreSQL), not both`);
  if (!dev && dataDir === undefined && storage === undefined) throw new ConfigError(`--data-dir is required (or ${ENV.dataDir}, or dataDir in --config), or --storage postgres://… (or ${ENV.storage}); use --dev for a throwaway server`);
  return {
    dev,
    dataDir,
    storage: storage?.value,
    host,
    port,
    seal: (seal?.value as SealType | undefined) ?? 'shamir',
    logLevel: logLevel?.value ?? 'info',
    keyCacheSize: cache ? Number(cache.value) : DEFAULT_KEY_CACHE_SIZE,
    devRootToken: devRootToken?.value,
    listenUnix: pick('listenUnix')?.value,
    pkcs11ListenUnix,
    pkcs11SocketGroup: pkcs11SocketGroup?.value,
    tlsCert,
    tlsKey,
    tlsClientCa,
    tlsClientMap,
    auditStream: pick('auditStream')?.value,
    minPendingDays,
    signWorkers: workers ? Number(workers.value) : Math.max(0, availableParallelism() - 1),
    ethereumUpstream: upstream?.value,
    kmipHost: kmip?.host,
    kmipPort: kmip?.port,
    ethereumGasCaps,
    integrity: (integrity?.value as 'strict' | 'warn' | undefined) ?? 'warn',
    releasePublicKey: pick('releasePublicKey')?.value,
    ui: parseUi(flags, env, file),
  };
}

/** A URL without what may be a secret: its password, or (`originOnly`) also its path and query (an API key in an RPC URL). */
function withoutSecrets(value: string, originOnly: boolean): string {
  try {
    const url = new URL(value);
    if (originOnly) return url.origin;
    url.password = '';
    return url.toString();
  } catch {
    return '';
  }
}

/**
 * SHA-256 (hex) of the effective settings, for attestations (docs/attestation.md): every setting by
 * name in sorted order, file settings by path, with the dev root token left out, the PostgreSQL URL
 * without its password and the Ethereum upstream by origin only — no secret is hashed (a low-entropy
 * secret's hash could be guessed). Nodes configured alike report the same value.
 */
export function effectiveConfigSha256(settings: ServerSettings): string {
  const s = {
    ...settings,
    storage: settings.storage === undefined ? undefined : withoutSecrets(settings.storage, false),
    ethereumUpstream: settings.ethereumUpstream === undefined ? undefined : withoutSecrets(settings.ethereumUpstream, true),
  };
  const entries = Object.entries(s)
    .filter(([k]) => k !== 'devRootToken')
    .map(([k, v]) => [k, v instanceof Map ? [...v].map(([c, g]) => [c, g === null ? null : String(g)]).sort((a, b) => Number(a[0]) - Number(b[0])) : (v ?? null)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}
