/**
 * End to end, against the built server (dist/src/bin/strongbox.js, spawned, not --dev):
 * (a) the Unix-domain socket listener (--listen-unix): mode 0600, health and authenticated signing
 *     over it with node's http client and curl;
 * (b) TLS and mTLS (--tls-cert/--tls-key/--tls-client-ca/--tls-client-map) with a CA, a server
 *     certificate and client certificates made by the openssl CLI: TLS 1.2 only with ECDHE + AEAD
 *     suites (openssl s_client against ECDSA and RSA certificates), HSTS on every HTTPS response,
 *     plain HTTP refused, HTTPS with
 *     the CA trusted, a mapped client certificate authenticating without a bearer token (audit
 *     principal `cert.…`), an unmapped or foreign-CA certificate and no credential refused, bearer
 *     tokens still working, and curl with --cacert/--cert/--key;
 * (c) --audit-stream FILE: one JSON line per request, matching the responses' request ids.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath } from '../helpers/paths.js';

const execFileAsync = promisify(execFile);

/** Environment for a child: this process's minus any STRONGBOX_* (so the host cannot leak in). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_')) env[k] = v;
  return env;
}

interface Server {
  proc: ChildProcess;
  /** the addresses printed by "strongbox listening on …", in order */
  addrs: string[];
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Spawns `strongbox server --listen 127.0.0.1:0 …` and waits for `listeners` "listening on" lines (http, https or unix). */
async function startServer(args: string[], listeners = 1): Promise<Server> {
  const proc = spawn(process.execPath, [cliPath, 'server', '--listen', '127.0.0.1:0', ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const addrs = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start: ${out} ${err}`));
    }, 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = [...out.matchAll(/strongbox listening on (\S+)\n/g)].map((m) => m[1]!);
      if (found.length >= listeners) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    proc,
    addrs,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

interface RequestOptions {
  method?: string;
  path: string;
  body?: unknown;
  token?: string;
  /** a Unix socket path instead of host/port */
  socketPath?: string;
  url?: string;
  tls?: { ca?: string; cert?: string; key?: string };
}

/** One request with node's http/https client, no keep-alive (each TLS connection presents its own client certificate). */
function request(o: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (o.token !== undefined) headers['authorization'] = `Bearer ${o.token}`;
    const base = { method: o.method ?? 'GET', path: o.path, headers, agent: false as const };
    let req: http.ClientRequest;
    const onResponse = (res: http.IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    };
    if (o.socketPath !== undefined) {
      req = http.request({ ...base, socketPath: o.socketPath }, onResponse);
    } else {
      const url = new URL(o.url!);
      const target = { ...base, host: url.hostname, port: Number(url.port) };
      req = url.protocol === 'https:' ? https.request({ ...target, ...(o.tls ?? {}) }, onResponse) : http.request(target, onResponse);
    }
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function curl(args: string[]): Promise<{ status: number; body: any }> {
  const { stdout } = await execFileAsync('curl', ['-sS', '--max-time', '15', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  return { status: Number(stdout.slice(cut + 1)), body: text === '' ? undefined : JSON.parse(text) };
}

/** Initialize (1 share) and unseal through `send`; returns the root token. */
async function initAndUnseal(send: (o: Omit<RequestOptions, 'socketPath' | 'url' | 'tls'>) => Promise<Reply>): Promise<string> {
  const init = await send({ method: 'POST', path: '/v1/sys/init', body: { shares: 1, threshold: 1 } });
  assert.equal(init.status, 200, JSON.stringify(init.body));
  const unseal = await send({ method: 'POST', path: '/v1/sys/unseal', body: { share: init.body.shares[0] } });
  assert.equal(unseal.status, 200, JSON.stringify(unseal.body));
  assert.equal(unseal.body.sealed, false);
  return init.body.rootToken as string;
}

const digest = '0x' + 'ab'.repeat(32);

describe('Unix-domain socket listener', () => {
  let dir: string;
  let sock: string;
  let server: Server;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-unix-'));
    sock = join(dir, 'sb.sock');
    server = await startServer(['--data-dir', join(dir, 'data'), '--listen-unix', sock, '--log-level', 'warn'], 2);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces the socket and creates it with mode 0600', () => {
    assert.equal(server.addrs[1], `unix:${sock}`);
    const st = statSync(sock);
    assert.ok(st.isSocket(), 'a socket file');
    assert.equal(st.mode & 0o777, 0o600, `mode is ${(st.mode & 0o777).toString(8)}`);
  });

  it('health, init, unseal and an authenticated sign work over the socket (node http client)', async () => {
    const health = await request({ socketPath: sock, path: '/v1/sys/health' });
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.equal(health.body.initialized, false);
    assert.match(String(health.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    token = await initAndUnseal((o) => request({ ...o, socketPath: sock }));
    const key = await request({ socketPath: sock, method: 'POST', path: '/v1/keys', body: { type: 'secp256k1', name: 'over-unix' }, token });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const sig = await request({ socketPath: sock, method: 'POST', path: '/v1/keys/over-unix/sign', body: { digest }, token });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    assert.match(sig.body.signature, /^0x30/);
    const v = await request({ socketPath: sock, method: 'POST', path: '/v1/keys/over-unix/verify', body: { digest, signature: sig.body.signature }, token });
    assert.equal(v.body.valid, true);
  });

  it('the socket still requires a token for authenticated routes', async () => {
    const none = await request({ socketPath: sock, method: 'POST', path: '/v1/keys/over-unix/sign', body: { digest } });
    assert.equal(none.status, 401, JSON.stringify(none.body));
    assert.equal(none.body.code, 'UNAUTHENTICATED');
    const bad = await request({ socketPath: sock, method: 'POST', path: '/v1/keys/over-unix/sign', body: { digest }, token: token + 'x' });
    assert.equal(bad.status, 401);
  });

  it('curl --unix-socket works, and the TCP listener serves the same data', async () => {
    const health = await curl(['--unix-socket', sock, 'http://localhost/v1/sys/health']);
    assert.equal(health.status, 200);
    assert.equal(health.body.sealed, false);
    const sig = await curl(['--unix-socket', sock, '-X', 'POST', '-H', `authorization: Bearer ${token}`, '-H', 'content-type: application/json', '-d', JSON.stringify({ digest }), 'http://localhost/v1/keys/over-unix/sign']);
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    const tcp = await request({ url: server.addrs[0]!, path: '/v1/keys/over-unix', token });
    assert.equal(tcp.status, 200, JSON.stringify(tcp.body));
    assert.equal(tcp.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
    assert.equal(tcp.body.name, 'over-unix');
  });

  it('SIGTERM drains and exits 0, keeping the data dir', async () => {
    assert.equal(await server.stop(), 0, server.stderr());
    assert.ok(existsSync(join(dir, 'data')), 'the data dir stays');
  });
});

describe('TLS and mTLS', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let token: string;
  const pem: Record<string, string> = {};
  const file = (name: string) => join(dir, name);

  async function openssl(args: string[]): Promise<void> {
    await execFileAsync('openssl', args, { cwd: dir, encoding: 'utf8' });
  }

  /** A P-256 (or RSA) key and a certificate for `cn` signed by `ca` (files <name>.key / <name>.crt). */
  async function leaf(name: string, cn: string, ca: string, ext: string, keyType: 'p256' | 'rsa' = 'p256'): Promise<void> {
    writeFileSync(file(`${name}.ext`), ext);
    const newKey = keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    await openssl(['req', '-new', ...newKey, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', '0x' + Math.floor(Math.random() * 2 ** 48).toString(16), '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
    pem[`${name}.key`] = readFileSync(file(`${name}.key`), 'utf8');
    pem[`${name}.crt`] = readFileSync(file(`${name}.crt`), 'utf8');
  }

  async function authority(name: string, cn: string): Promise<void> {
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    pem[`${name}.crt`] = readFileSync(file(`${name}.crt`), 'utf8');
  }

  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
  const serverExt = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n';

  /**
   * One handshake with `openssl s_client` (stdin empty, so it closes at once). `cipher` is what was
   * negotiated, undefined when the handshake failed.
   */
  function handshake(target: string, args: string[]): Promise<{ cipher: string | undefined; output: string }> {
    const { hostname, port } = new URL(target);
    return new Promise((resolve, reject) => {
      const proc = spawn('openssl', ['s_client', '-connect', `${hostname}:${port}`, '-CAfile', file('ca.crt'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      proc.once('error', reject);
      proc.once('close', (code) => {
        const cipher = /Cipher is (\S+)/.exec(output)?.[1];
        resolve({ cipher: code === 0 && cipher !== undefined && cipher !== '(NONE)' ? cipher : undefined, output });
      });
    });
  }
  const trusted = () => ({ ca: pem['ca.crt']! });
  const withCert = (name: string) => ({ ca: pem['ca.crt']!, cert: pem[`${name}.crt`]!, key: pem[`${name}.key`]! });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-tls-'));
    await authority('ca', 'Strongbox Test CA');
    await authority('rogue-ca', 'Rogue CA');
    await leaf('server', '127.0.0.1', 'ca', serverExt);
    await leaf('rsa-server', '127.0.0.1', 'ca', serverExt, 'rsa');
    await leaf('payments', 'payments-svc', 'ca', clientExt);
    await leaf('unknown', 'unknown-svc', 'ca', clientExt);
    // the right CN, but signed by a CA the server does not trust
    await leaf('impostor', 'payments-svc', 'rogue-ca', clientExt);
    writeFileSync(file('client-map.json'), JSON.stringify({ 'payments-svc': ['admin'] }));
    server = await startServer([
      '--data-dir', file('data'),
      '--log-level', 'warn',
      '--tls-cert', file('server.crt'),
      '--tls-key', file('server.key'),
      '--tls-client-ca', file('ca.crt'),
      '--tls-client-map', file('client-map.json'),
    ]);
    url = server.addrs[0]!;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    token = await initAndUnseal((o) => request({ ...o, url, tls: trusted() }));
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('TLS 1.2 offers only ECDHE with AEAD suites (openssl s_client, ECDSA certificate); TLS 1.3 works', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      const r = await handshake(url, ['-tls1_2', '-cipher', cipher]);
      assert.equal(r.cipher, cipher, r.output);
    }
    for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384']) {
      const r = await handshake(url, ['-tls1_2', '-cipher', cipher]);
      assert.equal(r.cipher, undefined, `${cipher} (CBC) must be refused: ${r.output}`);
    }
    assert.match(String((await handshake(url, ['-tls1_3'])).cipher), /^TLS_/);
  });

  it('with an RSA certificate, suites without forward secrecy and CBC-SHA1 suites are refused', async () => {
    const rsa = await startServer(['--data-dir', file('rsa-data'), '--log-level', 'warn', '--tls-cert', file('rsa-server.crt'), '--tls-key', file('rsa-server.key')]);
    try {
      const rsaUrl = rsa.addrs[0]!;
      for (const cipher of ['AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES128-GCM-SHA256']) {
        const r = await handshake(rsaUrl, ['-tls1_2', '-cipher', cipher]);
        assert.equal(r.cipher, undefined, `${cipher} must be refused: ${r.output}`);
      }
      for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']) {
        const r = await handshake(rsaUrl, ['-tls1_2', '-cipher', cipher]);
        assert.equal(r.cipher, cipher, r.output);
      }
      const health = await request({ url: rsaUrl, path: '/v1/sys/health', tls: trusted() });
      assert.equal(health.status, 200);
      assert.equal(health.headers['strict-transport-security'], 'max-age=31536000');
    } finally {
      assert.equal(await rsa.stop(), 0, rsa.stderr());
    }
  });

  it('every HTTPS response carries Strict-Transport-Security (success, 401, 404)', async () => {
    const ok = await request({ url, path: '/v1/sys/health', tls: trusted() });
    const denied = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'ed25519' }, tls: trusted() });
    const missing = await request({ url, path: '/v1/no-such-route', tls: trusted() });
    assert.deepEqual([ok.status, denied.status, missing.status], [200, 401, 404]);
    for (const r of [ok, denied, missing]) assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
  });

  it('plain HTTP to the TLS port gets no API response', async () => {
    const plain = url.replace(/^https:/, 'http:');
    const outcome = await request({ url: plain, path: '/v1/sys/health' }).then(
      (r) => r,
      (e: Error) => e,
    );
    if (outcome instanceof Error) {
      // the TLS server drops the connection when the handshake fails
      assert.match(`${outcome.message} ${(outcome as NodeJS.ErrnoException).code ?? ''}`, /socket hang up|ECONNRESET|EPIPE/);
      return;
    }
    assert.notEqual(outcome.status, 200, 'plain HTTP must not be served');
    assert.equal(outcome.body?.initialized, undefined);
  });

  it('HTTPS works with the CA trusted and is refused without it', async () => {
    const health = await request({ url, path: '/v1/sys/health', tls: trusted() });
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.equal(health.body.sealed, false);
    await assert.rejects(request({ url, path: '/v1/sys/health' }), /self[- ]signed|unable to (get|verify)|certificate/i);
  });

  it('a mapped client certificate with no bearer token authenticates; the audit principal is cert.…', async () => {
    const res = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'secp256k1', name: 'via-mtls' }, tls: withCert('payments') });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const requestId = String(res.headers['x-request-id']);
    const sig = await request({ url, method: 'POST', path: '/v1/keys/via-mtls/sign', body: { digest }, tls: withCert('payments') });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));

    const audit = await request({ url, path: '/v1/audit?limit=1000', token, tls: trusted() });
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const rec = (audit.body.records as { requestId: string; principal: string | null; operation: string; outcome: string }[]).find((r) => r.requestId === requestId);
    assert.ok(rec, 'the create has an audit record');
    assert.equal(rec.operation, 'createKey');
    assert.equal(rec.outcome, 'success');
    assert.match(String(rec.principal), /^cert\.[0-9a-f]+$/);
    const signRec = (audit.body.records as { requestId: string; principal: string | null }[]).find((r) => r.requestId === sig.headers['x-request-id']);
    assert.equal(signRec?.principal, rec.principal, 'the same certificate gives the same principal');
  });

  it('the mapped policies apply to the certificate principal (admin cannot read users/* secrets)', async () => {
    const put = await request({ url, method: 'PUT', path: '/v1/secrets/users/alice/x', body: { data: 1 }, tls: withCert('payments') });
    assert.equal(put.status, 403, JSON.stringify(put.body));
    assert.equal(put.body.code, 'PERMISSION_DENIED');
  });

  it('an unmapped certificate, a certificate from another CA, or no credential at all: 401', async () => {
    for (const [what, tls] of [
      ['unknown-svc certificate', withCert('unknown')],
      ['payments-svc certificate from a rogue CA', { ca: pem['ca.crt']!, cert: pem['impostor.crt']!, key: pem['impostor.key']! }],
      ['no certificate', trusted()],
    ] as const) {
      const res = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'ed25519' }, tls });
      assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'UNAUTHENTICATED', what);
    }
  });

  it('bearer tokens still work without a certificate; a token header takes precedence over a certificate', async () => {
    const res = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'ed25519', name: 'via-token' }, token, tls: trusted() });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const bad = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'ed25519' }, token: 'not-a-token', tls: withCert('payments') });
    assert.equal(bad.status, 401, `an invalid bearer token is not rescued by the certificate: ${JSON.stringify(bad.body)}`);
    const both = await request({ url, method: 'POST', path: '/v1/keys', body: { type: 'ed25519' }, token, tls: withCert('unknown') });
    assert.equal(both.status, 201, JSON.stringify(both.body));
  });

  it('curl with --cacert, --cert and --key', async () => {
    const res = await curl(['--cacert', file('ca.crt'), '--cert', file('payments.crt'), '--key', file('payments.key'), '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"type":"p256","name":"via-curl"}', `${url}/v1/keys`]);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.type, 'p256');
    const noCert = await curl(['--cacert', file('ca.crt'), '-X', 'POST', '-H', 'content-type: application/json', '-d', '{"type":"p256"}', `${url}/v1/keys`]);
    assert.equal(noCert.status, 401);
    const health = await curl(['--cacert', file('ca.crt'), `${url}/v1/sys/health`]);
    assert.equal(health.status, 200);
  });
});

describe('--audit-stream FILE', () => {
  let dir: string;
  let server: Server;
  let streamFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-audit-stream-'));
    streamFile = join(dir, 'audit.jsonl');
    server = await startServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn', '--audit-stream', streamFile]);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per request, each with the requestId of its response', async () => {
    const url = server.addrs[0]!;
    const replies: Reply[] = [];
    const send = async (o: Omit<RequestOptions, 'url'>): Promise<Reply> => {
      const r = await request({ ...o, url });
      replies.push(r);
      return r;
    };
    await send({ path: '/v1/sys/health' });
    const token = await initAndUnseal(send);
    await send({ method: 'POST', path: '/v1/keys', body: { type: 'secp256k1', name: 'streamed' }, token });
    await send({ method: 'POST', path: '/v1/keys/streamed/sign', body: { digest }, token });
    await send({ method: 'POST', path: '/v1/keys/streamed/sign', body: { digest: '0x12' }, token }); // 400
    await send({ method: 'POST', path: '/v1/keys/streamed/sign', body: { digest } }); // 401
    await send({ path: '/v1/no-such-route', token }); // 404
    const ids = replies.map((r) => String(r.headers['x-request-id']));
    assert.equal(new Set(ids).size, replies.length, 'distinct request ids');

    // The sink is written after each record is durable; wait (no timing assertion) until all are there.
    // Record lines are the records themselves; each batch's signed head and each checkpoint follow
    // as lines with a `type` (docs/audit.md).
    let lines: string[] = [];
    let all: string[] = [];
    for (let i = 0; i < 200; i++) {
      all = existsSync(streamFile) ? readFileSync(streamFile, 'utf8').split('\n').filter((l) => l !== '') : [];
      lines = all.filter((l) => !l.startsWith('{"type":'));
      if (lines.length >= replies.length && all.at(-1)!.startsWith('{"type":"head"')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(statSync(streamFile).mode & 0o777, 0o600, 'the audit stream file is private');
    assert.ok(readFileSync(streamFile, 'utf8').endsWith('\n'), 'every line is complete');
    const allRecords = lines.map((l) => JSON.parse(l) as { requestId: string; seq: number; status: number; operation: string; interface: string });
    // Besides one line per request: the installation measurement each unseal records (docs/attestation.md).
    assert.equal(allRecords.filter((r) => r.interface === 'system' && r.operation === 'sys.installMeasurement').length, 1, 'one unseal, one measurement record');
    const records = allRecords.filter((r) => r.interface !== 'system');
    assert.equal(records.length, replies.length, `one line per request: ${lines.join('\n')}`);
    for (const [i, reply] of replies.entries()) {
      const matching = records.filter((r) => r.requestId === ids[i]);
      assert.equal(matching.length, 1, `exactly one line for request ${i} (${ids[i]})`);
      assert.equal(matching[0]!.status, reply.status, `request ${i}: the line records the response status`);
    }
    assert.deepEqual(allRecords.map((r) => r.seq), allRecords.map((_, i) => i + 1), 'lines in sequence order, none missing');
    const heads = all.filter((l) => l.startsWith('{"type":"head"')).map((l) => JSON.parse(l) as { seq: number; hash: string; headSignature: { from: number; signature: string } });
    assert.ok(heads.length > 0 && heads.length <= allRecords.length, `one signed head per batch: ${heads.length}`);
    assert.equal(heads.at(-1)!.seq, records.at(-1)!.seq, 'the last line is the signed head of the last batch');
    assert.ok(all.every((l) => !l.startsWith('{"type":') || /^\{"type":"(head|checkpoint)"/.test(l)), 'no other line types');

    // The lines are the stored audit records, text for text.
    const stored = await request({ url, path: '/v1/audit?limit=1000', token });
    const byId = new Map((stored.body.records as (Record<string, unknown> & { requestId: string })[]).map((r) => [r.requestId, r]));
    for (const line of lines) {
      const rec = JSON.parse(line) as Record<string, unknown> & { requestId: string };
      const { hash: _hash, headSignature: _headSignature, ...storedRec } = byId.get(rec.requestId)! as Record<string, unknown>;
      assert.deepEqual(rec, storedRec);
    }
  });
});
