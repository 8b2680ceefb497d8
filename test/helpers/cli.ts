/** Runs the built CLI as a child process (environment without the host's STRONGBOX_* variables). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cliPath } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Never rejects on a non-zero exit; `input` is written to stdin. */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_')) clean[k] = v;
    const proc = spawn(process.execPath, [cliPath, ...args], { env: { ...clean, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input);
  });
}

/** The parsed JSON output of a command that must have succeeded. */
export function jsonOf(r: CliResult): any {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Exit code (-1 when killed) and stdout+stderr together, for commands whose output is only searched. */
export async function runCliOutput(args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCli(args, {});
  return { code: r.code ?? -1, out: r.stdout + r.stderr };
}
