/**
 * `npm run bench`: one run, one report.
 *   1. the limit: in-process native secp256k1 sign/s (and sign+verify/s) on one core;
 *   1b. the wrk stage (bench/cost.ts): the cost ratio against that limit for single requests and batches,
 *      and key creation — skipped with a visible note when wrk is not installed;
 *   2. the framework ceiling: a bare Fastify sign route in a child process (bench/bare-server.ts),
 *      plus the same route with verify-before-release added, at the top concurrency only;
 *   3. Strongbox on SQLite (--dev, log level warn): REST sign, key creation, the AWS-compatible Sign;
 *   4. the same with the audit log off (prices durable auditing);
 *   5. Strongbox on PostgreSQL (a throwaway cluster): REST sign and key creation;
 *   6. peers: SoftHSM2 over PKCS#11 (in process), moto_server answering the same AWS Sign request;
 *   7. scale of data: one server with 1,000 and then BENCH_SCALE_KEYS (default 1,000,000) keys.
 * HTTP targets are load-tested with autocannon at concurrency 1, 16, 64 and 256. The load generator
 * runs in this process, on the same machine as the server under test. Results are printed and
 * written into docs/benchmarks.md between the bench markers. Child processes are always killed.
 *
 * Environment: BENCH_DURATION (seconds per load run, default 5), BENCH_NO_DOC=1 (print only),
 * BENCH_SCALE_KEYS (keys for the scale run, default 1,000,000), BENCH_QUICK=1 (a smoke run of every
 * stage: 1 s load runs, concurrency 1 and 64, 2,000 keys for the scale run; prints only).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fillKeys, storeLookupMicros } from './filler.js';
import { captureSignRequest, softHsmSignRate } from './peers.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { MOTO_CREDENTIALS, startMoto } from '../test/helpers/moto.js';
import { SQLITE_FILE } from '../src/storage/sqlite/index.js';
import { DEFAULT_KEY_CACHE_SIZE } from '../src/config.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAllChildren, startChild, type Child } from './children.js';
import { measureInProcess } from './inprocess.js';
import { runLoad, type LoadResult } from './load.js';
import { describeMachine, describeMachineMarkdown, renderTable, rewriteSection, type Row } from './report.js';
import { COST_END, COST_START, renderCostSection, renderCostSkipped, runCostStage, type CostResult } from './cost.js';
import { wrkAvailable, WRK_INSTALL_HINT } from './wrk.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'dist', 'src', 'bin', 'strongbox.js');
const barePath = join(repoRoot, 'dist', 'bench', 'bare-server.js');
const docPath = join(repoRoot, 'docs', 'benchmarks.md');

const QUICK = process.env['BENCH_QUICK'] === '1';
const DURATION = QUICK ? 1 : Math.max(1, Number(process.env['BENCH_DURATION'] ?? 5) || 5);
const WARMUP_SEC = QUICK ? 1 : 2;
const CONCURRENCY: readonly number[] = QUICK ? [1, 64] : [1, 16, 64, 256];
const IN_PROCESS = QUICK ? { warmupMs: 200, durationMs: 500 } : { warmupMs: 500, durationMs: 2_000 };
const TARGET_CONC = 64;
const TARGET_PCT = 50;
const TARGET_P99_MS = 15;
const TARGET_KEYS_PER_SEC = 5000;
const SCALE_KEYS = QUICK ? 2000 : Math.max(2000, Number(process.env['BENCH_SCALE_KEYS'] ?? 1_000_000) || 1_000_000);
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
  /** POST body; absent = GET */
  body?: string;
  method?: 'GET' | 'POST';
  serverPid: number | undefined;
  /** what a good answer looks like (default: 200 with a `signature`) */
  expect?: (status: number, json: Record<string, unknown>) => boolean;
}

