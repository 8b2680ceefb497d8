/**
 * `npm run bench:cost` (issue 20): what a signature costs the server, measured with wrk as the load
 * generator (a C program: far less CPU than autocannon on the same 2 cores) and a Lua script for the
 * POST body. For each row: server CPU (user+system, all threads, /proc/<pid>/stat) per signature,
 * divided by in-process secp256k1 sign + verify µs measured in the same run — the **cost ratio**, the
 * figure that travels to other machines — for single requests at c = 1, 16, 64 and batches of 10, 100
 * and 1,000 digests; signatures per second; p50/p99; and the server CPU split by thread kind
 * (/proc/<pid>/task/<tid>/stat). Also key creation/s and, for one release, autocannon's single-request
 * row at c=64 beside wrk's so the change of instrument is visible. Writes docs/benchmarks.md between
 * the cost markers (BENCH_NO_DOC=1: print only). Needs `apt-get install wrk`.
 * Environment: BENCH_DURATION (seconds per run, default 5).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, startChild } from './children.js';
import { machineBusySeconds, processCpuSeconds } from './cpu.js';
import { measureInProcess } from './inprocess.js';
import { runLoad } from './load.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'src', 'bin', 'strongbox.js');
const docPath = join(repoRoot, 'docs', 'benchmarks.md');
const DURATION = Math.max(1, Number(process.env['BENCH_DURATION'] ?? 5) || 5);
const TOKEN = 'bench-root-token';
export const COST_START = '<!-- bench-cost:start -->';
export const COST_END = '<!-- bench-cost:end -->';

const log = (msg: string): void => void process.stderr.write(`[bench:cost] ${msg}\n`);

interface WrkResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function runWrk(url: string, body: string, connections: number, dir: string): Promise<WrkResult> {
  const script = join(dir, `post-${connections}-${body.length}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer ${TOKEN}"\n`);
  const threads = Math.min(2, connections);
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${DURATION}s`, '--timeout', '10s', '--latency', '-s', script, url], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN);
      const reqPerSec = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
      const p50 = /\n\s+50%\s+(\S+)/.exec(stdout)?.[1] ?? '';
      const p99 = /\n\s+99%\s+(\S+)/.exec(stdout)?.[1] ?? '';
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
      resolve({ requests, reqPerSec, p50Ms: ms(p50), p99Ms: ms(p99), non2xx, errors });
    });
  });
}

/** CPU seconds per thread kind of `pid`: main (the event loop), signing workers, libuv pool, V8 helpers, other. */
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
      const kind = tid === String(pid) ? 'event loop' : /^V8 /.test(comm) ? 'V8 helpers' : /libuv/.test(comm) ? 'libuv pool' : /^node$|WorkerThread|^sign/.test(comm) ? 'workers' : comm;
      out.set(kind, (out.get(kind) ?? 0) + secs);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}

