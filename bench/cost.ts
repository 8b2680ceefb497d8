/**
 * The cost stage of `npm run bench` (bench/run.ts), with wrk as the load generator (bench/wrk.ts):
 * what a signature costs the server. Per row: server CPU (user+system, all threads, /proc/<pid>/stat)
 * per signature, divided by in-process secp256k1 sign + verify µs measured in the same run — the
 * **cost ratio**, the figure that travels to other machines — for single requests at c = 1, 16, 64 and
 * batches of 10, 100 and 1,000 digests; signatures per second and their share of the one-core
 * in-process sign rate; p50/p99; and the server CPU split by thread kind (/proc/<pid>/task/<tid>/stat).
 * Also key creation (`POST /v1/keys`, c=64) and, for one release, autocannon's single-request row at
 * c=64 beside wrk's so the change of instrument is visible.
 *
 * `npm run bench:cost` runs this stage alone (with its own in-process measurement) and rewrites only
 * the block between the cost markers, which the full bench writes inside its own section.
 * Environment: BENCH_DURATION (seconds per run, default 5), BENCH_QUICK=1 (1 s runs, no document),
 * BENCH_NO_DOC=1 (print only).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { killAllChildren, startChild } from './children.js';
import { machineBusySeconds, processCpuSeconds } from './cpu.js';
import { measureInProcess } from './inprocess.js';
import { runLoad } from './load.js';
import { runWrk, wrkAvailable, WRK_INSTALL_HINT, type WrkResult } from './wrk.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'src', 'bin', 'strongbox.js');
const docPath = join(repoRoot, 'docs', 'benchmarks.md');
const TOKEN = 'bench-root-token';
export const COST_START = '<!-- bench-cost:start -->';
export const COST_END = '<!-- bench-cost:end -->';

const log = (msg: string): void => void process.stderr.write(`[bench:cost] ${msg}\n`);

/** CPU seconds per thread kind of `pid`: the event loop, Node worker threads, libuv pool, V8 helpers, other. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(fields[11]) + Number(fields[12])) / 100;
      const kind = threadKind(tid === String(pid), comm);
      out.set(kind, (out.get(kind) ?? 0) + secs);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

/**
 * A thread's kind from its name. Node 20 names its worker threads, libuv's pool and V8's platform
 * threads all "node" on Linux (Node 22+ names some); unnamed ones are reported as "other node threads".
 */
export function threadKind(isMain: boolean, comm: string): string {
  if (isMain) return 'event loop';
  if (/^V8 /.test(comm)) return 'V8 helpers';
  if (/libuv/.test(comm)) return 'libuv pool';
  if (/WorkerThread|^sign/.test(comm)) return 'workers';
  if (comm === 'node') return 'other node threads';
  return comm;
}

export interface CostRow {
  label: string;
  /** absent: Strongbox as shipped (the rows the targets judge); otherwise what else answered (a floor, or Strongbox without audit) */
  server?: string;
  /** signatures per request (0: key creation) */
  items: number;
  connections: number;
  /** signatures (or keys) per second */
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /** server CPU µs per signature (or key) */
  cpuUs: number;
  /** cpuUs ÷ in-process sign + verify µs (signatures only) */
  ratio: number | undefined;
  /** perSec ÷ in-process one-core sign rate, % (signatures only) */
  oneCorePct: number | undefined;
  /** CPU µs per signature (or key) by thread kind, largest first */
  threads: [string, number][];
  failures: number;
}

export interface CostLimits {
  /** in-process ecdsaSign + ecdsaVerify per second on one core, measured in the same run */
  signVerifyPerSec: number;
  /** in-process ecdsaSign per second on one core, measured in the same run */
  signPerSec: number;
}

export interface CostResult {
  limits: CostLimits;
  durationSec: number;
  rows: CostRow[];
  autocannon: { reqPerSec: number; cpuUsPerReq: number | undefined; loaderCpuPct: number; machineBusyPct: number | undefined };
  loadBefore: number;
  loadAfter: number;
}

export const COST_SCENARIOS: readonly { label: string; items: number; connections: number }[] = [
  { label: 'single', items: 1, connections: 1 },
  { label: 'single', items: 1, connections: 16 },
  { label: 'single', items: 1, connections: 64 },
  { label: 'batch of 10', items: 10, connections: 16 },
  { label: 'batch of 100', items: 100, connections: 4 },
  { label: 'batch of 1,000', items: 1000, connections: 2 },
];
export const KEY_CREATION_LABEL = 'key creation (POST /v1/keys secp256k1)';

