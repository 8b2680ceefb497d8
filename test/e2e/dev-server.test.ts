/**
 * `strongbox server --dev` (what `npm start` runs), spawned from the built CLI with its own TMPDIR:
 * on a port that is already taken it exits non-zero naming the port, prints no root token or unseal
 * share, and leaves no temporary data directory behind (issue 14, item 12); the same holds for a
 * Unix socket it cannot create and for a failure before binding (an unreadable TLS file); after a
 * normal start, SIGINT and SIGTERM delete the directory the banner announced. The banner also prints
 * the web console's address, which serves it; --no-ui prints none and serves none.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/paths.js';

interface Run {
  /** resolves once the server printed its listening line (rejects if it exits first) */
  listening: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns `strongbox server --dev …` with TMPDIR set to `tmp` and no STRONGBOX_* variables from the host. */
function dev(args: string[], tmp: string): Run {
  const env: NodeJS.ProcessEnv = { TMPDIR: tmp };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_') && k !== 'TMPDIR') env[k] = v;
  const proc = spawn(process.execPath, [cliPath, 'server', '--dev', '--log-level', 'warn', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/strongbox listening on /.test(out)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then((e) => reject(new Error(`exited with ${e.code}: ${out}`)));
  });
  listening.catch(() => undefined);
  // A guard against a hung child (not a timing assertion): kill it so the test fails instead of hanging.
  const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(guard));
  return { listening, exited, output: () => out, kill: (s) => proc.kill(s) };
}

const devDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('strongbox-dev-'));

function assertNoSecrets(output: string): void {
  assert.doesNotMatch(output, /Root token|Unseal share|sbt\./, `no secret printed:\n${output}`);
}

describe('strongbox server --dev', () => {
  let root: string;
  let blocker: Server;
  let busyPort: number;
  let n = 0;
  /** A fresh TMPDIR for one test, so what one run leaves behind cannot fail another. */
  const freshTmp = () => mkdtempSync(join(root, `t${n++}-`));

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'strongbox-dev-test-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
  });

  it('on a busy port: exits non-zero naming the port, prints no token or share, leaves no temporary directory', async () => {
    const tmp = freshTmp();
    const run = dev(['--listen', `127.0.0.1:${busyPort}`], tmp);
    const { code, signal } = await run.exited;
    assert.equal(signal, null, run.output());
    assert.equal(code, 3, run.output());
    assert.match(run.output(), new RegExp(`127\\.0\\.0\\.1:${busyPort}.*already in use`));
    assert.match(run.output(), /--listen/);
    assertNoSecrets(run.output());
    assert.deepEqual(devDirs(tmp), [], 'the temporary data directory was deleted');
  });

  it('a Unix socket that cannot be created: same — non-zero, no secrets, no directory', async () => {
    const tmp = freshTmp();
    const run = dev(['--listen', '127.0.0.1:0', '--listen-unix', join(tmp, 'no-such-dir', 'sb.sock')], tmp);
    const { code } = await run.exited;
    assert.notEqual(code, 0, run.output());
    assert.match(run.output(), /no-such-dir/);
    assertNoSecrets(run.output());
    assert.deepEqual(devDirs(tmp), []);
  });

  it('a failure while starting (unreadable TLS certificate) deletes the directory too', async () => {
    const tmp = freshTmp();
    const run = dev(['--listen', '127.0.0.1:0', '--tls-cert', join(tmp, 'missing.crt'), '--tls-key', join(tmp, 'missing.key')], tmp);
    const { code } = await run.exited;
    assert.equal(code, 3, run.output());
    assert.match(run.output(), /--tls-cert/);
    assertNoSecrets(run.output());
    assert.deepEqual(devDirs(tmp), []);
  });

  it('--no-ui: no console address printed, and /ui/ is not served', async () => {
    const tmp = freshTmp();
    const run = dev(['--listen', '127.0.0.1:0', '--no-ui'], tmp);
    await run.listening;
    assert.doesNotMatch(run.output(), /Web console/);
    const addr = /strongbox listening on (http:\/\/\S+)/.exec(run.output())?.[1];
    assert.ok(addr !== undefined, run.output());
    const res = await fetch(`${addr}/ui/`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'ROUTE_NOT_FOUND');
    run.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });

  for (const stop of ['SIGINT', 'SIGTERM'] as const) {
    it(`after a normal start, ${stop} exits 0 and deletes the announced directory`, async () => {
      const tmp = freshTmp();
      const run = dev(['--listen', '127.0.0.1:0'], tmp);
      await run.listening;
      const announced = /Data dir: +(\S+)/.exec(run.output())?.[1];
      assert.ok(announced !== undefined, run.output());
      assert.match(run.output(), /Root token: +sbt\./, 'the secrets are printed once listening');
      assert.ok(announced.startsWith(tmp) && existsSync(announced), `${announced} is in TMPDIR and exists`);
      if (stop === 'SIGTERM') {
        // The web console's address is printed with the root token, and it answers there.
        const consoleUrl = /Web console: +(http:\/\/\S+\/ui\/)/.exec(run.output())?.[1];
        assert.ok(consoleUrl !== undefined, run.output());
        const page = await fetch(consoleUrl);
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      }
      run.kill(stop);
      const { code } = await run.exited;
      assert.equal(code, 0, run.output());
      assert.equal(existsSync(announced), false, `${announced} was deleted`);
      assert.deepEqual(devDirs(tmp), []);
    });
  }
});
