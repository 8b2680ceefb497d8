/**
 * Issue 19, part 1: callers on the Unix socket. A token bound to an application's measurement (uid,
 * SHA-256 of its executable and of its entry script) works only for that application: the client's script
 * edited after binding, another uid, and any TCP request are refused (403 CALLER_MEASUREMENT_MISMATCH),
 * audited with reason `caller_measurement_mismatch` and counted in a metric. The expected digests are
 * computed by `sha256sum` (coreutils), not by Strongbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { repoRoot } from '../helpers/paths.js';

const ROOT = 'caller-attestation-root-token';
const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]!;
const addonBuilt = existsSync(join(repoRoot, 'build', 'peercred.node'));

// The application: one request over the Unix socket with the token it is given, printing status and body.
const CLIENT = `import { request } from 'node:http';
const req = request({ socketPath: process.env.SOCK, path: '/v1/tokens/self', headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, requestId: res.headers['x-request-id'], body: JSON.parse(body) })));
});
req.end();
`;

/** Runs the client (optionally as another user) and returns what it printed. */
function runClient(script: string, env: Record<string, string>, asUser?: string): Promise<{ status: number; requestId: string; body: any }> {
  const [cmd, args] = asUser === undefined ? [process.execPath, [script]] : ['runuser', ['-u', asUser, '--', process.execPath, script]];
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`client exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim()) as { status: number; requestId: string; body: any });
    }),
  );
}

describe('callers on the Unix socket: tokens bound to an application measurement', { skip: !addonBuilt && 'build/peercred.node not built (no C compiler)' }, () => {
  let dir: string;
  let sock: string;
  let client: string;
  let server: SpawnedServer;
  let bound: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-caller-'));
    // The unprivileged client must reach its script, the node binary and the socket.
    chmodSync(dir, 0o755);
    sock = join(dir, 'api.sock');
    client = join(dir, 'client.mjs');
    writeFileSync(client, CLIENT, { mode: 0o644 });
    server = await spawnServer(['--dev', '--dev-root-token', ROOT, '--listen-unix', sock]);
    // The operator opens the socket to other users (it is created 0600): the binding, not the mode, refuses them.
    chmodSync(sock, 0o666);
    const r = await api(server.addr, 'POST', '/v1/tokens', ROOT, {
      policies: ['signer'],
      bindCaller: { uid: process.getuid!(), exeSha256: sha256sum(process.execPath), scriptSha256: sha256sum(client) },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.bindCaller, { uid: process.getuid!(), exeSha256: sha256sum(process.execPath), scriptSha256: sha256sum(client) });
    bound = r.body.token;
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function auditRecord(requestId: string): Promise<any> {
    const r = await api(server.addr, 'GET', '/v1/audit?limit=1000', ROOT);
    assert.equal(r.status, 200);
    return (r.body.records as any[]).find((x) => x.requestId === requestId);
  }

  async function mismatches(): Promise<number> {
    const res = await fetch(server.addr + '/metrics', { headers: { authorization: `Bearer ${ROOT}` } });
    const m = /^strongbox_caller_measurement_mismatches_total (\d+)$/m.exec(await res.text());
    return Number(m?.[1] ?? 0);
  }

  it('the unmodified application passes', async () => {
    const r = await runClient(client, { SOCK: sock, TOKEN: bound });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.policies, ['signer']);
  });

  it('the same token over TCP is refused (no caller to measure)', async () => {
    const before = await mismatches();
    const r = await api(server.addr, 'GET', '/v1/tokens/self', bound);
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'CALLER_MEASUREMENT_MISMATCH');
    assert.equal(r.body.reason, 'caller_measurement_mismatch');
    assert.equal(await mismatches(), before + 1);
  });

  it('the application with its script modified after binding is refused, audited and counted', async () => {
    const before = await mismatches();
    writeFileSync(client, CLIENT + '// patched\n');
    try {
      const r = await runClient(client, { SOCK: sock, TOKEN: bound });
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.code, 'CALLER_MEASUREMENT_MISMATCH');
      assert.match(r.body.detail, /scriptSha256/);
      const record = await auditRecord(r.requestId);
      assert.ok(record, 'the refusal has an audit record');
      assert.equal(record.reason, 'caller_measurement_mismatch');
      assert.equal(record.outcome, 'denied');
      assert.equal(record.status, 403);
      assert.match(String(record.principal), /./, 'the record names the token accessor');
      assert.equal(await mismatches(), before + 1);
    } finally {
      writeFileSync(client, CLIENT);
    }
    // Restored: the measurement is taken per request, so the original passes again.
    assert.equal((await runClient(client, { SOCK: sock, TOKEN: bound })).status, 200);
  });

  it('the unmodified application run by another uid is refused', async () => {
    const r = await runClient(client, { SOCK: sock, TOKEN: bound }, 'nobody');
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.code, 'CALLER_MEASUREMENT_MISMATCH');
    assert.match(r.body.detail, /uid/);
    assert.equal((await auditRecord(r.requestId))?.reason, 'caller_measurement_mismatch');
  });

  it('an unbound token works from any caller; a bound token mints only bound children and no AWS credentials', async () => {
    const open = await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signer'] });
    assert.equal((await runClient(client, { SOCK: sock, TOKEN: open.body.token }, 'nobody')).status, 200);
    // A child minted through the bound application inherits the binding.
    const admin = await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['admin'], bindCaller: { uid: process.getuid!() } });
    assert.equal(admin.status, 201);
    const minted = await new Promise<any>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', `
        import { request } from 'node:http';
        const req = request({ socketPath: process.env.SOCK, method: 'POST', path: '/v1/tokens', headers: { authorization: 'Bearer ' + process.env.TOKEN, 'content-type': 'application/json' } }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => console.log(b)); });
        req.end(JSON.stringify({ policies: ['admin'] }));`], { env: { ...process.env, SOCK: sock, TOKEN: admin.body.token }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', () => { try { resolve(JSON.parse(out)); } catch (e) { reject(e); } });
    });
    assert.deepEqual(minted.bindCaller, { uid: process.getuid!() });
    const looser = await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signer'], bindCaller: { exeSha256: 'zz' } });
    assert.equal(looser.status, 400);
    assert.match(`${looser.body.field} ${looser.body.detail}`, /exeSha256/);
  });

  it('policies condition on caller attributes', async () => {
    const scriptSha256 = sha256sum(client);
    const put = await api(server.addr, 'PUT', '/v1/policies/app-only', ROOT, {
      statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['*'], conditions: { caller: { uid: [process.getuid!()], scriptSha256: [scriptSha256] } } }],
    });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
    const token = (await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['app-only'] })).body.token as string;
    const listKeys = `import { request } from 'node:http';
