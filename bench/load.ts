/** One autocannon run against a POST route, reduced to the numbers the table reports. */
import autocannon from 'autocannon';
import { machineBusySeconds, processCpuSeconds, selfCpuSeconds } from './cpu.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  headers: Record<string, string>;
  /** POST with this body, or GET without one */
  body?: string;
  method?: 'GET' | 'POST';
  /** the server's pid, to report its CPU use during the run */
  serverPid?: number | undefined;
}

export interface LoadResult {
  connections: number;
  /** mean of autocannon's per-second request counts */
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** server CPU seconds (user+system, all threads) per completed request, in µs */
  serverCpuUsPerReq: number | undefined;
  /** server CPU time / wall time, in % of one core (undefined without /proc) */
  serverCpuPct: number | undefined;
  /** this process's (the load generator's) CPU time / wall time, in % of one core */
  loaderCpuPct: number;
  /** CPU used by everything else on the machine during the run (kernel softirq included), % of one core */
  otherCpuPct: number | undefined;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const server0 = processCpuSeconds(options.serverPid);
  const self0 = selfCpuSeconds();
  const machine0 = machineBusySeconds();
  const t0 = performance.now();
  const r = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    method: options.method ?? 'POST',
    headers: options.headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    timeout: 10,
  });
  const wall = (performance.now() - t0) / 1000;
  const server1 = processCpuSeconds(options.serverPid);
  const machine1 = machineBusySeconds();
  const serverCpu = server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined;
  const loaderCpu = selfCpuSeconds() - self0;
  return {
    serverCpuUsPerReq: serverCpu === undefined || r.requests.total === 0 ? undefined : (1e6 * serverCpu) / r.requests.total,
    serverCpuPct: serverCpu === undefined ? undefined : (100 * serverCpu) / wall,
    loaderCpuPct: (100 * loaderCpu) / wall,
    otherCpuPct:
      serverCpu === undefined || machine0 === undefined || machine1 === undefined
        ? undefined
        : Math.max(0, (100 * (machine1 - machine0 - serverCpu - loaderCpu)) / wall),
    connections: options.connections,
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}
