/**
 * PyKMIP's own KMIP server (`pykmip-server`, Debian python3-pykmip) as a third-party external KMIP
 * server: a temp directory with its configuration, certificates from the test CA, an empty operation
 * policy directory and its SQLite database, on a free 127.0.0.1 port, TLS 1.2 with client certificates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findFreePort } from './moto.js';
import type { TestPki } from './kmip.js';

export interface PykmipServer {
  port: number;
  address: string;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** `pki` must hold `pykmip-server.crt/.key` (a server certificate for 127.0.0.1). */
export async function startPykmipServer(pki: TestPki): Promise<PykmipServer> {
  const dir = join(pki.dir, 'pykmip');
  mkdirSync(join(dir, 'policies'), { recursive: true });
  const port = await findFreePort();
  const conf = join(dir, 'server.conf');
  writeFileSync(
    conf,
    ['[server]', 'hostname=127.0.0.1', `port=${port}`, `certificate_path=${pki.file('pykmip-server.crt')}`, `key_path=${pki.file('pykmip-server.key')}`, `ca_path=${pki.file('ca.crt')}`, 'auth_suite=TLS1.2', `policy_path=${join(dir, 'policies')}`, 'enable_tls_client_auth=True', 'logging_level=INFO', `database_path=${join(dir, 'pykmip.db')}`, ''].join('\n'),
  );
  // Its own process group: PyKMIP's server forks helper processes (the policy monitor) that inherit its
  // output pipes; stopping only the parent would orphan them and keep this test process alive.
  const proc = spawn('pykmip-server', ['-f', conf, '-l', join(dir, 'server.log')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // Ready when it accepts connections (bounded: 300 attempts), or failed when it exits.
  let ready = false;
  for (let i = 0; i < 300 && proc.exitCode === null && !ready; i++) {
    ready = await accepting(port);
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  if (!ready) {
    killGroup('SIGKILL');
    throw new Error(`pykmip-server did not start: ${out.slice(-2000)}`);
  }
  return {
    port,
    address: `127.0.0.1:${port}`,
    proc,
    log: () => out,
    async stop() {
      killGroup('SIGTERM');
      // PyKMIP's server joins its session threads on SIGTERM, which can take long: kill it after a while.
      const hard = setTimeout(() => killGroup('SIGKILL'), 3000);
      await exited;
      clearTimeout(hard);
      // Its helpers may outlive it for a moment; the group kill reaches them, and our ends of the pipes close.
      killGroup('SIGKILL');
      proc.stdout?.destroy();
      proc.stderr?.destroy();
    },
  };
}
