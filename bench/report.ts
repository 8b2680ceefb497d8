/** Machine description, the results table (Markdown) and rewriting the marked section of docs/benchmarks.md. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  memoryGiB: number;
  date: string;
  /** 1-minute load average when the bench started (other work on the machine skews results) */
  loadAvg1: number;
  /** the code measured: commit, and whether src/ had uncommitted changes */
  code: string;
}

function describeCode(repoRoot: string): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `commit ${commit}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function describeMachine(repoRoot: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpu = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpu,
    cores: availableParallelism(),
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAvg1: loadavg()[0] ?? 0,
    code: describeCode(repoRoot),
  };
}

export function describeMachineMarkdown(m: Machine): string {
  return [
    `- CPU: ${m.cpu}, ${m.cores} cores available to Node (\`os.availableParallelism()\`); server, load generator and anything else running all share them`,
    `- Memory: ${m.memoryGiB} GiB; OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Date: ${m.date}; 1-minute load average at start: ${m.loadAvg1.toFixed(2)}`,
    `- Code: ${m.code}`,
  ].join('\n');
}

export interface Row {
  target: string;
  conc: string;
  reqPerSec: number | undefined;
  /** mean latency in ms (Little's law: connections / throughput; per operation in-process) */
  mean: string;
  p50: string;
  p99: string;
  serverCpu: string;
  /** server CPU time per request, µs */
  cpuPerReq: string;
  loaderCpu: string;
  otherCpu: string;
  /** percentage of the in-process one-core sign rate */
  pct: number | undefined;
  note?: string;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

const HEADER = ['target', 'conc', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'server CPU', 'server CPU µs/req', 'autocannon CPU', 'other CPU', '% of in-process 1-core'];
/** numeric columns are right-aligned */
const RIGHT = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);

export function renderTable(rows: Row[]): string {
  const body = rows.map((r) => [
    r.target,
    r.conc,
    r.reqPerSec === undefined ? '' : fmtInt(r.reqPerSec),
    r.mean,
    r.p50,
    r.p99,
    r.serverCpu,
    r.cpuPerReq,
    r.loaderCpu,
    r.otherCpu,
    (r.pct === undefined ? '' : `${r.pct.toFixed(1)}%`) + (r.note ? ` ${r.note}` : ''),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => (RIGHT.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (RIGHT.has(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(HEADER), sep, ...body.map(line)].join('\n');
}

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** Replaces the text between the markers (appending a marked section if the file or the markers are missing). */
export function rewriteSection(file: string, content: string): void {
  const block = `${START}\n${content.trim()}\n${END}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(START);
  const end = start < 0 ? -1 : text.indexOf(END, start + START.length);
  const next = start >= 0 && end >= 0 ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
