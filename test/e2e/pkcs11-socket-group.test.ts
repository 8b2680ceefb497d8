/**
 * `--pkcs11-socket-group GROUP`: the built server makes its PKCS#11 socket mode 0660 owned by that
 * group (here `nogroup`, present on every Debian system), the token still serves through it, and a
 * PIN naming a file is refused there (the server would read the file for a peer that may not be
 * allowed to: docs/pkcs11.md). Without the option the socket is 0600 (test/e2e/pkcs11-clients.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { P11RpcClient, RpcError } from '../helpers/p11-rpc-client.js';

const ROOT = 'p11-group-root-token-0123456789';
const GROUP = 'nogroup';
const CKR_PIN_INCORRECT = 0xa0;

describe('PKCS#11 socket shared with a group', { timeout: 120_000 }, () => {
  let dir: string;
  let sb: SpawnedServer;
  let sock: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-p11g-'));
    sock = join(dir, 'p11.sock');
    sb = await spawnServer(['--dev', '--dev-root-token', ROOT, '--pkcs11-listen-unix', sock, '--pkcs11-socket-group', GROUP, '--log-level', 'warn']);
    for (let i = 0; i < 200 && !sb.stdout().includes('pkcs11 (p11-kit) on unix:'); i++) await new Promise((r) => setTimeout(r, 50));
  });

  after(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`the socket is mode 0660 and owned by group ${GROUP}; the token serves through it; a PIN file is refused`, async () => {
    const st = statSync(sock);
    assert.equal(st.isSocket(), true);
    assert.equal(st.mode & 0o777, 0o660);
    const gid = Number(execFileSync('getent', ['group', GROUP], { encoding: 'utf8' }).split(':')[2]);
    assert.equal(st.gid, gid);
    assert.equal(st.uid, process.getuid!());

    const c = await P11RpcClient.connect(sock);
    try {
      await c.initialize();
      const s = await c.openSession();
      const pinFile = join(dir, 'pin');
      writeFileSync(pinFile, ROOT, { mode: 0o600 });
      await assert.rejects(c.login(s, pinFile), (err: unknown) => err instanceof RpcError && err.rv === CKR_PIN_INCORRECT);
      await c.login(s, ROOT);
    } finally {
      c.close();
    }
  });
});