interface Row {
  label: string;
  items: number;
  connections: number;
  sigsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerSig: number;
  ratio: number;
  threads: string;
  failures: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-cost-'));
  const load0 = loadavg();
  try {
    log('in-process secp256k1 sign + verify');
    const inproc = measureInProcess({ warmupMs: 1000, durationMs: 3000 });
    const signVerifyUs = 1e6 / inproc.signVerifyPerSec;
    const sb = await startChild('strongbox', [cliPath, 'server', '--dev', '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'], /strongbox listening on (http:\/\/\S+)/);
    const pid = sb.proc.pid!;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${sb.url}/v1/keys`, { method: 'POST', headers: auth, body: JSON.stringify({ type: 'secp256k1' }) });
    const keyId = ((await created.json()) as { id: string }).id;
    const url = `${sb.url}/v1/keys/${keyId}/sign`;
    const digest = (): string => '0x' + randomBytes(32).toString('hex');
    const scenarios: { label: string; items: number; connections: number }[] = [
      { label: 'single', items: 1, connections: 1 },
      { label: 'single', items: 1, connections: 16 },
      { label: 'single', items: 1, connections: 64 },
      { label: 'batch of 10', items: 10, connections: 16 },
      { label: 'batch of 100', items: 100, connections: 4 },
      { label: 'batch of 1,000', items: 1000, connections: 2 },
    ];
    const rows: Row[] = [];
    for (const s of scenarios) {
      const body = s.items === 1 ? JSON.stringify({ digest: digest() }) : JSON.stringify({ batch: Array.from({ length: s.items }, () => ({ digest: digest() })) });
      // warm-up (JIT, key cache), not measured
      await runWrk(url, body, s.connections, dir);
      const cpu0 = processCpuSeconds(pid)!;
      const t0 = threadCpu(pid);
      const r = await runWrk(url, body, s.connections, dir);
      const cpu1 = processCpuSeconds(pid)!;
      const t1 = threadCpu(pid);
      const sigs = r.requests * s.items;
      const cpuUsPerSig = (1e6 * (cpu1 - cpu0)) / sigs;
      const threads = [...t1]
        .map(([k, v]) => [k, (1e6 * (v - (t0.get(k) ?? 0))) / sigs] as const)
        .filter(([, v]) => v >= 0.5)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ');
      const row: Row = { label: s.label, items: s.items, connections: s.connections, sigsPerSec: r.reqPerSec * s.items, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpuUsPerSig, ratio: cpuUsPerSig / signVerifyUs, threads, failures: r.non2xx + r.errors };
      rows.push(row);
      log(`${s.label} c=${s.connections}: ${row.sigsPerSec.toFixed(0)} sig/s, ${cpuUsPerSig.toFixed(1)} µs CPU/sig, ratio ${row.ratio.toFixed(2)}, p99 ${r.p99Ms} ms; ${threads}`);
    }
    // Key creation (target ≥ 5,000/s on SQLite).
    const keyBody = JSON.stringify({ type: 'secp256k1' });
    const keys = await runWrk(`${sb.url}/v1/keys`, keyBody, 64, dir);
    log(`key creation c=64: ${keys.reqPerSec.toFixed(0)}/s, p99 ${keys.p99Ms} ms`);
    // The same single-request row with autocannon (in this process), for one release.
    const machine0 = machineBusySeconds();
    const ac = await runLoad({ url, connections: 64, durationSec: DURATION, headers: auth, body: JSON.stringify({ digest: digest() }), serverPid: pid });
    const machine1 = machineBusySeconds();
    log(`autocannon single c=64: ${ac.reqPerSec.toFixed(0)}/s, ${ac.serverCpuUsPerReq?.toFixed(1)} µs CPU/req, loader ${ac.loaderCpuPct.toFixed(0)}% of a core`);
    await sb.stop(15_000);

    const load1 = loadavg();
    const f = (n: number, d = 0): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
    const table = [
      '| requests | c | signatures/s | p50 ms | p99 ms | server CPU µs / signature | cost ratio | CPU µs / signature by thread | failed |',
      '|---|--:|--:|--:|--:|--:|--:|---|--:|',
      ...rows.map((r) => `| ${r.label} | ${r.connections} | ${f(r.sigsPerSec)} | ${f(r.p50Ms, 2)} | ${f(r.p99Ms, 2)} | ${f(r.cpuUsPerSig, 1)} | ${f(r.ratio, 2)} | ${r.threads} | ${r.failures} |`),
    ].join('\n');
    const text = [
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${load0[0]!.toFixed(1)} before and ${load1[0]!.toFixed(1)} after (other engineers' jobs share these cores), wrk ${DURATION} s per row after a ${DURATION} s warm-up, SQLite, --dev, audit on.`,
      '',
      `In-process secp256k1 sign + verify in this run: **${f(signVerifyUs, 1)} µs** (${f(inproc.signVerifyPerSec)}/s on one core; other processes used ${f(inproc.otherCpuPct ?? Number.NaN)}% of a core meanwhile). Cost ratio = server CPU µs per signature ÷ that.`,
      '',
      table,
      '',
      `Key creation (wrk, c=64): **${f(keys.reqPerSec)}/s**, p99 ${f(keys.p99Ms, 1)} ms. autocannon on the same single-request route at c=64: ${f(ac.reqPerSec)} req/s, ${f(ac.serverCpuUsPerReq ?? Number.NaN, 1)} µs of server CPU per request, the load generator itself at ${f(ac.loaderCpuPct)}% of a core (machine busy ${machine0 !== undefined && machine1 !== undefined ? f((100 * (machine1 - machine0)) / DURATION) : 'n/a'}% of one core).`,
    ].join('\n');
    process.stdout.write(text + '\n');
    if (process.env['BENCH_NO_DOC'] !== '1') {
      const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
      const start = doc.indexOf(COST_START);
      const end = start < 0 ? -1 : doc.indexOf(COST_END, start);
      const block = `${COST_START}\n${text}\n${COST_END}`;
      writeFileSync(docPath, start >= 0 && end >= 0 ? doc.slice(0, start) + block + doc.slice(end + COST_END.length) : `${doc.trimEnd()}\n\n${block}\n`);
    }
  } finally {
    killAllChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
