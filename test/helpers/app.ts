/** In-process Strongbox on a real SQLite file in a temp dir (or a PostgreSQL URL), driven through Fastify's inject. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createStrongbox, type Strongbox, type StrongboxConfig } from '../../src/app.js';

export interface TestBox {
  box: Strongbox;
  dataDir: string;
  rootToken: string;
  shares: string[];
  /** JSON request with the root token (unless `token` is given; null sends none) */
  call(method: string, url: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  /** closes the server, keeping the data dir (for restarts) */
  stop(): Promise<void>;
  /** closes and deletes the data dir */
  cleanup(): Promise<void>;
}

export interface TestBoxOptions {
  dataDir?: string;
  /** postgres://… storage instead of SQLite in dataDir (test/helpers/postgres.ts makes one) */
  storage?: string;
  shares?: number;
  threshold?: number;
  /** skip init/unseal (for restarts and init tests) */
  bare?: boolean;
  rootToken?: string;
  logStream?: Writable;
  keyCacheSize?: number;
  /** lower bound of the deletion waiting period (default 7) */
  minPendingDays?: number;
  /** see StrongboxConfig.keyringRefreshMs */
  keyringRefreshMs?: number;
  /** the JSON-RPC signer's upstream node */
  ethereumUpstream?: string;
  /** the audit stream (--audit-stream): each durable record, each batch's signed head, each checkpoint, as JSON lines */
  auditSink?: { write(line: string): unknown };
  /** EIP-7825 gas caps by chain id over the defaults (null: no cap) */
  ethereumGasCaps?: ReadonlyMap<number, bigint | null>;
  /** lower the unauthenticated-traffic throttle's budgets (StrongboxConfig.sourceThrottle) */
  sourceThrottle?: StrongboxConfig['sourceThrottle'];
  /** serve the web console at /ui/ (StrongboxConfig.ui) */
  ui?: StrongboxConfig['ui'];
}

export async function startTestBox(options: TestBoxOptions = {}): Promise<TestBox> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'strongbox-test-'));
  const box = await createStrongbox({
    ...(options.storage === undefined ? { dataDir } : { storage: options.storage }),
    seal: 'shamir',
    keyCacheSize: options.keyCacheSize ?? 1000,
    logger: options.logStream ? { level: 'info', stream: options.logStream } : false,
    ...(options.minPendingDays === undefined ? {} : { minPendingDays: options.minPendingDays }),
    ...(options.keyringRefreshMs === undefined ? {} : { keyringRefreshMs: options.keyringRefreshMs }),
    ...(options.ethereumUpstream === undefined ? {} : { ethereumUpstream: options.ethereumUpstream }),
    ...(options.auditSink === undefined ? {} : { audit: { sink: options.auditSink } }),
    ...(options.ethereumGasCaps === undefined ? {} : { ethereumGasCaps: options.ethereumGasCaps }),
    ...(options.sourceThrottle === undefined ? {} : { sourceThrottle: options.sourceThrottle }),
    ...(options.ui === undefined ? {} : { ui: options.ui }),
  });
  const t: TestBox = {
    box,
    dataDir,
    rootToken: options.rootToken ?? '',
    shares: [],
    async call(method, url, body, token) {
      const tok = token === undefined ? t.rootToken : token;
      const res = await box.http.inject({
        method: method as 'GET',
        url,
        headers: tok === null ? {} : { authorization: `Bearer ${tok}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      let parsed: unknown;
      try {
        parsed = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
    async stop() {
      await box.close();
    },
    async cleanup() {
      await box.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (!options.bare) {
    const init = await t.call('POST', '/v1/sys/init', { shares: options.shares ?? 1, threshold: options.threshold ?? 1 }, null);
    if (init.status !== 200) throw new Error(`init failed: ${JSON.stringify(init.body)}`);
    t.rootToken = init.body.rootToken;
    t.shares = init.body.shares;
    for (const share of t.shares.slice(0, options.threshold ?? 1)) await t.call('POST', '/v1/sys/unseal', { share }, null);
  }
  return t;
}

/** The audit record of one request (by its x-request-id), read through GET /v1/audit with the root token. */
export async function auditRecordOf(box: Pick<TestBox, 'call'>, requestId: string): Promise<Record<string, any>> {
  for (let afterSeq = 0; ; ) {
    const page = await box.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`);
    if (page.status !== 200) throw new Error(`GET /v1/audit answered ${page.status}`);
    const hit = (page.body.records as { requestId: string }[]).find((r) => r.requestId === requestId);
    if (hit) return hit;
    if (page.body.nextAfterSeq === null) throw new Error(`no audit record for ${requestId}`);
    afterSeq = page.body.nextAfterSeq as number;
  }
}