/** One row from a wrk result and the server CPU it cost (pure: the test feeds it canned numbers). */
export function costRow(
  scenario: { label: string; items: number; connections: number; server?: string },
  r: WrkResult,
  cpuSeconds: number,
  threadSeconds: Map<string, number>,
  limits: CostLimits,
): CostRow {
  const ops = r.requests * Math.max(1, scenario.items);
  const perSec = r.reqPerSec * Math.max(1, scenario.items);
  const cpuUs = ops > 0 ? (1e6 * cpuSeconds) / ops : Number.NaN;
  const signs = scenario.items > 0;
  return {
    ...scenario,
    perSec,
    // no request completed (a batch of 1,000 in a 1 s quick run): wrk's percentiles are 0, not a latency
    p50Ms: r.requests > 0 ? r.p50Ms : Number.NaN,
    p99Ms: r.requests > 0 ? r.p99Ms : Number.NaN,
    cpuUs,
    ratio: signs ? cpuUs / (1e6 / limits.signVerifyPerSec) : undefined,
    oneCorePct: signs ? (100 * perSec) / limits.signPerSec : undefined,
    threads: [...threadSeconds]
      .map(([k, v]) => [k, ops > 0 ? (1e6 * v) / ops : Number.NaN] as [string, number])
      .filter(([, v]) => v >= 0.5)
      .sort((a, b) => b[1] - a[1]),
    failures: r.non2xx + r.errors,
  };
}

