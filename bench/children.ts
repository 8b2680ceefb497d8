/**
 * Child processes of the bench (the bare Fastify server and Strongbox). Every child is tracked
 * from spawn to exit and killed when the bench exits for any reason: normal end, thrown error,
 * unhandled rejection, Ctrl-C or SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** running children and how to stop each gracefully */
const live = new Map<ChildProcess, (graceMs?: number) => Promise<void>>();

export interface Child {
  name: string;
  proc: ChildProcess;
  /** the http://host:port the child printed */
  url: string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited */
  stop(graceMs?: number): Promise<void>;
}

function alive(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}

/** Synchronous last resort (safe inside process.on('exit')). */
export function killAllChildren(): void {
  for (const proc of live.keys()) if (alive(proc)) proc.kill('SIGKILL');
  live.clear();
}

let hooksInstalled = false;
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      // SIGTERM first, so a dev-mode Strongbox deletes its temporary data directory; SIGKILL after 2 s.
      const code = 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
      void Promise.all([...live.values()].map((stop) => stop(2_000))).finally(() => {
        killAllChildren();
        process.exit(code);
      });
    });
  }
}

/**
 * Starts `node <args>` and waits until its stdout matches `listening` (whose first group is the
 * URL). Rejects (after killing the child) if it exits first or does not start within `timeoutMs`.
 */
export async function startChild(name: string, args: string[], listening: RegExp, timeoutMs = 20_000): Promise<Child> {
  installHooks();
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      live.delete(proc);
      resolve();
    }),
  );
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    // keep only the tail so a chatty child cannot grow this without bound
    err = (err + d.toString()).slice(-16_384);
  });
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (alive(proc)) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => alive(proc) && proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  live.set(proc, stop);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        if (out.length < 16_384) out += d.toString();
        const m = listening.exec(out);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before listening: ${err}`));
      });
      proc.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    return { name, proc, url, stderr: () => err, stop };
  } catch (e) {
    await stop(1_000);
    throw e;
  }
}
