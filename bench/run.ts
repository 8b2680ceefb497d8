/**
 * `npm run bench`: one run, one table.
 *   1. the limit: in-process native secp256k1 sign/s (and sign+verify/s) on one core;
 *   2. the framework ceiling: a bare Fastify sign route in a child process (bench/bare-server.ts),
 *      plus the same route with verify-before-release added, at the top concurrency only;
 *   3. Strongbox: the built server in --dev mode (log level warn), signing with a secp256k1 key.
 * HTTP targets are load-tested with autocannon at concurrency 1, 16 and 64. The load generator
 * runs in this process, on the same machine as the server under test. Results are printed and
 * written into docs/benchmarks.md between the bench markers. Child processes are always killed.
 *
 * Environment: BENCH_DURATION (seconds per load run, default 5), BENCH_NO_DOC=1 (print only).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, startChild, type Child } from './children.js';
import { measureInProcess } from './inprocess.js';
import { runLoad, type LoadResult } from './load.js';
import { describeMachine, describeMachineMarkdown, renderTable, rewriteSection, type Row } from './report.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'src', 'bin', 'strongbox.js');
const barePath = join(repoRoot, 'dist', 'bench', 'bare-server.js');
const docPath = join(repoRoot, 'docs', 'benchmarks.md');

const DURATION = Math.max(1, Number(process.env['BENCH_DURATION'] ?? 5) || 5);
const WARMUP_SEC = 2;
const CONCURRENCY = [1, 16, 64] as const;
const TARGET_CONC = 64;
const TARGET_PCT = 40;
const TOKEN = 'bench-root-token';

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return { status: res.status, json: { raw: text } };
  }
}

interface HttpTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  serverPid: number | undefined;
}

/** Checks one request returns 200 with a signature before load-testing the route. */
async function probe(target: HttpTarget): Promise<void> {
  const res = await postJson(target.url, JSON.parse(target.body), target.headers);
  if (res.status !== 200 || typeof res.json['signature'] !== 'string') throw new Error(`${target.name} probe failed: ${res.status} ${JSON.stringify(res.json)}`);
}

async function loadTest(target: HttpTarget, concurrency: readonly number[], warmup: boolean): Promise<LoadResult[]> {
  await probe(target);
  if (warmup) {
    log(`${target.name}: warm-up ${WARMUP_SEC}s`);
    await runLoad({ ...target, connections: 16, durationSec: WARMUP_SEC });
  }
  const results: LoadResult[] = [];
  for (const connections of concurrency) {
    log(`${target.name}: concurrency ${connections}, ${DURATION}s`);
    results.push(await runLoad({ ...target, connections, durationSec: DURATION }));
  }
  return results;
}

/** autocannon records latency in whole milliseconds (HDR histogram, lowest discernible value 1 ms). */
const ms = (v: number): string => (v < 1 ? '<1' : String(Math.round(v)));
const pct = (v: number | undefined): string => (v === undefined ? '-' : `${Math.round(v)}%`);
const failed = (r: LoadResult): boolean => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0;

function rowsFor(name: string, results: LoadResult[], signPerSec: number): Row[] {
  const rows: Row[] = [];
  for (const r of results) {
    rows.push({
      target: name,
      conc: String(r.connections),
      reqPerSec: r.reqPerSec,
      mean: r.reqPerSec > 0 ? ((1000 * r.connections) / r.reqPerSec).toFixed(2) : '-',
      p50: ms(r.p50Ms),
      p99: ms(r.p99Ms),
      serverCpu: pct(r.serverCpuPct),
      cpuPerReq: r.serverCpuUsPerReq === undefined ? '-' : String(Math.round(r.serverCpuUsPerReq)),
      loaderCpu: pct(r.loaderCpuPct),
      otherCpu: pct(r.otherCpuPct),
      pct: (100 * r.reqPerSec) / signPerSec,
      ...(failed(r) ? { note: '⚠' } : {}),
    });
    if (failed(r)) {
      const msg = `WARNING: ${name} c${r.connections}: non2xx=${r.non2xx} errors=${r.errors} timeouts=${r.timeouts} status=${JSON.stringify(r.statusCodes)}`;
      log(msg);
      rows.push({ target: `⚠ ${msg}`, conc: '', reqPerSec: undefined, mean: '', p50: '', p99: '', serverCpu: '', cpuPerReq: '', loaderCpu: '', otherCpu: '', pct: undefined });
    }
  }
  return rows;
}

