/**
 * The kernel's credentials of a Unix-socket peer (SO_PEERCRED, socket(7)), through Strongbox's own
 * N-API addon (native/peercred/peercred.c, built by scripts/build-native.mjs into build/peercred.node).
 * Node has no API for them. When the addon is missing (no C compiler at build time, not Linux) caller
 * measurement is unavailable: tokens cannot be bound to a measurement, and policies that condition on
 * `caller.*` match nothing.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
  /** a pidfd for the connecting process (SO_PEERPIDFD, Linux ≥ 6.5), or -1 */
  pidfd: number;
}

interface Addon {
  peerCred(fd: number): PeerCredentials;
  pidfdAlive(pidfd: number): boolean;
  closeFd(fd: number): void;
}

/** build/peercred.node at the installation root (this file is dist/src/service/access/). */
export const PEERCRED_ADDON_PATH = fileURLToPath(new URL('../../../../build/peercred.node', import.meta.url));

let loaded: { addon: Addon | undefined; why: string } | undefined;

function load(): { addon: Addon | undefined; why: string } {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') return (loaded = { addon: undefined, why: 'caller measurement needs Linux (SO_PEERCRED and /proc)' });
  try {
    const addon = createRequire(import.meta.url)(PEERCRED_ADDON_PATH) as Addon;
    loaded = { addon, why: '' };
  } catch (err) {
    loaded = { addon: undefined, why: `the peercred addon is not built (${PEERCRED_ADDON_PATH}: ${(err as NodeJS.ErrnoException).code ?? 'cannot load'}); run npm run build on a machine with a C compiler` };
  }
  return loaded;
}

/** Why caller measurement is unavailable, or undefined when it is available. */
export function peerCredentialsUnavailable(): string | undefined {
  const l = load();
  return l.addon === undefined ? l.why : undefined;
}

/** The peer of an accepted Unix-domain connection; undefined without the addon or a file descriptor. */
export function readPeerCredentials(socket: Socket): PeerCredentials | undefined {
  const addon = load().addon;
  // net.Socket keeps its libuv handle in `_handle`; a Pipe handle exposes the descriptor as `fd`.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (addon === undefined || typeof fd !== 'number' || fd < 0) return undefined;
  return addon.peerCred(fd);
}

/** Whether the process a pidfd refers to still runs (so its pid was not reused). */
export function pidfdAlive(pidfd: number): boolean {
  return load().addon?.pidfdAlive(pidfd) ?? false;
}

export function closePidfd(pidfd: number): void {
  if (pidfd >= 0) load().addon?.closeFd(pidfd);
}
