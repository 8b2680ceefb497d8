/**
 * The bench's wrk parser and cost report (bench/wrk.ts, bench/cost.ts) on canned wrk reports — real
 * output of wrk 4.1 captured on this machine, and variants with the other units and error lines wrk
 * prints — so a change in wrk's text or in the arithmetic cannot silently produce rows of NaN. No load
 * is generated and nothing is timed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWrkLatency, parseWrkOutput } from '../../bench/wrk.js';
import { COST_END, COST_START, costRow, costTargets, KEY_CREATION_LABEL, renderCostSection, renderCostSkipped, renderCostTable, rewriteCostBlock, threadKind, type CostResult } from '../../bench/cost.js';

/** `wrk -t2 -c16 -d1s --latency -s post.lua …/v1/keys` against the dev server. */
const WRK_OK = `Running 1s test @ http://127.0.0.1:35627/v1/keys
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    51.37ms   25.24ms 133.54ms   66.36%
    Req/Sec   160.16     61.68   242.00     52.63%
  Latency Distribution
     50%   49.81ms
     75%   59.04ms
     90%   80.40ms
     99%  133.24ms
  315 requests in 1.01s, 238.10KB read
Requests/sec:    312.50
Transfer/sec:    236.21KB
`;

/** One connection sending an invalid key type: every answer a 400. */
const WRK_NON2XX = `Running 1s test @ http://127.0.0.1:35627/v1/keys
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.65ms   11.04ms  74.71ms   92.38%
    Req/Sec   161.70    163.28   494.00     80.00%
  Latency Distribution
     50%    5.89ms
     75%   11.74ms
     90%   19.31ms
     99%   62.12ms
  163 requests in 1.03s, 88.50KB read
  Non-2xx or 3xx responses: 163
Requests/sec:    158.79
Transfer/sec:     86.22KB
`;

/** The same report with microsecond and second latencies and socket errors (as wrk prints them under overload). */
const WRK_UNITS = WRK_OK.replace('     50%   49.81ms', '     50%  812.00us')
  .replace('     99%  133.24ms', '     99%    1.02s')
  .replace('  315 requests in 1.01s, 238.10KB read', '  315 requests in 1.01s, 238.10KB read\n  Socket errors: connect 0, read 3, write 1, timeout 2');

describe('bench: wrk report parsing', () => {
  it('reads the request count, rate and latency percentiles of a real report', () => {
    assert.deepEqual(parseWrkOutput(WRK_OK), { requests: 315, durationSec: 1.01, reqPerSec: 312.5, p50Ms: 49.81, p99Ms: 133.24, non2xx: 0, errors: 0 });
  });

  it('counts non-2xx answers and socket errors', () => {
    const bad = parseWrkOutput(WRK_NON2XX);
    assert.equal(bad.non2xx, 163);
    assert.equal(bad.requests, 163);
    const units = parseWrkOutput(WRK_UNITS);
    assert.equal(units.p50Ms, 0.812);
    assert.equal(units.p99Ms, 1020);
    assert.equal(units.errors, 6);
  });

  it('converts every latency unit wrk prints, and refuses what it cannot read', () => {
    assert.equal(parseWrkLatency('812.00us'), 0.812);
    assert.equal(parseWrkLatency('12.50ms'), 12.5);
    assert.equal(parseWrkLatency('1.50s'), 1500);
    assert.equal(parseWrkLatency('2.00m'), 120_000);
    assert.equal(parseWrkLatency('1.00h'), 3_600_000);
    assert.ok(Number.isNaN(parseWrkLatency('fast')));
  });

  it('throws, naming the missing numbers, on a report without --latency or on a failed run', () => {
    const noLatency = WRK_OK.replace(/ {2}Latency Distribution[\s\S]*?99%[^\n]*\n/, '');
    assert.throws(() => parseWrkOutput(noLatency), /p50Ms, p99Ms missing/);
    assert.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), /requests, durationSec, reqPerSec, p50Ms, p99Ms missing/);
    assert.throws(() => parseWrkOutput(WRK_OK.replace('Requests/sec:    312.50', 'Requests/sec:    n/a')), /reqPerSec missing/);
  });
});

