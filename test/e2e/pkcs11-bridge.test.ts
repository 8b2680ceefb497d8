/**
 * `strongbox pkcs11-bridge`: Debian's unmodified p11-kit-client.so, with
 * P11_KIT_SERVER_ADDRESS='|<command>' (p11-kit 0.24 runs the command and speaks the RPC protocol over
 * its stdin/stdout), reaches the built server through the bridge — the same address an application
 * uses with `|ssh host strongbox pkcs11-bridge …`, minus ssh. pkcs11-tool lists the token, logs in and
 * signs with -m ECDSA; node:crypto verifies the signature against the REST public key. A socket that
 * does not exist is exit code 10 (UNAVAILABLE), no socket at all a usage error (2).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { cliPath } from '../helpers/paths.js';

const MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
const ROOT = 'p11-bridge-root-token-012345678';

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('strongbox pkcs11-bridge: p11-kit-client.so through a "|command" server address', { timeout: 180_000 }, () => {
  let dir: string;
  let sb: SpawnedServer;
  let sock: string;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-p11b-'));
    sock = join(dir, 'p11.sock');
    sb = await spawnServer(['--dev', '--dev-root-token', ROOT, '--pkcs11-listen-unix', sock, '--log-level', 'warn']);
    for (let i = 0; i < 200 && !sb.stdout().includes('pkcs11 (p11-kit) on unix:'); i++) await new Promise((r) => setTimeout(r, 50));
    env = { P11_KIT_SERVER_ADDRESS: `|${process.execPath} ${cliPath} pkcs11-bridge --socket ${sock}` };
  });

  after(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pkcs11-tool lists the token, logs in and signs with -m ECDSA through the bridge; node:crypto verifies', async () => {
    const slots = await run('pkcs11-tool', ['--module', MODULE, '-L'], env);
    assert.equal(slots.code, 0, slots.stderr);
    assert.match(slots.stdout, /token label\s+: strongbox/);

    const key = await api(sb.addr, 'POST', '/v1/keys', ROOT, { type: 'p256', name: 'bridge-ec' });
    assert.equal(key.status, 201);
    const message = Buffer.from('signed through strongbox pkcs11-bridge');
    const hashFile = join(dir, 'hash');
    writeFileSync(hashFile, createHash('sha256').update(message).digest());
    const sigFile = join(dir, 'sig');
    const s = await run('pkcs11-tool', ['--module', MODULE, '--login', '--pin', ROOT, '--sign', '-m', 'ECDSA', '--id', (key.body.id as string).replace(/-/g, ''), '-i', hashFile, '-o', sigFile], env);
    assert.equal(s.code, 0, s.stderr);
    const pem = (await api(sb.addr, 'GET', '/v1/keys/bridge-ec/public-key?format=pem', ROOT)).body.publicKey as string;
    const sig = readFileSync(sigFile);
    assert.equal(verify('sha256', message, { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, sig), true);
    assert.equal(verify('sha256', Buffer.from('other'), { key: createPublicKey(pem), dsaEncoding: 'ieee-p1363' }, sig), false);

    // The calls were audited by the server as PKCS#11 calls.
    const audit = await api(sb.addr, 'GET', '/v1/audit?afterSeq=0&limit=1000', ROOT);
    assert.ok((audit.body.records as { operation: string }[]).some((r) => r.operation === 'pkcs11.C_Sign'));
  });

  it('a socket that is not there is exit code 10 with the reason on stderr; no socket named is a usage error', async () => {
    const missing = await run(process.execPath, [cliPath, 'pkcs11-bridge', '--socket', join(dir, 'nope.sock')]);
    assert.equal(missing.code, 10);
    assert.match(missing.stderr, /cannot connect to .*nope\.sock: ENOENT/);
    const none = await run(process.execPath, [cliPath, 'pkcs11-bridge'], { STRONGBOX_PKCS11_LISTEN_UNIX: '' });
    assert.equal(none.code, 2);
  });
});
