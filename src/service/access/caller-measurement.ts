/**
 * Measures the process at the other end of a Unix-socket connection: the kernel's uid, gid and pid
 * (SO_PEERCRED, recorded at connect()), the SHA-256 of its executable image (/proc/<pid>/exe) and,
 * for an interpreter (node, python, java), of its entry script or jar as named in /proc/<pid>/cmdline,
 * resolved in the process's own root and working directory. docs/attestation.md has the threat model.
 *
 * Race-freedom (decided here, documented there):
 * - The process: with SO_PEERPIDFD (Linux ≥ 6.5) the pidfd names the connecting process itself; it is
 *   checked alive *after* every measurement, so /proc/<pid> cannot have been another process in between
 *   (a pid is not reused while a process, zombie included, holds it). Without it, the start time in
 *   /proc/<pid>/stat is read before and after measuring and must equal the one seen at the connection's
 *   first request.
 * - A changed executable or script: measured again on every request, not once per connection. The
 *   digest of a file is cached by (device, inode, size, mtime, ctime) of the opened file, so a process
 *   that exec()s another program, or a script edited on disk, is re-hashed on its next request, while an
 *   unchanged one costs an open and an fstat.
 */
import { createHash } from 'node:crypto';
import { open, readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { basename, isAbsolute, join } from 'node:path';
import type { CallerFacts } from '../../policy/types.js';
import { closePidfd, pidfdAlive, readPeerCredentials, type PeerCredentials } from './peer-credentials.js';

export type { CallerFacts };

const MAX_CACHED_DIGESTS = 1024;

/** The script argument of an interpreter's command line, or null (`-e`, `-m`, `-c`, a class name…). */
export function entryScript(interpreter: 'node' | 'python' | 'java', argv: readonly string[]): string | null {
  // Options that take the next argument as their value, per interpreter.
  const withValue: Record<typeof interpreter, ReadonlySet<string>> = {
    node: new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--input-type', '--env-file', '--title', '--stack-size']),
    python: new Set(['-W', '-X', '-Q']),
    java: new Set(['-cp', '-classpath', '--class-path', '-p', '--module-path', '--add-modules', '-d', '--describe-module']),
  };
  const noScript: Record<typeof interpreter, ReadonlySet<string>> = {
    node: new Set(['-e', '--eval', '-p', '--print', '-i', '--interactive', '--test', '--run']),
    python: new Set(['-c', '-m']),
    java: new Set(['-m', '--module']),
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv[i + 1] ?? null;
    if (interpreter === 'java' && a === '-jar') return argv[i + 1] ?? null;
    if (noScript[interpreter].has(a)) return null;
    if (withValue[interpreter].has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    // java: the first plain argument is a class name, not a file.
    return interpreter === 'java' ? null : a;
  }
  return null;
}

function interpreterOf(exePath: string): 'node' | 'python' | 'java' | undefined {
  const name = basename(exePath.replace(/ \(deleted\)$/, ''));
  if (/^node[0-9]*$/.test(name)) return 'node';
  if (/^python[0-9.]*$/.test(name)) return 'python';
  if (name === 'java') return 'java';
  return undefined;
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks since boot (proc(5)). */
async function startTime(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  if (start === undefined) throw new Error('unexpected /proc/<pid>/stat');
  return start;
}

interface SocketState {
  cred: PeerCredentials;
  /** without a pidfd: the start time seen at the first request */
  startTime?: string;
}

export interface CallerMeasurer {
  /** The caller of this connection, measured now; undefined when it cannot be measured (see why in the log). */
  measure(socket: Socket): Promise<CallerFacts | undefined>;
}

export function createCallerMeasurer(): CallerMeasurer {
  const sockets = new WeakMap<Socket, SocketState | null>();
  const digests = new Map<string, string>();

  /** SHA-256 of a file, read through one descriptor; cached by the file's identity and change times. */
  async function digestOf(path: string): Promise<string> {
    const fh = await open(path, 'r');
    try {
      const before = await fh.stat({ bigint: true });
      if (!before.isFile()) throw new Error('not a regular file');
      const key = `${before.dev}:${before.ino}:${before.size}:${before.mtimeNs}:${before.ctimeNs}`;
      const cached = digests.get(key);
      if (cached !== undefined) return cached;
      const h = createHash('sha256');
      for await (const chunk of fh.createReadStream({ autoClose: false, start: 0 })) h.update(chunk as Buffer);
      const digest = h.digest('hex');
      const after = await fh.stat({ bigint: true });
      // Written while we read: what we hashed is no single version of the file.
      if (after.ctimeNs !== before.ctimeNs || after.size !== before.size) throw new Error('the file changed while it was measured');
      if (digests.size >= MAX_CACHED_DIGESTS) digests.clear();
      digests.set(key, digest);
      return digest;
    } finally {
      await fh.close();
    }
  }

  function stateOf(socket: Socket): SocketState | undefined {
    let state = sockets.get(socket);
    if (state === undefined) {
      const cred = readPeerCredentials(socket);
      state = cred === undefined ? null : { cred };
      sockets.set(socket, state);
      if (cred !== undefined && cred.pidfd >= 0) socket.once('close', () => closePidfd(cred.pidfd));
    }
    return state ?? undefined;
  }

  async function measureProcess(state: SocketState): Promise<CallerFacts | undefined> {
    const { pid, uid, gid, pidfd } = state.cred;
    if (pid <= 0) return undefined;
    const started = pidfd >= 0 ? undefined : await startTime(pid);
    if (started !== undefined) {
      state.startTime ??= started;
      if (state.startTime !== started) return undefined;
    }
    const proc = `/proc/${pid}`;
    let exeSha256: string | null = null;
    let scriptSha256: string | null = null;
    try {
      const exePath = await readlink(`${proc}/exe`);
      exeSha256 = await digestOf(`${proc}/exe`);
      const interpreter = interpreterOf(exePath);
      if (interpreter !== undefined) {
        const argv = (await readFile(`${proc}/cmdline`, 'utf8')).split('\0');
        if (argv.at(-1) === '') argv.pop();
        const script = entryScript(interpreter, argv);
        // Resolved in the caller's view of the file system: its root (chroot, mount namespace) and cwd.
        if (script !== null) scriptSha256 = await digestOf(isAbsolute(script) ? join(`${proc}/root`, script) : join(`${proc}/cwd`, script));
      }
    } catch {
      // Another uid's /proc/<pid>/exe needs ptrace-read access (CAP_SYS_PTRACE); a deleted script cannot be
      // read. The kernel's uid, gid and pid still stand; the digests stay unknown, so nothing bound to them matches.
      exeSha256 = null;
      scriptSha256 = null;
    }
    // The process measured must still be the one that connected.
    if (pidfd >= 0 ? !pidfdAlive(pidfd) : (await startTime(pid)) !== state.startTime) return undefined;
    return { uid, gid, pid, exeSha256, scriptSha256 };
  }

  return {
    async measure(socket) {
      const state = stateOf(socket);
      if (state === undefined) return undefined;
      try {
        return await measureProcess(state);
      } catch {
        // The process is gone, or its files cannot be read (another uid's /proc, a deleted script):
        // no measurement, so bound tokens are refused and caller conditions do not match.
        return undefined;
      }
    },
  };
}
