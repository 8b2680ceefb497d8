/**
 * Starts a private moto_server (the AWS service emulator, https://docs.getmoto.org/en/latest/docs/server_mode.html)
 * on 127.0.0.1 and a free port for one test file, so the AWS KMS provider is tested against the
 * AWS wire protocol without contacting AWS. Sets nothing global: the caller passes `endpoint` to
 * its clients and calls `stop()` (an `after` hook) to end the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Dummy credentials for moto (it accepts any; these never reach AWS). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

export interface MotoServer {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  port: number;
  /** Ends the server and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (bound on port 0 and released): nothing listens on it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const MISSING = 'moto_server is not installed or not on PATH: install it with `python3 -m pip install "moto[server]"` (the AWS KMS provider tests need it)';

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(): Promise<MotoServer> {
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Spawned directly (no shell) so child.pid is moto's own process (pyenv shims exec python).
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // Do not leave moto running if the test process exits without calling stop().
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const failure = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error(MISSING) : err));
    child.once('exit', (code, signal) => reject(new Error(`moto_server exited before answering (code ${code}, signal ${signal}): ${stderr.trim()}`)));
  });
  failure.catch(() => undefined);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      // moto's management API answers once the server is up.
      const ready = fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (await Promise.race([ready, failure])) return { endpoint, port, stop };
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`);
      await Promise.race([new Promise((r) => setTimeout(r, 100)), failure]);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts moto_server; retries on a fresh port if another process took the chosen one first. */
export async function startMoto(): Promise<MotoServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      if (err instanceof Error && err.message === MISSING) throw err;
      last = err;
    }
  }
  throw last;
}