describe('bench: cost rows and report', () => {
  const limits = { signPerSec: 25_000, signVerifyPerSec: 12_500 }; // 80 µs sign + verify
  const threads = new Map([
    ['event loop', 0.6],
    ['workers', 0.35],
    ['V8 helpers', 0.05],
    ['libuv pool', 0],
  ]);

  it('computes per-signature CPU, the cost ratio and the one-core share from the parsed numbers', () => {
    const single = costRow({ label: 'single', items: 1, connections: 64 }, parseWrkOutput(WRK_OK), 0.0504, threads, limits);
    assert.equal(single.perSec, 312.5);
    assert.equal(single.cpuUs.toFixed(3), '160.000');
    assert.equal(single.ratio!.toFixed(3), '2.000');
    assert.equal(single.oneCorePct!.toFixed(3), '1.250');
    assert.deepEqual(
      single.threads.map(([k]) => k),
      ['event loop', 'workers', 'V8 helpers'],
      'largest first; threads under 0.5 µs left out',
    );
    const batch = costRow({ label: 'batch of 100', items: 100, connections: 4 }, parseWrkOutput(WRK_OK), 3.15, threads, limits);
    assert.equal(batch.perSec, 31_250, 'signatures per second = requests per second × items');
    assert.equal(batch.cpuUs.toFixed(3), '100.000');
    assert.equal(batch.ratio!.toFixed(3), '1.250');
    const keys = costRow({ label: KEY_CREATION_LABEL, items: 0, connections: 64 }, parseWrkOutput(WRK_NON2XX), 0.163, threads, limits);
    assert.equal(keys.perSec, 158.79);
    assert.equal(keys.cpuUs.toFixed(3), '1000.000');
    assert.equal(keys.ratio, undefined, 'key creation has no cost ratio');
    assert.equal(keys.failures, 163);
  });

  it('renders a table, targets and a section without NaN, and marks failed rows', () => {
    const r = parseWrkOutput(WRK_OK);
    const rows = [
      costRow({ label: 'single', items: 1, connections: 1 }, r, 0.1, threads, limits),
      costRow({ label: 'single', items: 1, connections: 64 }, r, 0.05, threads, limits),
      costRow({ label: 'batch of 100', items: 100, connections: 4 }, r, 3, threads, limits),
      costRow({ label: KEY_CREATION_LABEL, items: 0, connections: 64 }, parseWrkOutput(WRK_NON2XX), 0.2, threads, limits),
    ];
    const result: CostResult = { limits, durationSec: 1, rows, autocannon: { reqPerSec: 300, cpuUsPerReq: 170, loaderCpuPct: 20, machineBusyPct: 150 }, loadBefore: 1, loadAfter: 2 };
    const table = renderCostTable(rows);
    assert.equal(table.split('\n').length, 2 + rows.length);
    assert.match(table, /\| batch of 100 \| 4 \| 31,250 \| 49\.81 \| 133\.24 \| 95\.2 \| 1\.19 \| 125\.0% \|/);
    assert.match(table, /\| 163 ⚠ \|$/m, 'a row with failures is marked');
    const section = renderCostSection(result, new Date('2026-12-07T10:00:00Z'));
    assert.doesNotMatch(section, /NaN|undefined|Infinity/);
    const targets = costTargets(result).join('\n');
    assert.equal(costTargets(result).length, 4);
    assert.match(targets, /cost ratio ≤ 1\.3 for batches of 100: \*\*PASS\*\* — 1\.19/);
    assert.match(targets, /key creation ≥ 5,000\/s on SQLite \(wrk, c=64\): \*\*MISS\*\* — 159\/s/);
  });

  it('a run in which no request completed (a batch of 1,000 in a 1 s quick run) shows n/a, not 0 ms or NaN', () => {
    const none = parseWrkOutput(WRK_OK.replace('  315 requests in 1.01s', '  0 requests in 1.01s').replace('Requests/sec:    312.50', 'Requests/sec:      0.00'));
    const row = costRow({ label: 'batch of 1,000', items: 1000, connections: 2 }, none, 1.5, threads, limits);
    assert.equal(row.perSec, 0);
    assert.match(renderCostTable([row]), /\| batch of 1,000 \| 2 \| 0 \| n\/a \| n\/a \| n\/a \| n\/a \| 0\.0% \|/);
  });

  it('says how to install wrk when the stage is skipped', () => {
    assert.match(renderCostSkipped(), /apt-get install wrk/);
  });

  it('names Node threads by kind', () => {
    assert.equal(threadKind(true, 'node'), 'event loop');
    assert.equal(threadKind(false, 'V8 DefaultWorke'), 'V8 helpers');
    assert.equal(threadKind(false, 'libuv-worker'), 'libuv pool');
    assert.equal(threadKind(false, 'node'), 'other node threads');
  });

  it('bench:cost rewrites only its block, inside the full report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-report-'));
    try {
      const file = join(dir, 'benchmarks.md');
      const doc = (cost: string): string => `# B\n\nhand-written\n\n<!-- bench:start -->\nmachine\n\n${COST_START}\n${cost}\n${COST_END}\n\nautocannon table\n<!-- bench:end -->\n\nanalysis\n`;
      writeFileSync(file, doc('old cost'));
      rewriteCostBlock(file, 'new cost');
      assert.equal(readFileSync(file, 'utf8'), doc('new cost'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
