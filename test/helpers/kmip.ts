/**
 * KMIP test plumbing: a throwaway CA with server and client certificates made by the openssl CLI, a
 * spawned Strongbox with the KMIP listener on, HTTPS JSON calls with the test CA, and raw TLS frames.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnServer, type SpawnedServer } from './server.js';

const execFileAsync = promisify(execFile);

export interface TestPki {
  dir: string;
  file(name: string): string;
  /** a P-256 key and certificate for `cn` (files <name>.key / <name>.crt), signed by the test CA */
  leaf(name: string, cn: string, usage: 'server' | 'client'): Promise<void>;
}

export async function makePki(prefix = 'strongbox-kmip-'): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileAsync('openssl', args, { cwd: dir, encoding: 'utf8' });
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Strongbox KMIP Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return {
    dir,
    file,
    async leaf(name, cn, usage) {
      const ext = usage === 'server' ? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';
      writeFileSync(file(`${name}.ext`), ext);
      await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
      await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '0x' + Math.floor(Math.random() * 2 ** 48).toString(16), '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
    },
  };
}

export interface KmipServer {
  server: SpawnedServer;
  /** https://127.0.0.1:PORT */
  addr: string;
  kmipPort: number;
}

/** Spawns `strongbox server --dev` with HTTPS, mTLS and the KMIP listener on free ports. */
export async function spawnKmipServer(pki: TestPki, clientMap: Record<string, string[]>, rootToken: string, extraArgs: string[] = []): Promise<KmipServer> {
  writeFileSync(pki.file('client-map.json'), JSON.stringify(clientMap));
  const server = await spawnServer(['--dev', '--dev-root-token', rootToken, '--log-level', 'warn', '--tls-cert', pki.file('server.crt'), '--tls-key', pki.file('server.key'), '--tls-client-ca', pki.file('ca.crt'), '--tls-client-map', pki.file('client-map.json'), '--kmip-listen', '127.0.0.1:0', ...extraArgs]);
  const port = await new Promise<number>((resolve, reject) => {
    const look = (): boolean => {
      const m = /strongbox kmip listening on 127\.0\.0\.1:([0-9]+)/.exec(server.stdout());
      if (m) resolve(Number(m[1]));
      return m !== null;
    };
    if (look()) return;
    server.proc.stdout!.on('data', look);
    server.proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${server.stderr()}`)));
  });
  return { server, addr: server.addr, kmipPort: port };
}

/** One JSON request over HTTPS trusting the test CA (bearer token, or a client certificate). */
export function httpsJson(pki: TestPki, url: string, method: string, body: unknown, auth: { token?: string; cert?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth.token !== undefined) headers['authorization'] = `Bearer ${auth.token}`;
    const req = request(
      url,
      {
        method,
        headers,
        ca: readFileSync(pki.file('ca.crt')),
        ...(auth.cert === undefined ? {} : { cert: readFileSync(pki.file(`${auth.cert}.crt`)), key: readFileSync(pki.file(`${auth.cert}.key`)) }),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

/**
 * Sends raw bytes to the KMIP listener over mutual TLS and collects what comes back until the server
 * closes the connection or `expectMessages` whole TTLV messages have arrived (never a timer).
 */
export function rawKmip(pki: TestPki, port: number, client: string, frames: Uint8Array[], expectMessages?: number): Promise<{ data: Buffer; closedByServer: boolean; messages: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(pki.file('ca.crt')), cert: readFileSync(pki.file(`${client}.crt`)), key: readFileSync(pki.file(`${client}.key`)), servername: 'localhost' }, () => {
      for (const f of frames) socket.write(f);
    });
    let data = Buffer.alloc(0);
    let done = false;
    const messages = (): Buffer[] => {
      const out: Buffer[] = [];
      let at = 0;
      while (data.length - at >= 8 && data.length - at >= 8 + data.readUInt32BE(at + 4)) {
        const end = at + 8 + data.readUInt32BE(at + 4);
        out.push(data.subarray(at, end));
        at = end;
      }
      return out;
    };
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ data, closedByServer, messages: messages() });
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      if (expectMessages !== undefined && messages().length >= expectMessages) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (done ? undefined : reject(err)));
  });
}

export const pykmipScript = (repoRoot: string): string => join(repoRoot, 'test', 'e2e', 'kmip', 'pykmip_client.py');

/** Runs test/e2e/kmip/pykmip_client.py with /usr/bin/python3 and parses its JSON. */
export async function runPykmip(repoRoot: string, pki: TestPki, scenario: string, port: number, client: string, version: string, extra: string[] = []): Promise<Record<string, any>> {
  const { stdout } = await execFileAsync('/usr/bin/python3', [pykmipScript(repoRoot), scenario, '127.0.0.1', String(port), pki.file(`${client}.crt`), pki.file(`${client}.key`), pki.file('ca.crt'), version, ...extra], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
}
