/**
 * `strongbox server`: runs the API. --dev gives a throwaway server: temporary SQLite data dir,
 * initialized with one share, unsealed, root token printed. SIGTERM/SIGINT drain in-flight
 * requests, seal (zeroizing keys in memory) and exit 0.
 *
 * Start order: open storage, bind every listener, and only then initialize a dev server and print its
 * secrets — so a busy port never costs a printed root token, and a dev data directory is never left
 * initialized with shares nobody saw. Every exit path (a listener that cannot bind, any other failure
 * while starting, SIGINT/SIGTERM) closes what was opened and deletes the temporary dev directory.
 */
import { chmodSync, chownSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ConfigError, DEFAULT_KEY_CACHE_SIZE, effectiveConfigSha256, loadProviderOptions, type ServerSettings } from '../../../config.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../../config.js';
import { optionalString, type Command } from '../../command.js';
import type { Strongbox } from '../../../app.js';

function readFileSetting(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function readTls(s: ServerSettings): { cert: string; key: string; clientCa?: string; clientMap?: Record<string, string[]> } {
  const out: { cert: string; key: string; clientCa?: string; clientMap?: Record<string, string[]> } = {
    cert: readFileSetting(s.tlsCert!, '--tls-cert'),
    key: readFileSetting(s.tlsKey!, '--tls-key'),
  };
  if (s.tlsClientCa !== undefined) {
    out.clientCa = readFileSetting(s.tlsClientCa, '--tls-client-ca');
    let map: unknown;
    try {
      map = JSON.parse(readFileSetting(s.tlsClientMap!, '--tls-client-map'));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError('--tls-client-map: not valid JSON');
    }
    const valid = typeof map === 'object' && map !== null && !Array.isArray(map) && Object.values(map).every((v) => Array.isArray(v) && v.every((p) => typeof p === 'string'));
    if (!valid) throw new ConfigError('--tls-client-map: must be a JSON object of certificate CN → array of policy names');
    out.clientMap = map as Record<string, string[]>;
  }
  return out;
}

/** Binds one listener; a bind error becomes a configuration error that names the address. */
async function bind(what: string, flag: string, listen: () => Promise<unknown>): Promise<void> {
  try {
    await listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'the address is already in use (is another server running?)' :
      code === 'EACCES' ? 'permission denied' :
      code === 'EADDRNOTAVAIL' ? 'no such address on this host' :
      code === 'ENOENT' ? 'its directory does not exist' :
      undefined;
    if (why === undefined) throw err;
    throw new ConfigError(`cannot listen on ${what}: ${why}; choose another with ${flag}`);
  }
}

/** A group name (from /etc/group) or a numeric gid. */
function groupId(group: string): number {
  if (/^[0-9]+$/.test(group)) return Number(group);
  const line = readFileSetting('/etc/group', '--pkcs11-socket-group')
    .split('\n')
    .find((l) => l.split(':')[0] === group);
  const gid = line === undefined ? NaN : Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw new ConfigError(`--pkcs11-socket-group: no group named ${JSON.stringify(group)}`);
  return gid;
}

const DEV_BANNER = `
==================================================================
  WARNING: DEV MODE. NOT FOR PRODUCTION.
  Data lives in a temporary directory and is deleted on exit; the
  server is auto-initialized with ONE unseal share and auto-unsealed.
==================================================================`;

/** `host:port` as a browser can open it: a wildcard bind address becomes loopback. */
function consoleHost(address: string): string {
  const m = /^(?:https?:\/\/)?(.*):([0-9]+)$/.exec(address);
  if (!m) return address;
  const host = m[1] === '0.0.0.0' ? '127.0.0.1' : m[1] === '[::]' || m[1] === '::' ? '[::1]' : m[1]!;
  return `${host}:${m[2]}`;
}

export default {
  path: ['server'],
  summary: 'Run the Strongbox server',
  usage:
    '[--dev] [--seal shamir|pkcs11|awskms|kmip] [--data-dir DIR | --storage postgres://URL] [--listen HOST:PORT] [--listen-unix PATH] [--pkcs11-listen-unix PATH [--pkcs11-socket-group GROUP]] [--kmip-listen HOST:PORT] [--config FILE] [--log-level LEVEL] [--key-cache-size N] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM --tls-client-map JSON]] [--audit-stream stdout|FILE] [--ethereum-upstream URL] [--ethereum-gas-cap CHAINID=GAS|none,…] [--dev-root-token T] [--integrity strict|warn] [--release-public-key PEM] [--no-ui]',
  // Settings also come from STRONGBOX_* variables and the --config file (docs/operations.md, "Running").
  options: {
    dev: { type: 'boolean', description: 'a throwaway server: temporary data, initialized and unsealed, root token printed (not for production)' },
    'data-dir': { type: 'string', value: 'DIR', description: 'SQLite data directory, created mode 0700; required unless --storage or --dev (STRONGBOX_DATA_DIR)' },
    storage: { type: 'string', value: 'postgres://URL', description: 'PostgreSQL storage shared by several nodes, instead of --data-dir (STRONGBOX_STORAGE)' },
    listen: { type: 'string', value: 'HOST:PORT', description: 'TCP address to listen on (STRONGBOX_LISTEN)', default: '127.0.0.1:8230' },
    'listen-unix': { type: 'string', value: 'PATH', description: 'also listen on a Unix-domain socket, mode 0600 (STRONGBOX_LISTEN_UNIX)', default: 'off' },
    'pkcs11-listen-unix': { type: 'string', value: 'PATH', description: 'serve PKCS#11 (the p11-kit RPC protocol, for p11-kit-client.so) on a Unix-domain socket, mode 0600 (STRONGBOX_PKCS11_LISTEN_UNIX); docs/pkcs11.md', default: 'off' },
    'pkcs11-socket-group': { type: 'string', value: 'GROUP', description: 'open the PKCS#11 socket to this group, mode 0660 (STRONGBOX_PKCS11_SOCKET_GROUP)', default: 'owner only' },
    config: { type: 'string', value: 'FILE', description: 'a JSON file of settings; flags and STRONGBOX_* variables take precedence', default: 'none' },
    seal: { type: 'string', value: 'shamir|pkcs11|awskms|kmip', description: 'the root of trust; pkcs11, awskms and kmip read their settings from the environment (STRONGBOX_SEAL)', default: 'shamir' },
    'log-level': { type: 'string', value: 'LEVEL', description: 'fatal, error, warn, info, debug, trace or silent (STRONGBOX_LOG_LEVEL)', default: 'info' },
    'key-cache-size': { type: 'string', value: 'N', description: 'unwrapped keys kept in memory (STRONGBOX_KEY_CACHE_SIZE)', default: String(DEFAULT_KEY_CACHE_SIZE) },
    'sign-workers': { type: 'string', value: 'N', description: 'secp256k1 signing worker threads (STRONGBOX_SIGN_WORKERS)', default: 'cores - 1' },
    'tls-cert': { type: 'string', value: 'PEM', description: 'TLS certificate file, with --tls-key (STRONGBOX_TLS_CERT)', default: 'plain HTTP' },
    'tls-key': { type: 'string', value: 'PEM', description: 'TLS private key file (STRONGBOX_TLS_KEY)' },
    'tls-client-ca': { type: 'string', value: 'PEM', description: 'CA bundle for client certificates (mTLS), with --tls-client-map (STRONGBOX_TLS_CLIENT_CA)', default: 'off' },
    'tls-client-map': { type: 'string', value: 'JSON', description: "JSON file mapping a client certificate's CN to policies (STRONGBOX_TLS_CLIENT_MAP)" },
    'kmip-listen': { type: 'string', value: 'HOST:PORT', description: 'also serve KMIP (binary TTLV over mutual TLS; needs the four --tls-* settings; KMIP uses 5696) (STRONGBOX_KMIP_LISTEN)', default: 'off' },
    'audit-stream': { type: 'string', value: 'stdout|FILE', description: 'also write each audit record as a JSON line here (STRONGBOX_AUDIT_STREAM)', default: 'off' },
    'ethereum-upstream': { type: 'string', value: 'URL', description: 'the Ethereum node behind the JSON-RPC signer (STRONGBOX_ETHEREUM_UPSTREAM)', default: 'none' },
    'ethereum-gas-cap': { type: 'string', value: 'CHAINID=GAS|none,…', description: 'EIP-7825 transaction gas caps by chain id, over the defaults (STRONGBOX_ETHEREUM_GAS_CAP)', default: '16777216 on chains 1, 11155111, 17000, 560048' },
    'min-pending-days': { type: 'string', value: 'N', description: 'shortest key-deletion waiting period; below 7 only with --dev (STRONGBOX_MIN_PENDING_DAYS)', default: '7' },
    'dev-root-token': { type: 'string', value: 'TOKEN', description: "with --dev: the root token to create (for scripts)", default: 'a random token' },
    'no-ui': { type: 'boolean', description: 'do not serve the web console at /ui/ (STRONGBOX_UI=false)' },
    'unsafe-no-audit': { type: 'boolean', description: 'with --dev, for benchmarks only: write NO audit records' },
    integrity: { type: 'string', value: 'strict|warn', description: 'strict: stay sealed unless every file matches a signed release manifest; warn: log and count mismatches (STRONGBOX_INTEGRITY); docs/attestation.md', default: 'warn' },
    'release-public-key': { type: 'string', value: 'PEM', description: 'trust this Ed25519 release public key instead of the shipped one (STRONGBOX_RELEASE_PUBLIC_KEY)', default: 'release/strongbox-release-ed25519.pub.pem' },
  },
  positionals: [],
  async run(args, io) {
    const flag = (n: string) => optionalString(args, n);
    const settings = loadSettings(
      {
        ...(args.values['dev'] ? { dev: true } : {}),
        ...(args.values['no-ui'] ? { ui: false } : {}),
        ...Object.fromEntries(
          (
            [
              ['dataDir', 'data-dir'],
              ['storage', 'storage'],
              ['listen', 'listen'],
              ['config', 'config'],
              ['logLevel', 'log-level'],
              ['keyCacheSize', 'key-cache-size'],
              ['devRootToken', 'dev-root-token'],
              ['listenUnix', 'listen-unix'],
              ['pkcs11ListenUnix', 'pkcs11-listen-unix'],
              ['pkcs11SocketGroup', 'pkcs11-socket-group'],
              ['tlsCert', 'tls-cert'],
              ['tlsKey', 'tls-key'],
              ['tlsClientCa', 'tls-client-ca'],
              ['tlsClientMap', 'tls-client-map'],
              ['kmipListen', 'kmip-listen'],
              ['auditStream', 'audit-stream'],
              ['minPendingDays', 'min-pending-days'],
              ['signWorkers', 'sign-workers'],
              ['ethereumUpstream', 'ethereum-upstream'],
              ['ethereumGasCap', 'ethereum-gas-cap'],
              ['seal', 'seal'],
              ['integrity', 'integrity'],
              ['releasePublicKey', 'release-public-key'],
            ] as const
          )
            .map(([k, f]) => [k, flag(f)])
            .filter(([, v]) => v !== undefined),
        ),
      },
      io.env,
    );
    const tempDir = settings.dev && settings.dataDir === undefined && settings.storage === undefined ? mkdtempSync(join(tmpdir(), 'strongbox-dev-')) : undefined;
    const dataDir = settings.dataDir ?? tempDir;
    const noAudit = args.values['unsafe-no-audit'] === true;
    let sink: NodeJS.WritableStream | undefined;
    let box: Strongbox | undefined;
    const closeSink = async () => {
      // Flush the audit stream file: its last lines were written just before shutdown.
      if (sink !== undefined && sink !== process.stdout) await new Promise<void>((resolve) => (sink as ReturnType<typeof createWriteStream>).end(() => resolve()));
    };
    try {
      // Loaded here, not at the top: the other commands are thin clients and should start fast.
      const { createStrongbox } = await import('../../../app.js');
      const { initialize } = await import('../../../service/sys/sys-init.js');
      const { unseal } = await import('../../../service/sys/sys-unseal.js');
      if (noAudit && !settings.dev) throw new ConfigError('--unsafe-no-audit exists for benchmarks and is only allowed with --dev');
      const tls = settings.tlsCert === undefined ? undefined : readTls(settings);
      sink = settings.auditStream === undefined ? undefined : settings.auditStream === 'stdout' ? process.stdout : createWriteStream(settings.auditStream, { flags: 'a', mode: 0o600 });
      const providers = loadProviderOptions(settings.seal, io.env);
      box = await createStrongbox({
        ...(settings.storage !== undefined ? { storage: settings.storage } : { dataDir: dataDir! }),
        seal: settings.seal,
        providers,
        keyCacheSize: settings.keyCacheSize,
        logger: { level: settings.logLevel },
        minPendingDays: settings.minPendingDays,
        signWorkers: settings.signWorkers,
        ...(settings.ethereumUpstream === undefined ? {} : { ethereumUpstream: settings.ethereumUpstream }),
        ethereumGasCaps: settings.ethereumGasCaps,
        unixSocket: settings.listenUnix !== undefined,
        ...(settings.pkcs11ListenUnix === undefined ? {} : { pkcs11: { groupShared: settings.pkcs11SocketGroup !== undefined } }),
        kmip: settings.kmipPort !== undefined,
        integrity: {
          mode: settings.integrity,
          ...(settings.releasePublicKey === undefined ? {} : { releasePublicKeys: [readFileSetting(settings.releasePublicKey, '--release-public-key')] }),
          configSha256: effectiveConfigSha256(settings),
        },
        ui: settings.ui,
        ...(tls ? { tls } : {}),
        ...(sink || noAudit ? { audit: { ...(sink ? { sink } : {}), ...(noAudit ? { unsafeDisabled: true } : {}) } } : {}),
      }).catch((err: unknown) => {
        // A provider's invalid setting (it names the STRONGBOX_* variable) is a configuration error.
        if (typeof (err as { setting?: unknown }).setting === 'string') throw new ConfigError((err as Error).message);
        throw err;
      });

      const measured = box.ctx.integrity.measurement;
      if (measured !== undefined && !measured.trusted) {
        const { describeMeasurement } = await import('../../../service/sys/install-integrity.js');
        io.stderr(`\n*** INSTALLATION INTEGRITY: NOT TRUSTED (--integrity ${settings.integrity}${settings.integrity === 'strict' ? ': the server will refuse to unseal' : ''}) ***\n  ${describeMeasurement(measured)}\n  (strongbox verify-install names every file; docs/attestation.md)\n\n`);
      }
      // Bind first: nothing is initialized or printed unless every listener is up.
      const started = box;
      let address = '';
      await bind(`${settings.host}:${settings.port}`, '--listen HOST:PORT', async () => (address = await started.http.listen({ host: settings.host, port: settings.port })));
      const local = box.local;
      const socketPath = settings.listenUnix;
      if (local !== undefined && socketPath !== undefined) {
        // A stale socket file from a crashed run would make listen fail with EADDRINUSE.
        rmSync(socketPath, { force: true });
        // Create the socket with mode 0600 from the start (no window with the default umask).
        const previousUmask = process.umask(0o177);
        try {
          await bind(`unix:${socketPath}`, '--listen-unix PATH', () => local.listen({ path: socketPath }));
        } finally {
          process.umask(previousUmask);
        }
        chmodSync(socketPath, 0o600);
      }
      const pkcs11 = box.pkcs11;
      const pkcs11Path = settings.pkcs11ListenUnix;
      if (pkcs11 !== undefined && pkcs11Path !== undefined) {
        rmSync(pkcs11Path, { force: true });
        // Created 0600 from the start; with a group, chowned to it and opened to 0660 after.
        const previousUmask = process.umask(0o177);
        try {
          await bind(`unix:${pkcs11Path}`, '--pkcs11-listen-unix PATH', () => pkcs11.listen(pkcs11Path));
        } finally {
          process.umask(previousUmask);
        }
        if (settings.pkcs11SocketGroup !== undefined) {
          chownSync(pkcs11Path, process.getuid?.() ?? 0, groupId(settings.pkcs11SocketGroup));
          chmodSync(pkcs11Path, 0o660);
        } else chmodSync(pkcs11Path, 0o600);
      }
      const kmip = box.kmip;
      let kmipAddress = '';
      if (kmip !== undefined && settings.kmipPort !== undefined) {
        await bind(`${settings.kmipHost}:${settings.kmipPort}`, '--kmip-listen HOST:PORT', async () => {
          const a = await kmip.listen(settings.kmipHost!, settings.kmipPort!);
          kmipAddress = `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
        });
      }

      if (settings.dev) {
        // A fresh temporary directory is always initialized here: if it already is, someone else did it.
        const initialized = tempDir === undefined && (await box.http.inject({ method: 'GET', url: '/v1/sys/health' }).then((r) => (r.json() as { initialized: boolean }).initialized));
        let secrets: string;
        if (!initialized) {
          // ifAbsent in storage: if anything else initialized it in the moment since binding, this fails.
          const init = await initialize(box.ctx, { shares: 1, threshold: 1, ...(settings.devRootToken ? { rootToken: settings.devRootToken } : {}) });
          if (box.ctx.barrier.sealed) await unseal(box.ctx, { share: init.shares[0]! });
          secrets = `  Unseal share: ${init.shares[0]}\n  Root token:   ${init.rootToken}\n  ${settings.storage !== undefined ? 'Storage:      PostgreSQL' : `Data dir:     ${dataDir}`}\n\n`;
        } else {
          secrets = `  ${settings.storage !== undefined ? 'The PostgreSQL storage' : `Data dir ${dataDir}`} is already initialized: unseal it with its share.\n\n`;
        }
        io.stderr(DEV_BANNER + '\n');
        if (noAudit) io.stderr('  --unsafe-no-audit: NOTHING IS AUDITED (benchmark mode)\n');
        io.stderr(secrets);
        // The console is reached over the TCP listener; a wildcard address is opened through loopback.
        if (settings.ui) io.stderr(`  Web console:  ${tls ? 'https' : 'http'}://${consoleHost(address)}/ui/  (sign in with the root token)\n\n`);
      }
      io.stdout(`strongbox listening on ${address}\n`);
      if (local !== undefined && socketPath !== undefined) io.stdout(`strongbox listening on unix:${socketPath}\n`);
      if (pkcs11 !== undefined && pkcs11Path !== undefined) io.stdout(`strongbox pkcs11 (p11-kit) on unix:${pkcs11Path}\n`);
      if (kmipAddress !== '') io.stdout(`strongbox kmip listening on ${kmipAddress}\n`);
    } catch (err) {
      await box?.close().catch(() => undefined);
      await closeSink().catch(() => undefined);
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
    const signal = await io.stopSignal;
    io.stderr(`received ${signal}: draining in-flight requests\n`);
    try {
      await box.close();
      await closeSink();
    } finally {
      if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    }
    return 0;
  },
} satisfies Command;