const f = (n: number | undefined, d = 0): string => (n === undefined ? '-' : Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

/** The Markdown table of the cost rows. */
export function renderCostTable(rows: CostRow[]): string {
  return [
    '| server | requests | c | per second | p50 ms | p99 ms | server CPU µs each | cost ratio | % of in-process 1-core | CPU µs each by thread | failed |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|',
    ...rows.map(
      (r) =>
        `| ${r.server ?? 'Strongbox'} | ${r.label} | ${r.connections} | ${int(r.perSec)} | ${f(r.p50Ms, 2)} | ${f(r.p99Ms, 2)} | ${f(r.cpuUs, 1)} | ${f(r.ratio, 2)} | ${r.oneCorePct === undefined ? '-' : `${f(r.oneCorePct, 1)}%`} | ${r.threads.map(([k, v]) => `${k} ${f(v)}`).join(', ')} | ${r.failures}${r.failures > 0 ? ' ⚠' : ''} |`,
    ),
  ].join('\n');
}

/** The issue-20 targets that this stage measures, as PASS/MISS lines. */
export function costTargets(result: CostResult): string[] {
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  const shipped = result.rows.filter((r) => r.server === undefined);
  const at64 = shipped.find((r) => r.items === 1 && r.connections === 64);
  const b100 = shipped.find((r) => r.items === 100);
  const keys = shipped.find((r) => r.items === 0);
  const lines: string[] = [];
  if (at64?.ratio !== undefined) lines.push(`- cost ratio ≤ 2.0 for single requests at c=64: **${verdict(at64.ratio <= 2)}** — ${f(at64.ratio, 2)}.`);
  if (b100?.ratio !== undefined) lines.push(`- cost ratio ≤ 1.3 for batches of 100: **${verdict(b100.ratio <= 1.3)}** — ${f(b100.ratio, 2)}.`);
  if (at64) lines.push(`- p99 ≤ 15 ms at c=64 (wrk): **${verdict(at64.p99Ms <= 15)}** — ${f(at64.p99Ms, 1)} ms.`);
  if (keys) lines.push(`- key creation ≥ 5,000/s on SQLite (wrk, c=64): **${verdict(keys.perSec >= 5000)}** — ${int(keys.perSec)}/s, ${f(keys.cpuUs)} µs of server CPU per key.`);
  return lines;
}

/** The cost block (between the cost markers): conditions, the table, key creation, autocannon beside wrk, targets. */
export function renderCostSection(result: CostResult, when: Date = new Date()): string {
  const signVerifyUs = 1e6 / result.limits.signVerifyPerSec;
  const ac = result.autocannon;
  return [
    `wrk stage, measured ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores, load average ${f(result.loadBefore, 1)} before and ${f(result.loadAfter, 1)} after, wrk ${result.durationSec} s per row after a warm-up of the same row, SQLite, --dev, audit on.`,
    '',
    `In-process secp256k1 sign + verify in this run: **${f(signVerifyUs, 1)} µs** (${int(result.limits.signVerifyPerSec)}/s on one core); sign alone ${int(result.limits.signPerSec)}/s. Cost ratio = server CPU µs per signature ÷ sign + verify µs; "% of in-process 1-core" = signatures/s ÷ the sign-alone rate.`,
    '',
    renderCostTable(result.rows),
    '',
    `autocannon on the same single-request route at c=64: ${int(ac.reqPerSec)} req/s, ${f(ac.cpuUsPerReq, 1)} µs of server CPU per request, the load generator itself at ${f(ac.loaderCpuPct)}% of a core (machine busy ${f(ac.machineBusyPct)}% of one core).`,
    '',
    ...costTargets(result),
  ].join('\n');
}

/** The text written between the cost markers when wrk is missing. */
export function renderCostSkipped(): string {
  return `⚠ wrk stage skipped: ${WRK_INSTALL_HINT}. The cost ratio, batch rows and key creation with wrk were not measured in this run.`;
}

/**
 * Runs the stage: one Strongbox server (SQLite, --dev, audit on), the scenarios with wrk, key creation,
 * then autocannon's single-request row. `limits` come from the caller's in-process measurement.
 */
export async function runCostStage(options: { limits: CostLimits; durationSec: number; warmupSec: number }): Promise<CostResult> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-cost-'));
  const loadBefore = loadavg()[0] ?? 0;
  const sb = await startChild('strongbox (wrk stage)', [cliPath, 'server', '--dev', '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'], /strongbox listening on (http:\/\/\S+)/);
  try {
    const pid = sb.proc.pid!;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${sb.url}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ type: 'secp256k1' }) });
    const keyId = ((await created.json()) as { id: string }).id;
    const url = `${sb.url}/v1/keys/${keyId}/sign`;
    const digest = (): string => '0x' + randomBytes(32).toString('hex');
    const measure = async (scenario: { label: string; items: number; connections: number; server?: string }, target: string, body: string, serverPid = pid): Promise<CostRow> => {
      // warm-up (JIT, key cache), not measured
      await runWrk({ url: target, body, headers, connections: scenario.connections, durationSec: options.warmupSec, dir });
      const cpu0 = processCpuSeconds(serverPid)!;
      const t0 = threadCpu(serverPid);
      const r = await runWrk({ url: target, body, headers, connections: scenario.connections, durationSec: options.durationSec, dir });
      const cpu1 = processCpuSeconds(serverPid)!;
      const t1 = threadCpu(serverPid);
      const split = new Map([...t1].map(([k, v]) => [k, v - (t0.get(k) ?? 0)]));
      const row = costRow(scenario, r, cpu1 - cpu0, split, options.limits);
      log(`${scenario.server ?? 'Strongbox'} ${scenario.label} c=${scenario.connections}: ${f(row.perSec)}/s, ${f(row.cpuUs, 1)} µs CPU each, ratio ${f(row.ratio, 2)}, p99 ${f(r.p99Ms, 1)} ms; ${row.threads.map(([k, v]) => `${k} ${f(v)}`).join(', ')}`);
      return row;
    };
    const rows: CostRow[] = [];
    for (const s of COST_SCENARIOS) {
      const body = s.items === 1 ? JSON.stringify({ digest: digest() }) : JSON.stringify({ batch: Array.from({ length: s.items }, () => ({ digest: digest() })) });
      rows.push(await measure(s, url, body));
    }
    rows.push(await measure({ label: KEY_CREATION_LABEL, items: 0, connections: 64 }, `${sb.url}/v1/keys`, JSON.stringify({ type: 'secp256k1' })));
    // What the cost ratio cannot go below, measured the same way: the same single and batch-of-100 load
    // against Strongbox without its audit log, a bare Fastify app and bare node:http, each signing and
    // verifying with the same binding (bench/bare-server.ts, bench/raw-server.ts).
    const single = JSON.stringify({ digest: digest() });
    const batch100 = JSON.stringify({ batch: Array.from({ length: 100 }, () => ({ digest: digest() })) });
    const floors: { server: string; start: () => Promise<{ url: string; pid: number; stop: (ms: number) => Promise<unknown> }>; single: string; batch: string }[] = [
      {
        server: 'Strongbox, audit off',
        start: async () => {
          const c = await startChild('strongbox --unsafe-no-audit', [cliPath, 'server', '--dev', '--unsafe-no-audit', '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'], /strongbox listening on (http:\/\/\S+)/);
          const k = await fetch(`${c.url}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ type: 'secp256k1' }) });
          const id = ((await k.json()) as { id: string }).id;
          return { url: `${c.url}/v1/keys/${id}`, pid: c.proc.pid!, stop: (ms) => c.stop(ms) };
        },
        single: '/sign',
        batch: '/sign',
      },
      { server: 'floor: bare Fastify', start: async () => startFloor('bare-server.js', /bare listening on (http:\/\/\S+)/), single: '/sign-verify', batch: '/sign-verify-batch' },
      { server: 'floor: bare node:http', start: async () => startFloor('raw-server.js', /raw listening on (http:\/\/\S+)/), single: '/sign-verify', batch: '/sign-verify-batch' },
    ];
    for (const fl of floors) {
      const srv = await fl.start();
      try {
        rows.push(await measure({ server: fl.server, label: 'single', items: 1, connections: 64 }, srv.url + fl.single, single, srv.pid));
        rows.push(await measure({ server: fl.server, label: 'batch of 100', items: 100, connections: 4 }, srv.url + fl.batch, batch100, srv.pid));
      } finally {
        await srv.stop(15_000);
      }
    }
    const machine0 = machineBusySeconds();
    const ac = await runLoad({ url, connections: 64, durationSec: options.durationSec, headers, body: JSON.stringify({ digest: digest() }), serverPid: pid });
    const machine1 = machineBusySeconds();
    log(`autocannon single c=64: ${f(ac.reqPerSec)}/s, ${f(ac.serverCpuUsPerReq, 1)} µs CPU/req, loader ${f(ac.loaderCpuPct)}% of a core`);
    return {
      limits: options.limits,
      durationSec: options.durationSec,
      rows,
      autocannon: {
        reqPerSec: ac.reqPerSec,
        cpuUsPerReq: ac.serverCpuUsPerReq,
        loaderCpuPct: ac.loaderCpuPct,
        machineBusyPct: machine0 !== undefined && machine1 !== undefined ? (100 * (machine1 - machine0)) / options.durationSec : undefined,
      },
      loadBefore,
      loadAfter: loadavg()[0] ?? 0,
    };
  } finally {
    await sb.stop(15_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A floor server (bench/bare-server.ts or bench/raw-server.ts) in its own process. */
async function startFloor(script: string, ready: RegExp): Promise<{ url: string; pid: number; stop: (ms: number) => Promise<unknown> }> {
  const c = await startChild(script, [join(repoRoot, 'dist', 'bench', script), '0'], ready);
  return { url: c.url, pid: c.proc.pid!, stop: (ms) => c.stop(ms) };
}

/** Replaces the cost block of docs/benchmarks.md (appending one if the markers are missing). */
export function rewriteCostBlock(file: string, text: string): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(COST_START);
  const end = start < 0 ? -1 : doc.indexOf(COST_END, start);
  const block = `${COST_START}\n${text}\n${COST_END}`;
  writeFileSync(file, start >= 0 && end >= 0 ? doc.slice(0, start) + block + doc.slice(end + COST_END.length) : `${doc.trimEnd()}\n\n${block}\n`);
}

/** `npm run bench:cost`: this stage alone, with its own in-process measurement. */
async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const durationSec = quick ? 1 : Math.max(1, Number(process.env['BENCH_DURATION'] ?? 5) || 5);
  if (!wrkAvailable()) {
    log(renderCostSkipped());
    process.exitCode = 1;
    return;
  }
  log('in-process secp256k1 sign, and sign + verify');
  const inproc = measureInProcess({ warmupMs: quick ? 200 : 1000, durationMs: quick ? 500 : 3000 });
  const result = await runCostStage({ limits: { signPerSec: inproc.signPerSec, signVerifyPerSec: inproc.signVerifyPerSec }, durationSec, warmupSec: durationSec });
  const text = renderCostSection(result);
  process.stdout.write(text + '\n');
  if (!quick && process.env['BENCH_NO_DOC'] !== '1') rewriteCostBlock(docPath, text);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(killAllChildren);
}
