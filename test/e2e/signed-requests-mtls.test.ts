/**
 * Signed requests for a client-certificate principal over HTTPS, against the built server (spawned with
 * --tls-cert/--tls-key/--tls-client-ca/--tls-client-map; CA and certificates made by the openssl CLI).
 * The application key is registered to the certificate's accessor (`cert.<fingerprint>`); the mapped
 * policy requires signing. The certificate alone is refused; with a signature over the https target URI
 * the request passes once; a replay, or a signature over the http:// URI, is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createRequestSigner } from '../../src/sdk/request-signer.js';

const execFileAsync = promisify(execFile);

describe('signed requests of a client-certificate principal over HTTPS', () => {
  let dir: string;
  let server: SpawnedServer;
  let url: string;
  let root: string;
  const pem: Record<string, string> = {};
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileAsync('openssl', args, { cwd: dir, encoding: 'utf8' });
  const appKey = generateKeyPairSync('ed25519');
  const signer = createRequestSigner({ keyId: 'payments-cert-key', privateKey: appKey.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string });

  async function leaf(name: string, cn: string, ext: string): Promise<void> {
    writeFileSync(file(`${name}.ext`), ext);
    await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '0x' + Math.floor(Math.random() * 2 ** 48).toString(16), '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
    pem[`${name}.key`] = readFileSync(file(`${name}.key`), 'utf8');
    pem[`${name}.crt`] = readFileSync(file(`${name}.crt`), 'utf8');
  }

  /** One HTTPS request trusting the test CA, with the client certificate when `cert`, exactly these headers and body bytes. */
  function send(o: { method: string; path: string; headers?: Record<string, string>; body?: Uint8Array | undefined; cert?: boolean }): Promise<{ status: number; body: any }> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: target.hostname,
          port: Number(target.port),
          method: o.method,
          path: o.path,
          agent: false,
          ca: pem['ca.crt'],
          ...(o.cert ? { cert: pem['app.crt'], key: pem['app.key'] } : {}),
          headers: { ...(o.headers ?? {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(o.body.length) }) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(o.body === undefined ? undefined : Buffer.from(o.body));
    });
  }
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-signed-mtls-'));
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Strongbox Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    pem['ca.crt'] = readFileSync(file('ca.crt'), 'utf8');
    await leaf('server', '127.0.0.1', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n');
    await leaf('app', 'payments-svc', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
    writeFileSync(file('client-map.json'), JSON.stringify({ 'payments-svc': ['signed-app'] }));
    server = await spawnServer(['--data-dir', file('data'), '--log-level', 'warn', '--tls-cert', file('server.crt'), '--tls-key', file('server.key'), '--tls-client-ca', file('ca.crt'), '--tls-client-map', file('client-map.json')]);
    url = server.addr;
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const init = await send({ method: 'POST', path: '/v1/sys/init', body: json({ shares: 1, threshold: 1 }) });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    root = init.body.rootToken as string;
    assert.equal((await send({ method: 'POST', path: '/v1/sys/unseal', body: json({ share: init.body.shares[0] }) })).status, 200);
    const auth = { authorization: `Bearer ${root}` };
    const policy = await send({ method: 'PUT', path: '/v1/policies/signed-app', headers: auth, body: json({ statements: [{ effect: 'allow', actions: ['keys:*'], resources: ['*'] }], requireSignedRequests: true }) });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    // the accessor audit records give the certificate (service/access/certificate-principal.ts)
    const accessor = 'cert.' + new X509Certificate(pem['app.crt']!).fingerprint256.replaceAll(':', '').slice(0, 24).toLowerCase();
    const reg = await send({ method: 'POST', path: '/v1/auth/app-keys', headers: auth, body: json({ keyId: 'payments-cert-key', accessor, publicKey: appKey.publicKey.export({ format: 'pem', type: 'spki' }) }) });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
  });
  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('the certificate alone is refused (SIGNATURE_REQUIRED)', async () => {
    const res = await send({ method: 'GET', path: '/v1/keys', cert: true });
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.code, 'SIGNATURE_REQUIRED');
  });

  it('certificate and a signature over the https target URI pass once; the replay is refused', async () => {
    const body = json({ type: 'secp256k1' });
    const headers = await signer.sign('POST', `${url}/v1/keys`, body);
    const first = await send({ method: 'POST', path: '/v1/keys', headers, body, cert: true });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const replay = await send({ method: 'POST', path: '/v1/keys', headers, body, cert: true });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, 'SIGNATURE_REPLAYED');
  });

  it('a signature over the http:// URI of the same request does not verify over HTTPS', async () => {
    const headers = await signer.sign('GET', `${url.replace('https:', 'http:')}/v1/keys`, undefined);
    const res = await send({ method: 'GET', path: '/v1/keys', headers, cert: true });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'SIGNATURE_INVALID');
  });
});
