/**
 * wrk (https://github.com/wg/wrk, the Debian package `wrk`) as the bench's load generator: whether it
 * is installed, one run with a Lua script for the POST body, and the parser of its text report. The
 * parser is pure and throws on a report it cannot read, so a changed wrk output can never turn into a
 * row of NaN (test/integration/bench-report.test.ts feeds it canned reports).
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const WRK_INSTALL_HINT = 'wrk is not installed: `apt-get install wrk` (Debian/Ubuntu package; the bench installs nothing)';

export interface WrkResult {
  requests: number;
  durationSec: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** responses with a status outside 2xx/3xx */
  non2xx: number;
  /** socket errors: connect + read + write + timeout */
  errors: number;
}

/** True when a `wrk` binary is on PATH. */
export function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  return r.error === undefined;
}

/** wrk's latency text (`812.00us`, `12.34ms`, `1.02s`, `1.50m`, `2.00h`) in milliseconds; NaN if unreadable. */
export function parseWrkLatency(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 }[m[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
  return v * scale;
}

/** wrk's duration (`5.10s`, `1.00m`, `812.00ms`) in seconds; NaN if unreadable. */
function parseWrkDuration(text: string): number {
  return parseWrkLatency(text) / 1000;
}

/**
 * The numbers of one `wrk --latency` report. Throws naming what is missing when the report lacks the
 * request count, the rate or the 50%/99% latency lines (wrk without --latency, or another tool's text).
 */
export function parseWrkOutput(stdout: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+\w+),/.exec(stdout);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p50 = /^\s+50(?:\.000)?%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s+99(?:\.000)?%\s+(\S+)/m.exec(stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const result: WrkResult = {
    requests: total ? Number(total[1]) : Number.NaN,
    durationSec: total ? parseWrkDuration(total[2]!) : Number.NaN,
    reqPerSec: rate ? Number(rate[1]) : Number.NaN,
    p50Ms: p50 ? parseWrkLatency(p50[1]!) : Number.NaN,
    p99Ms: p99 ? parseWrkLatency(p99[1]!) : Number.NaN,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
  const unreadable = (Object.keys(result) as (keyof WrkResult)[]).filter((k) => !Number.isFinite(result[k]));
  if (unreadable.length > 0) throw new Error(`unreadable wrk report (${unreadable.join(', ')} missing): ${stdout.slice(0, 400)}`);
  return result;
}

export interface WrkOptions {
  url: string;
  /** POST body (JSON) */
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** a directory for the Lua script */
  dir: string;
}

/** One `wrk --latency` run of a POST with the given body and headers (2 threads at most). */
export function runWrk(options: WrkOptions): Promise<WrkResult> {
  const script = join(options.dir, `post-${options.connections}-${options.body.length}.lua`);
  const headers = Object.entries(options.headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(options.body)}\n${headers.join('')}`);
  const threads = Math.min(2, options.connections);
  const args = ['-t', String(threads), '-c', String(options.connections), '-d', `${options.durationSec}s`, '--timeout', '10s', '--latency', '-s', script, options.url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      try {
        resolve(parseWrkOutput(stdout));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
