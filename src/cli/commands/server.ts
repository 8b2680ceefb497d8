/**
 * `strongbox server`: runs the API. --dev gives a throwaway server: temporary SQLite data dir,
 * initialized with one share, unsealed, root token printed. SIGTERM/SIGINT drain in-flight
 * requests, seal (zeroizing keys in memory) and exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../config.js';
import { optionalString, type Command } from '../command.js';

const DEV_BANNER = `
==================================================================
  WARNING: DEV MODE. NOT FOR PRODUCTION.
  Data lives in a temporary directory and is deleted on exit; the
  server is auto-initialized with ONE unseal share and auto-unsealed.
==================================================================`;

export default {
  path: ['server'],
  summary: 'Run the Strongbox server',
  usage: '[--dev] [--data-dir DIR] [--listen HOST:PORT] [--config FILE] [--log-level LEVEL] [--key-cache-size N] [--dev-root-token T]',
  options: {
    dev: { type: 'boolean' },
    'data-dir': { type: 'string' },
    listen: { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
    'key-cache-size': { type: 'string' },
    'dev-root-token': { type: 'string' },
  },
  positionals: [],
  async run(args, io) {
    const flag = (n: string) => optionalString(args, n);
    const settings = loadSettings(
      {
        ...(args.values['dev'] ? { dev: true } : {}),
        ...Object.fromEntries(
          ([['dataDir', 'data-dir'], ['listen', 'listen'], ['config', 'config'], ['logLevel', 'log-level'], ['keyCacheSize', 'key-cache-size'], ['devRootToken', 'dev-root-token']] as const)
            .map(([k, f]) => [k, flag(f)])
            .filter(([, v]) => v !== undefined),
        ),
      },
      io.env,
    );
    const tempDir = settings.dev && settings.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'strongbox-dev-')) : undefined;
    const dataDir = settings.dataDir ?? tempDir!;
    // Loaded here, not at the top: the other commands are thin clients and should start fast.
    const { createStrongbox } = await import('../../app.js');
    const { initialize } = await import('../../service/sys-init.js');
    const { unseal } = await import('../../service/sys-unseal.js');
    const box = await createStrongbox({ dataDir, seal: settings.seal, keyCacheSize: settings.keyCacheSize, logger: { level: settings.logLevel } });

    if (settings.dev) {
      io.stderr(DEV_BANNER + '\n');
      const health = await box.http.inject({ method: 'GET', url: '/v1/sys/health' }).then((r) => r.json() as { initialized: boolean });
      if (!health.initialized) {
        const init = await initialize(box.ctx, { shares: 1, threshold: 1, ...(settings.devRootToken ? { rootToken: settings.devRootToken } : {}) });
        await unseal(box.ctx, { share: init.shares[0]! });
        io.stderr(`  Unseal share: ${init.shares[0]}\n  Root token:   ${init.rootToken}\n  Data dir:     ${dataDir}\n\n`);
      } else {
        io.stderr(`  Data dir ${dataDir} is already initialized: unseal it with its share.\n\n`);
      }
    }

    const address = await box.http.listen({ host: settings.host, port: settings.port });
    io.stdout(`strongbox listening on ${address}\n`);
    const signal = await io.stopSignal;
    io.stderr(`received ${signal}: draining in-flight requests\n`);
    await box.close();
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    return 0;
  },
} satisfies Command;