function inProcessRow(target: string, rate: number, signPerSec: number, otherCpuPct: number | undefined): Row {
  return { target, conc: '1 core', reqPerSec: rate, mean: (1000 / rate).toFixed(3), p50: '-', p99: '-', serverCpu: '-', cpuPerReq: (1e6 / rate).toFixed(1), loaderCpu: '-', otherCpu: pct(otherCpuPct), pct: (100 * rate) / signPerSec };
}

async function main(): Promise<void> {
  const machine = describeMachine(repoRoot);
  if (machine.loadAvg1 > 0.5) log(`note: 1-minute load average is ${machine.loadAvg1.toFixed(2)}; other work on this machine will skew the numbers`);
  const started = Date.now();
  const children: Child[] = [];
  const digest = '0x' + randomBytes(32).toString('hex');
  const body = JSON.stringify({ digest });
  const json = { 'content-type': 'application/json' };

  try {
    // 1. The limit, measured before any child exists so nothing in the bench competes for the CPU.
    //    Measured again at the end (sign only): on a shared VM the speed of a core drifts, and the
    //    reference is the better of the two.
    log('in-process native secp256k1: 0.5s warm-up, 2s ecdsaSign, 2s ecdsaSign+ecdsaVerify');
    const inproc = measureInProcess({ warmupMs: 500, durationMs: 2_000 });

    // 2. The framework ceiling.
    const bare = await startChild('bare fastify', [barePath, '0'], /bare listening on (http:\/\/\S+)/);
    children.push(bare);
    const bareTarget = { name: 'bare fastify', url: `${bare.url}/sign`, headers: json, body, serverPid: bare.proc.pid };
    const bareResults = await loadTest(bareTarget, CONCURRENCY, true);
    const bareVerify = { ...bareTarget, name: 'bare fastify sign+verify', url: `${bare.url}/sign-verify` };
    const bareVerifyResults = await loadTest(bareVerify, [TARGET_CONC], false);
    await bare.stop();

    // 3. Strongbox, dev mode, warn-level logs.
    const sb = await startChild(
      'strongbox',
      [cliPath, 'server', '--dev', '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'],
      /strongbox listening on (http:\/\/\S+)/,
    );
    children.push(sb);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const created = await postJson(`${sb.url}/v1/keys`, { type: 'secp256k1' }, auth);
    const keyId = created.json['id'];
    if (created.status !== 201 || typeof keyId !== 'string') throw new Error(`creating a key failed: ${created.status} ${JSON.stringify(created.json)}`);
    const sbTarget = { name: 'strongbox', url: `${sb.url}/v1/keys/${keyId}/sign`, headers: { ...json, ...auth }, body, serverPid: sb.proc.pid };
    const sbResults = await loadTest(sbTarget, CONCURRENCY, true);
    // SIGTERM: Strongbox drains, seals, closes SQLite (checkpointing the WAL) and deletes its dev
    // data directory; that can take seconds after a load run, so allow time before SIGKILL.
    await sb.stop(15_000);

    // 4. The same with the audit log switched off (dev-only flag), to price durable auditing.
    const sbOff = await startChild(
      'strongbox (audit off)',
      [cliPath, 'server', '--dev', '--unsafe-no-audit', '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'],
      /strongbox listening on (http:\/\/\S+)/,
    );
    children.push(sbOff);
    const createdOff = await postJson(`${sbOff.url}/v1/keys`, { type: 'secp256k1' }, auth);
    const offTarget = { ...sbTarget, name: 'strongbox audit off', url: `${sbOff.url}/v1/keys/${String(createdOff.json['id'])}/sign`, serverPid: sbOff.proc.pid };
    const sbOffResults = await loadTest(offTarget, [16, TARGET_CONC], true);
    await sbOff.stop(15_000);

    log('in-process native secp256k1 again: 0.5s warm-up, 2s ecdsaSign');
    const inprocEnd = measureInProcess({ warmupMs: 500, durationMs: 2_000, verify: false });
    const signPerSec = Math.max(inproc.signPerSec, inprocEnd.signPerSec);
    const inprocRows: Row[] = [
      inProcessRow('in-process ecdsaSign (start)', inproc.signPerSec, signPerSec, inproc.otherCpuPct),
      inProcessRow('in-process ecdsaSign+ecdsaVerify', inproc.signVerifyPerSec, signPerSec, inproc.otherCpuPct),
      inProcessRow('in-process ecdsaSign (end)', inprocEnd.signPerSec, signPerSec, inprocEnd.otherCpuPct),
    ];
    const rows = [
      ...inprocRows,
      ...rowsFor('bare Fastify + sign', bareResults, signPerSec),
      ...rowsFor('bare Fastify + sign + verify', bareVerifyResults, signPerSec),
      ...rowsFor('Strongbox HTTP sign', sbResults, signPerSec),
      ...rowsFor('Strongbox HTTP sign, audit OFF', sbOffResults, signPerSec),
    ];

    // Report.
    const top = sbResults.find((r) => r.connections === TARGET_CONC)!;
    const topPct = (100 * top.reqPerSec) / signPerSec;
    const verdict = topPct >= TARGET_PCT && !failed(top) ? 'PASS' : 'MISS';
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    const targetLine =
      `Issue target: Strongbox HTTP sign ≥ ${TARGET_PCT}% of the one-core in-process sign rate at concurrency ${TARGET_CONC}: ` +
      `**${verdict}** (${topPct.toFixed(1)}% = ${fmt(top.reqPerSec)} / ${fmt(signPerSec)} per second, the better of the two in-process sign rates${failed(top) ? '; the run had failed requests' : ''}). Informational only.`;
    const offTop = sbOffResults.find((r) => r.connections === TARGET_CONC)!;
    const auditCostPct = 100 * (1 - top.reqPerSec / offTop.reqPerSec);
    const auditLine =
      `Durable audit cost at concurrency ${TARGET_CONC}: ${auditCostPct.toFixed(1)}% of throughput (${fmt(top.reqPerSec)} with vs ${fmt(offTop.reqPerSec)} without); ` +
      `target ≤ 25%: **${auditCostPct <= 25 ? 'PASS' : 'MISS'}**.`;
    const table = renderTable(rows);
    const all = [...bareResults, ...bareVerifyResults, ...sbResults, ...sbOffResults];
    const busiest = Math.max(0, inproc.otherCpuPct ?? 0, inprocEnd.otherCpuPct ?? 0, ...all.map((r) => r.otherCpuPct ?? 0));
    const noiseLine =
      busiest > 20
        ? `⚠ Other processes on the machine used up to ${Math.round(busiest)}% of a core during some runs (column "other CPU"); those rows are pessimistic, rerun on a quiet machine.`
        : `Other processes used at most ${Math.round(busiest)}% of a core during the runs.`;
    const seconds = Math.round((Date.now() - started) / 1000);
    const section = [
      `Latest run: ${seconds} s in all; ${DURATION} s per load run, after a ${WARMUP_SEC} s warm-up per server.`,
      '',
      describeMachineMarkdown(machine),
      '',
      table,
      '',
      targetLine,
      '',
      auditLine,
      '',
      noiseLine,
    ].join('\n');

    console.log(`\n${describeMachineMarkdown(machine)}\n\n${table}\n\n${targetLine.replaceAll('**', '')}\n${auditLine.replaceAll('**', '')}\n${noiseLine}\n`);
    if (process.env['BENCH_NO_DOC'] !== '1') {
      rewriteSection(docPath, section);
      log(`wrote ${docPath}`);
    }
  } finally {
    await Promise.all(children.map((c) => c.stop(10_000)));
    killAllChildren();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  killAllChildren();
  process.exitCode = 1;
});