/** Checks one request answers as expected before load-testing the route. */
async function probe(target: HttpTarget): Promise<void> {
  const res = await fetch(target.url, { method: target.method ?? 'POST', headers: target.headers, ...(target.body === undefined ? {} : { body: target.body }) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  const ok = target.expect ? target.expect(res.status, json) : res.status === 200 && typeof json['signature'] === 'string';
  if (!ok) throw new Error(`${target.name} probe failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
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

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

interface ScalePoint {
  sign: LoadResult[];
  get: LoadResult[];
  lookupUs: number;
  rssMb: number;
  dbMb: number;
}

/**
 * One SQLite server (not dev mode: a data dir we keep, initialized and unsealed through the API),
 * measured with 1,000 keys and again after filler keys bring it to SCALE_KEYS: HTTP sign and GET of
 * a real key at c=64, uncached store lookups of random ids, and the server's RSS.
 */
async function measureScale(auth: Record<string, string>): Promise<{ small: ScalePoint; large: ScalePoint }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strongbox-bench-scale-'));
  const server = await startChild('strongbox (scale)', [cliPath, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn'], /strongbox listening on (http:\/\/\S+)/);
  try {
    const init = await postJson(`${server.url}/v1/sys/init`, { shares: 1, threshold: 1 });
    const root = { authorization: `Bearer ${String(init.json['rootToken'])}` };
    await postJson(`${server.url}/v1/sys/unseal`, { share: (init.json['shares'] as string[])[0] });
    void auth;
    const key = await postJson(`${server.url}/v1/keys`, { type: 'secp256k1' }, root);
    const keyId = String(key.json['id']);
    const file = join(dataDir, SQLITE_FILE);
    const point = async (label: string, ids: string[]): Promise<ScalePoint> => {
      const sign = await loadTest({ name: `sign, ${label}`, url: `${server.url}/v1/keys/${keyId}/sign`, headers: { 'content-type': 'application/json', ...root }, body: JSON.stringify({ digest: '0x' + '5a'.repeat(32) }), serverPid: server.proc.pid }, [TARGET_CONC], true);
      const get = await loadTest({ name: `GET key, ${label}`, url: `${server.url}/v1/keys/${keyId}`, method: 'GET', headers: root, serverPid: server.proc.pid, expect: (st) => st === 200 }, [TARGET_CONC], false);
      const lookupUs = await storeLookupMicros(dataDir, ids, 20_000);
      let dbMb = 0;
      try {
        dbMb = Math.round(statSync(file).size / 1024 / 1024);
      } catch {
        dbMb = 0;
      }
      return { sign, get, lookupUs, rssMb: rssMb(server.proc.pid), dbMb };
    };
    log('scale: 1,000 keys');
    const smallIds = fillKeys(file, 999);
    const small = await point('1,000 keys', smallIds);
    log(`scale: filling to ${fmt(SCALE_KEYS)} keys`);
    const largeIds = fillKeys(file, SCALE_KEYS - 1000);
    const large = await point(`${fmt(SCALE_KEYS)} keys`, largeIds);
    return { small, large };
  } finally {
    await server.stop(15_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
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
    const inproc = measureInProcess(IN_PROCESS);

    // 1b. The wrk stage: cost per signature against the limit just measured (bench/cost.ts).
    let cost: CostResult | undefined;
    if (wrkAvailable()) {
      cost = await runCostStage({ limits: { signPerSec: inproc.signPerSec, signVerifyPerSec: inproc.signVerifyPerSec }, durationSec: DURATION, warmupSec: QUICK ? 1 : DURATION });
    } else {
      log(`NOTE: ${WRK_INSTALL_HINT}; skipping the wrk stage (cost ratio, batches, key creation with wrk)`);
    }

    // 2. The framework ceiling.
    const bare = await startChild('bare fastify', [barePath, '0'], /bare listening on (http:\/\/\S+)/);
    children.push(bare);
    const bareTarget = { name: 'bare fastify', url: `${bare.url}/sign`, headers: json, body, serverPid: bare.proc.pid };
    const bareResults = await loadTest(bareTarget, CONCURRENCY, true);
    const bareVerify = { ...bareTarget, name: 'bare fastify sign+verify', url: `${bare.url}/sign-verify` };
    const bareVerifyResults = await loadTest(bareVerify, [TARGET_CONC], false);
    await bare.stop();

    // 3. Strongbox on SQLite, dev mode, warn-level logs.
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
    const sbTarget: HttpTarget = { name: 'strongbox', url: `${sb.url}/v1/keys/${keyId}/sign`, headers: { ...json, ...auth }, body, serverPid: sb.proc.pid };
    const sbResults = await loadTest(sbTarget, CONCURRENCY, true);
    const keyCreate: HttpTarget = { name: 'strongbox key creation', url: `${sb.url}/v1/keys`, headers: { ...json, ...auth }, body: JSON.stringify({ type: 'secp256k1' }), serverPid: sb.proc.pid, expect: (st) => st === 201 };
    const createResults = await loadTest(keyCreate, [TARGET_CONC], false);
    // The AWS-compatible endpoint: a SigV4-signed Sign request made by the AWS SDK, replayed.
    const creds = await postJson(`${sb.url}/v1/aws-credentials`, {}, auth);
    const sbAws = await captureSignRequest(sb.url, { accessKeyId: String(creds.json['accessKeyId']), secretAccessKey: String(creds.json['secretAccessKey']) });
    const awsExpect = (st: number, j: Record<string, unknown>): boolean => st === 200 && typeof j['Signature'] === 'string';
    const sbAwsResults = await loadTest({ name: 'strongbox AWS Sign', ...sbAws, serverPid: sb.proc.pid, expect: awsExpect }, [16, TARGET_CONC], false);
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
    const sbOffResults = await loadTest(offTarget, QUICK ? [TARGET_CONC] : [16, TARGET_CONC], true);
    await sbOff.stop(15_000);

    // 5. Strongbox on PostgreSQL: a throwaway cluster (initdb + pg_ctl as the postgres user).
    log('PostgreSQL: starting a throwaway cluster');
    const pgCluster = await startPostgres();
    let pgResults: LoadResult[] = [];
    let pgCreateResults: LoadResult[] = [];
    try {
      const url = await pgCluster.createDatabase('bench');
      const sbPg = await startChild('strongbox (postgres)', [cliPath, 'server', '--dev', '--storage', url, '--listen', '127.0.0.1:0', '--dev-root-token', TOKEN, '--log-level', 'warn'], /strongbox listening on (http:\/\/\S+)/);
      children.push(sbPg);
      const pgKey = await postJson(`${sbPg.url}/v1/keys`, { type: 'secp256k1' }, auth);
      pgResults = await loadTest({ ...sbTarget, name: 'strongbox postgres', url: `${sbPg.url}/v1/keys/${String(pgKey.json['id'])}/sign`, serverPid: sbPg.proc.pid }, CONCURRENCY, true);
      pgCreateResults = await loadTest({ ...keyCreate, name: 'strongbox postgres key creation', url: `${sbPg.url}/v1/keys`, serverPid: sbPg.proc.pid }, [64], false);
      await sbPg.stop(15_000);
    } finally {
      pgCluster.stop();
    }

    // 6. Peers: SoftHSM2 over PKCS#11 (in process, one core) and moto_server's KMS Sign.
    log('SoftHSM2 PKCS#11 secp256k1 C_Sign: 0.5s warm-up, 2s measured');
    const hsm = softHsmSignRate(IN_PROCESS);
    let motoResults: LoadResult[] = [];
    try {
      const moto = await startMoto();
      try {
        const motoReq = await captureSignRequest(moto.endpoint, MOTO_CREDENTIALS);
        motoResults = await loadTest({ name: 'moto_server KMS Sign', ...motoReq, serverPid: undefined, expect: awsExpect }, [16, TARGET_CONC], false);
      } finally {
        await moto.stop();
      }
    } catch (err) {
      log(`moto_server peer skipped: ${(err as Error).message}`);
    }

    // 7. Scale of data: the same server with 1,000 and then SCALE_KEYS keys stored.
    const scale = await measureScale(auth);

    log('in-process native secp256k1 again: 0.5s warm-up, 2s ecdsaSign');
    const inprocEnd = measureInProcess({ ...IN_PROCESS, verify: false });
    const signPerSec = Math.max(inproc.signPerSec, inprocEnd.signPerSec);
    const inprocRows: Row[] = [
      inProcessRow('in-process ecdsaSign (start)', inproc.signPerSec, signPerSec, inproc.otherCpuPct),
      inProcessRow('in-process ecdsaSign+ecdsaVerify', inproc.signVerifyPerSec, signPerSec, inproc.otherCpuPct),
      inProcessRow('in-process ecdsaSign (end)', inprocEnd.signPerSec, signPerSec, inprocEnd.otherCpuPct),
      inProcessRow('SoftHSM2 PKCS#11 C_Sign (peer)', hsm.signPerSec, signPerSec, undefined),
    ];
    const rows = [
      ...inprocRows,
      ...rowsFor('bare Fastify + sign', bareResults, signPerSec),
      ...rowsFor('bare Fastify + sign + verify', bareVerifyResults, signPerSec),
      ...rowsFor('Strongbox HTTP sign (SQLite)', sbResults, signPerSec),
      ...rowsFor('Strongbox HTTP sign, audit OFF', sbOffResults, signPerSec),
      ...rowsFor('Strongbox HTTP sign (PostgreSQL)', pgResults, signPerSec),
      ...rowsFor('Strongbox key creation (SQLite)', createResults, signPerSec),
      ...rowsFor('Strongbox key creation (PostgreSQL)', pgCreateResults, signPerSec),
      ...rowsFor('Strongbox AWS Sign (SigV4)', sbAwsResults, signPerSec),
      ...rowsFor('moto_server KMS Sign (peer)', motoResults, signPerSec),
      ...rowsFor('Strongbox sign, 1,000 keys', scale.small.sign, signPerSec),
      ...rowsFor(`Strongbox sign, ${fmt(SCALE_KEYS)} keys`, scale.large.sign, signPerSec),
      ...rowsFor('Strongbox GET key, 1,000 keys', scale.small.get, signPerSec),
      ...rowsFor(`Strongbox GET key, ${fmt(SCALE_KEYS)} keys`, scale.large.get, signPerSec),
    ];

    // Report.
    const top = sbResults.find((r) => r.connections === TARGET_CONC)!;
    const topPct = (100 * top.reqPerSec) / signPerSec;
    const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
    const offTop = sbOffResults.find((r) => r.connections === TARGET_CONC)!;
    const auditCostPct = 100 * (1 - top.reqPerSec / offTop.reqPerSec);
    const createRate = createResults[0]?.reqPerSec ?? 0;
    const within = (a: number, b: number): boolean => b <= a * 1.2;
    const targets = [
      `- REST sign ≥ ${TARGET_PCT}% of the one-core in-process sign rate (c=${TARGET_CONC}, durable audit): **${verdict(topPct >= TARGET_PCT && !failed(top))}** — ${topPct.toFixed(1)}% (${fmt(top.reqPerSec)} / ${fmt(signPerSec)} per second).`,
      `- p99 ≤ ${TARGET_P99_MS} ms at c=${TARGET_CONC}: **${verdict(top.p99Ms <= TARGET_P99_MS)}** — ${top.p99Ms} ms.`,
      `- ≥ 3× the SoftHSM2 PKCS#11 rate: **${verdict(top.reqPerSec >= 3 * hsm.signPerSec)}** — ${(top.reqPerSec / hsm.signPerSec).toFixed(2)}× (${fmt(top.reqPerSec)} vs ${fmt(hsm.signPerSec)} per second).`,
      `- key creation ≥ ${fmt(TARGET_KEYS_PER_SEC)}/s on SQLite: **${verdict(createRate >= TARGET_KEYS_PER_SEC)}** — ${fmt(createRate)}/s at c=64 (each durable, audited).`,
      `- durable audit costs ≤ 25% of throughput: **${verdict(auditCostPct <= 25)}** — ${auditCostPct.toFixed(1)}% (${fmt(top.reqPerSec)} with vs ${fmt(offTop.reqPerSec)} without, c=${TARGET_CONC}).`,
      `- with ${fmt(SCALE_KEYS)} keys, sign p50/p99 and store lookups within 20% of the 1,000-key figures, memory bounded: ` +
        `**${verdict(within(scale.small.sign[0]!.p99Ms, scale.large.sign[0]!.p99Ms) && within(scale.small.lookupUs, scale.large.lookupUs))}** — ` +
        `p99 ${scale.small.sign[0]!.p99Ms} → ${scale.large.sign[0]!.p99Ms} ms; uncached store lookup ${scale.small.lookupUs.toFixed(1)} → ${scale.large.lookupUs.toFixed(1)} µs; ` +
        `server RSS ${scale.small.rssMb} → ${scale.large.rssMb} MB (key cache ${fmt(DEFAULT_KEY_CACHE_SIZE)} entries; database ${scale.large.dbMb} MB).`,
    ];
    const table = renderTable(rows);
    const all = [...bareResults, ...bareVerifyResults, ...sbResults, ...sbOffResults, ...pgResults, ...createResults];
    const busiest = Math.max(0, inproc.otherCpuPct ?? 0, inprocEnd.otherCpuPct ?? 0, ...all.map((r) => r.otherCpuPct ?? 0));
    const noiseLine =
      busiest > 20
        ? `⚠ Other processes on the machine used up to ${Math.round(busiest)}% of a core during some runs (column "other CPU"); those rows are pessimistic, rerun on a quiet machine.`
        : `Other processes used at most ${Math.round(busiest)}% of a core during the runs.`;
    const seconds = Math.round((Date.now() - started) / 1000);
    const costText = cost === undefined ? renderCostSkipped() : renderCostSection(cost);
    const section = [
      `Latest run: ${seconds} s in all; ${DURATION} s per load run, after a ${WARMUP_SEC} s warm-up per server.`,
      '',
      describeMachineMarkdown(machine),
      '',
      '### Cost per signature (wrk)',
      '',
      COST_START,
      costText,
      COST_END,
      '',
      '### Throughput against one core (autocannon)',
      '',
      table,
      '',
      'Targets (issue "Scale-out on PostgreSQL, and speed close to the hardware limit"):',
      '',
      ...targets,
      '',
      noiseLine,
    ].join('\n');

    console.log(`\n${describeMachineMarkdown(machine)}\n\n${costText.replaceAll('**', '')}\n\n${table}\n\n${targets.join('\n').replaceAll('**', '')}\n${noiseLine}\n`);
    if (cost === undefined) log(`NOTE: the wrk stage was skipped (${WRK_INSTALL_HINT})`);
    if (process.env['BENCH_NO_DOC'] !== '1' && !QUICK) {
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
