/**
 * `strongbox server`: runs the API. --dev gives a throwaway server: temporary SQLite data dir,
 * initialized with one share, unsealed, root token printed. SIGTERM/SIGINT drain in-flight
 * requests, seal (zeroizing keys in memory) and exit 0.
 */
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ConfigError, loadProviderOptions, type ServerSettings } from '../../../config.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../../config.js';
import { optionalString, type Command } from '../../command.js';

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

const DEV_BANNER = `
==================================================================
  WARNING: DEV MODE. NOT FOR PRODUCTION.
  Data lives in a temporary directory and is deleted on exit; the
  server is auto-initialized with ONE unseal share and auto-unsealed.
==================================================================`;

export default {
  path: ['server'],
  summary: 'Run the Strongbox server',
  usage:
    '[--dev] [--seal shamir|pkcs11|awskms|kmip] [--data-dir DIR | --storage postgres://URL] [--listen HOST:PORT] [--listen-unix PATH] [--config FILE] [--log-level LEVEL] [--key-cache-size N] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM --tls-client-map JSON]] [--kmip-listen HOST:PORT] [--audit-stream stdout|FILE] [--ethereum-upstream URL] [--dev-root-token T]',
  options: {
    dev: { type: 'boolean' },
    'data-dir': { type: 'string' },
    storage: { type: 'string' },
    listen: { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
    'key-cache-size': { type: 'string' },
    'dev-root-token': { type: 'string' },
    'listen-unix': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-client-ca': { type: 'string' },
    'tls-client-map': { type: 'string' },
    'kmip-listen': { type: 'string' },
    'audit-stream': { type: 'string' },
    'min-pending-days': { type: 'string' },
    'sign-workers': { type: 'string' },
    'ethereum-upstream': { type: 'string' },
    seal: { type: 'string' },
    'unsafe-no-audit': { type: 'boolean' },
  },
  positionals: [],
  async run(args, io) {
    const flag = (n: string) => optionalString(args, n);
    const settings = loadSettings(
      {
        ...(args.values['dev'] ? { dev: true } : {}),
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
              ['tlsCert', 'tls-cert'],
              ['tlsKey', 'tls-key'],
              ['tlsClientCa', 'tls-client-ca'],
              ['tlsClientMap', 'tls-client-map'],
              ['kmipListen', 'kmip-listen'],
              ['auditStream', 'audit-stream'],
              ['minPendingDays', 'min-pending-days'],
              ['signWorkers', 'sign-workers'],
              ['ethereumUpstream', 'ethereum-upstream'],
              ['seal', 'seal'],
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
    // Loaded here, not at the top: the other commands are thin clients and should start fast.
    const { createStrongbox } = await import('../../../app.js');
    const { initialize } = await import('../../../service/sys/sys-init.js');
    const { unseal } = await import('../../../service/sys/sys-unseal.js');
    const noAudit = args.values['unsafe-no-audit'] === true;
    if (noAudit && !settings.dev) throw new ConfigError('--unsafe-no-audit exists for benchmarks and is only allowed with --dev');
    const tls = settings.tlsCert === undefined ? undefined : readTls(settings);
    const sink = settings.auditStream === undefined ? undefined : settings.auditStream === 'stdout' ? process.stdout : createWriteStream(settings.auditStream, { flags: 'a', mode: 0o600 });
    const providers = loadProviderOptions(settings.seal, io.env);
    const box = await createStrongbox({
      ...(settings.storage !== undefined ? { storage: settings.storage } : { dataDir: dataDir! }),
      seal: settings.seal,
      providers,
      keyCacheSize: settings.keyCacheSize,
      logger: { level: settings.logLevel },
      minPendingDays: settings.minPendingDays,
      signWorkers: settings.signWorkers,
      ...(settings.ethereumUpstream === undefined ? {} : { ethereumUpstream: settings.ethereumUpstream }),
      unixSocket: settings.listenUnix !== undefined,
      kmip: settings.kmipPort !== undefined,
      ...(tls ? { tls } : {}),
      ...(sink || noAudit ? { audit: { ...(sink ? { sink } : {}), ...(noAudit ? { unsafeDisabled: true } : {}) } } : {}),
    }).catch((err: unknown) => {
      // A provider's invalid setting (it names the STRONGBOX_* variable) is a configuration error.
      if (typeof (err as { setting?: unknown }).setting === 'string') throw new ConfigError((err as Error).message);
      throw err;
    });

    if (settings.dev) {
      io.stderr(DEV_BANNER + '\n');
      if (noAudit) io.stderr('  --unsafe-no-audit: NOTHING IS AUDITED (benchmark mode)\n');
      const health = await box.http.inject({ method: 'GET', url: '/v1/sys/health' }).then((r) => r.json() as { initialized: boolean });
      if (!health.initialized) {
        const init = await initialize(box.ctx, { shares: 1, threshold: 1, ...(settings.devRootToken ? { rootToken: settings.devRootToken } : {}) });
        if (box.ctx.barrier.sealed) await unseal(box.ctx, { share: init.shares[0]! });
        io.stderr(`  Unseal share: ${init.shares[0]}\n  Root token:   ${init.rootToken}\n  ${settings.storage !== undefined ? 'Storage:      PostgreSQL' : `Data dir:     ${dataDir}`}\n\n`);
      } else {
        io.stderr(`  ${settings.storage !== undefined ? 'The PostgreSQL storage' : `Data dir ${dataDir}`} is already initialized: unseal it with its share.\n\n`);
      }
    }

    const address = await box.http.listen({ host: settings.host, port: settings.port });
    io.stdout(`strongbox listening on ${address}\n`);
    if (box.local !== undefined && settings.listenUnix !== undefined) {
      // A stale socket file from a crashed run would make listen fail with EADDRINUSE.
      rmSync(settings.listenUnix, { force: true });
      // Create the socket with mode 0600 from the start (no window with the default umask).
      const previousUmask = process.umask(0o177);
      try {
        await box.local.listen({ path: settings.listenUnix });
      } finally {
        process.umask(previousUmask);
      }
      chmodSync(settings.listenUnix, 0o600);
      io.stdout(`strongbox listening on unix:${settings.listenUnix}\n`);
    }
    if (box.kmip !== undefined && settings.kmipPort !== undefined) {
      const kmipAddress = await box.kmip.listen(settings.kmipHost!, settings.kmipPort);
      io.stdout(`strongbox kmip listening on ${kmipAddress.address.includes(':') ? `[${kmipAddress.address}]` : kmipAddress.address}:${kmipAddress.port}\n`);
    }
    const signal = await io.stopSignal;
    io.stderr(`received ${signal}: draining in-flight requests\n`);
    await box.close();
    // Flush the audit stream file: its last lines were written just before shutdown.
    if (sink !== undefined && sink !== process.stdout) await new Promise<void>((resolve) => (sink as ReturnType<typeof createWriteStream>).end(() => resolve()));
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    return 0;
  },
} satisfies Command;
