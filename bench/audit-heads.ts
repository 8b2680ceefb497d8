/**
 * `npm run bench:audit`: what the batch head signatures cost the durable audit log. The real writer
 * (audit/log.ts) on a real SQLite store (group commit, fsync on the writer thread), fed by N
 * concurrent appenders the way N in-flight requests feed it, with head signatures (the default) and
 * without (`unsafeUnsignedHeads`, benchmarks only); audit keys loaded in both, so checkpoints are the
 * same. Rounds alternate between the two so drift on a shared machine hits both alike; the median
 * round is reported. Prints a Markdown table (docs/benchmarks.md, "Durable audit: head signatures").
 *
 * Environment: BENCH_AUDIT_MS (measured ms per round, default 2000), BENCH_AUDIT_ROUNDS (default 5).
 */
import { createHmac, generateKeyPairSync, sign as edSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AuditLog } from '../src/audit/log.js';
import type { AuditKeys } from '../src/audit/keys.js';
import type { AuditFields } from '../src/audit/record.js';
import { openSqliteStore } from '../src/storage/sqlite/index.js';

const MEASURE_MS = Math.max(500, Number(process.env['BENCH_AUDIT_MS'] ?? 2000) || 2000);
const ROUNDS = Math.max(1, Number(process.env['BENCH_AUDIT_ROUNDS'] ?? 5) || 5);
const WARMUP_MS = 500;
const CONCURRENCY = [1, 16, 64] as const;

function auditKeys(): AuditKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const hmacKey = Buffer.alloc(32, 7);
  return {
    hmac: (field, value) => createHmac('sha256', hmacKey).update(`${field}=${value}`).digest('hex'),
    signingKey: privateKey,
    publicKeyHex: publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('hex'),
    wipe: () => undefined,
  };
}

/** A sign request's record, as the HTTP layer fills it. */
function fields(keys: AuditKeys, i: number): AuditFields {
  return {
    requestId: `0c5e6c1e-2f0b-4c1e-9a51-${String(i).padStart(12, '0')}`,
    interface: 'http',
    operation: 'sign',
    action: 'keys:sign',
    resource: 'key:bb782bc7-6a3e-4f0e-8d2c-54b0b0d0e1f2',
    principal: 'acc.DWcFWRJt-oKKsQPG',
    clientIp: '127.0.0.1',
    outcome: 'success',
    status: 200,
    code: null,
    reason: 'allowed by root#0',
    inputs: { digest: keys.hmac('digest', '0x' + (i % 256).toString(16).padStart(2, '0').repeat(32)) },
  };
}

interface Round {
  recordsPerSec: number;
  recordsPerBatch: number;
  /** CPU of all threads (main and writer thread, fsync system time included) per record, µs */
  cpuUsPerRecord: number;
}

async function round(signed: boolean, concurrency: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-bench-audit-'));
  const store = openSqliteStore(dir);
  const keys = auditKeys();
  const log = await AuditLog.open(store, { checkpointEvery: 1000, checkpointIntervalMs: 10_000, ...(signed ? {} : { unsafeUnsignedHeads: true }) });
  log.keys = keys;
  try {
    let n = 0;
    const drive = async (ms: number): Promise<void> => {
      const until = performance.now() + ms;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < until) await log.append(fields(keys, n++));
        }),
      );
    };
    await drive(WARMUP_MS);
    const records0 = log.stats.records;
    const batches0 = log.stats.batches;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await drive(MEASURE_MS);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const records = log.stats.records - records0;
    return {
      recordsPerSec: records / seconds,
      recordsPerBatch: records / (log.stats.batches - batches0),
      cpuUsPerRecord: (cpu.user + cpu.system) / records,
    };
  } finally {
    log.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function medianRound(rounds: Round[]): Round {
  return {
    recordsPerSec: median(rounds.map((r) => r.recordsPerSec)),
    recordsPerBatch: median(rounds.map((r) => r.recordsPerBatch)),
    cpuUsPerRecord: median(rounds.map((r) => r.cpuUsPerRecord)),
  };
}

/**
 * CPU µs of one Ed25519 head signature (what each batch adds on the main thread). CPU time, not
 * wall time: on a shared machine a preempted thread's wall time says more about the neighbours.
 */
function signMicros(): number {
  const { privateKey } = generateKeyPairSync('ed25519');
  const msg = Buffer.from('strongbox/audit-head/v1\n' + JSON.stringify({ seq: 123456, hash: 'ab'.repeat(32), from: 123400 }));
  for (let i = 0; i < 500; i++) edSign(null, msg, privateKey);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 5000; i++) edSign(null, msg, privateKey);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 5000;
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const sign = signMicros();
  const lines = [
    '| appenders | head signatures | records/s | records per batch | CPU µs/record (all threads) | signing µs/record (sign ÷ batch) |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  for (const c of CONCURRENCY) {
    const results: Record<'on' | 'off', Round[]> = { on: [], off: [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so neither always meets a warmer (or busier) machine.
      for (const signed of r % 2 === 0 ? [false, true] : [true, false]) results[signed ? 'on' : 'off'].push(await round(signed, c));
      process.stderr.write(`[bench:audit] concurrency ${c}, round ${r + 1}/${ROUNDS}\n`);
    }
    for (const k of ['off', 'on'] as const) {
      const m = medianRound(results[k]);
      lines.push(`| ${c} | ${k} | ${fmt(m.recordsPerSec)} | ${fmt(m.recordsPerBatch, 1)} | ${fmt(m.cpuUsPerRecord, 1)} | ${k === 'on' ? fmt(sign / m.recordsPerBatch, 1) : '–'} |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\nOne Ed25519 head signature: ${fmt(sign, 1)} µs of CPU. ${ROUNDS} rounds of ${MEASURE_MS} ms per row, median.\n`);
}

await main();