const req = request({ socketPath: process.env.SOCK, path: '/v1/keys', headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, requestId: res.headers['x-request-id'], body: JSON.parse(body) })));
});
req.end();
`;
    const app = join(dir, 'list-keys.mjs');
    writeFileSync(app, listKeys, { mode: 0o644 });
    // The condition names another script's digest: this one is denied; over TCP too.
    assert.equal((await runClient(app, { SOCK: sock, TOKEN: token })).status, 403);
    assert.equal((await api(server.addr, 'GET', '/v1/keys', token)).status, 403);
    const put2 = await api(server.addr, 'PUT', '/v1/policies/app-only', ROOT, {
      statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['*'], conditions: { caller: { uid: [process.getuid!()], scriptSha256: [sha256sum(app)] } } }],
    });
    assert.ok(put2.status < 300);
    // A local policy write clears this node's policy cache at once.
    assert.equal((await runClient(app, { SOCK: sock, TOKEN: token })).status, 200);
    assert.equal((await api(server.addr, 'GET', '/v1/keys', token)).status, 403);
    assert.equal(readFileSync(app, 'utf8'), listKeys);
  });
});

describe('without a C compiler: caller measurement reports itself unavailable', () => {
  it('the build still succeeds, and binding a token is refused with a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-nocc-'));
    try {
      // scripts/build-native.mjs with a compiler that fails: exit 0, no addon, a warning.
      mkdirSync(join(dir, 'scripts'));
      cpSync(join(repoRoot, 'native'), join(dir, 'native'), { recursive: true });
      cpSync(join(repoRoot, 'scripts', 'build-native.mjs'), join(dir, 'scripts', 'build-native.mjs'));
      symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
      const built = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], { env: { ...process.env, CC: 'false' }, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      assert.match(built.stderr, /caller measurement will be unavailable/);
      assert.equal(existsSync(join(dir, 'build', 'peercred.node')), false);
      // An installation without the addon (this build's code, no build/).
      cpSync(join(repoRoot, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
      cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
      const server = await spawnServer(['--dev', '--dev-root-token', ROOT], {}, join(dir, 'dist', 'src', 'bin', 'strongbox.js'));
      try {
        const r = await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signer'], bindCaller: { uid: 0 } });
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.equal(r.body.code, 'CALLER_MEASUREMENT_UNAVAILABLE');
        assert.equal(r.body.field, 'bindCaller');
        assert.match(r.body.detail, /peercred addon is not built/);
        // Unbound tokens are unaffected.
        assert.equal((await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signer'] })).status, 201);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
