/** Spawns the built `strongbox server` on 127.0.0.1 port 0 and parses the address it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from './paths.js';

export interface SpawnedServer {
  proc: ChildProcess;
  addr: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM and wait for exit; resolves to the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `cli`: another installation's dist/src/bin/strongbox.js (the measured-installation tests run copies). */
export async function spawnServer(args: string[], env: Record<string, string> = {}, cli: string = cliPath): Promise<SpawnedServer> {
  const proc = spawn(process.execPath, [cli, 'server', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /strongbox listening on (https?:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    proc,
    addr,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export interface ApiResponse {
  status: number;
  body: any;
  requestId: string | null;
}

/** One JSON request to a spawned server (bearer token optional); the body parsed, the request id read. */
export async function api(addr: string, method: string, path: string, token: string | null, body?: unknown): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(addr + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), requestId: res.headers.get('x-request-id') };
}
