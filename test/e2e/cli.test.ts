/**
 * End to end: the built CLI (dist/src/bin/strongbox.js, run as a child process) against a spawned
 * server. Covers the operator lifecycle (init with 3 shares / threshold 2, unseal, seal, restart
 * on the same data dir), every key command, exit codes from the error registry
 * (src/protocol/errors.ts, docs/errors.md), the top-level help (compared to a committed snapshot),
 * `server` settings errors, SIGTERM drain, and --dev mode driven with curl and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { cliPath, fixture } from '../helpers/paths.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const execFileAsync = promisify(execFile);

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a child: this process's, minus any STRONGBOX_* (so the host cannot leak in), plus `extra`. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** Runs the built CLI; never rejects on a non-zero exit. Killed after 30 s so a wrongly long-running command cannot hang the suite. */
function cli(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [cliPath, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.once('error', reject);
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    proc.stdin.end(input ?? '');
  });
}

function json(r: Result): any {
  assert.equal(r.code, 0, `expected exit 0, got ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const sha256Hex = (s: string): string => '0x' + createHash('sha256').update(s).digest('hex');

/** A raw HTTP/1.1 connection, to control exactly when each byte of a request reaches the server. */
interface RawConnection {
  socket: Socket;
  data(): string;
  /** resolves once the received bytes match `re`; rejects if the connection closes first */
  until(re: RegExp): Promise<void>;
  closed: Promise<string>;
}

async function rawConnection(addr: string): Promise<RawConnection> {
  const url = new URL(addr);
  const socket = connect(Number(url.port), url.hostname);
  let data = '';
  let ended = false;
  const wake: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    data += d.toString();
    for (const w of wake.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      ended = true;
      for (const w of wake.splice(0)) w();
      resolve(data);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    data: () => data,
    closed,
    async until(re) {
      while (!re.test(data)) {
        if (ended) throw new Error(`connection closed before ${re}: ${JSON.stringify(data)}`);
        await new Promise<void>((resolve) => wake.push(resolve));
      }
    },
  };
}

/** The last HTTP response in a raw byte string. */
function lastResponse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const start = raw.lastIndexOf('HTTP/1.1 ');
  const text = raw.slice(start);
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) };
}

/** Resolves once nothing accepts connections on addr any more (the server has stopped listening). */
async function stoppedListening(addr: string): Promise<void> {
  const url = new URL(addr);
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(Number(url.port), url.hostname);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('strongbox CLI against a spawned server', () => {
  let dir: string;
  let dataDir: string;
  let server: SpawnedServer;
  let token = '';
  let shares: string[] = [];
  const env = (extra: Record<string, string | undefined> = {}) => ({ STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: token, ...extra });
  const sb = (args: string[], extra: Record<string, string | undefined> = {}, input?: string) => cli(args, env(extra), input);

  // state carried through the flow (the tests below run in order)
  let hot: { id: string; publicKey: string; address: string };
  const digest = sha256Hex('strongbox cli e2e');
  let recoverable = '';
  let ciphertext = '';
  let importedP256 = '';
  let importedEd = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-cli-'));
    dataDir = join(dir, 'data');
    server = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
  });

  after(async () => {
    if (server !== undefined) await server.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('operator lifecycle', () => {
    it('operator status --json: a new server is not initialized', async () => {
      const status = json(await sb(['operator', 'status', '--json']));
      assert.equal(status.initialized, false);
      assert.equal(status.sealed, true);
      assert.equal(typeof status.version, 'string');
    });

    it('key commands before init fail (no token exists yet)', async () => {
      const r = await sb(['key', 'list'], { STRONGBOX_TOKEN: 'sbr.not-a-token' });
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
    });

    it('operator init --shares 3 --threshold 2 --json prints 3 shares and a root token once', async () => {
      const init = json(await sb(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_TOKEN: undefined }));
      assert.equal(init.shares.length, 3);
      assert.equal(new Set(init.shares).size, 3);
      for (const s of init.shares) assert.match(s, /^0x[0-9a-f]+$/);
      assert.equal(init.threshold, 2);
      assert.equal(typeof init.rootToken, 'string');
      assert.ok(init.rootToken.length >= 20);
      token = init.rootToken;
      shares = init.shares;
      const status = json(await sb(['operator', 'status', '--json']));
      assert.equal(status.initialized, true);
      assert.equal(status.sealed, true);
      assert.equal(status.sealType, 'shamir');
    });

    it('operator init again exits 7 (ALREADY_INITIALIZED)', async () => {
      const r = await sb(['operator', 'init', '--shares', '1', '--threshold', '1']);
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stderr, /ALREADY_INITIALIZED/);
    });

    it('while sealed, key commands exit 10 (SEALED)', async () => {
      const r = await sb(['key', 'list']);
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /SEALED/);
    });

    it('operator unseal: a malformed share exits 3; the first share shows progress; the second unseals', async () => {
      const bad = await sb(['operator', 'unseal', '0xzz']);
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, /share/);

      const first = await sb(['operator', 'unseal', shares[0]!]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Sealed: 1 of 2/);
      const again = json(await sb(['operator', 'unseal', shares[0]!, '--json']));
      assert.deepEqual(again, { sealed: true, progress: 1, threshold: 2 }, 'a repeated share is not counted twice');

      const second = json(await sb(['operator', 'unseal', shares[1]!, '--json']));
      assert.equal(second.sealed, false);
      const status = json(await sb(['operator', 'status', '--json']));
      assert.equal(status.sealed, false);
    });
  });

  describe('secp256k1 keys', () => {
    it('key create --type secp256k1 --name hot --json', async () => {
      const key = json(await sb(['key', 'create', '--type', 'secp256k1', '--name', 'hot', '--json']));
      assert.equal(key.name, 'hot');
      assert.equal(key.type, 'secp256k1');
      assert.equal(key.origin, 'generated');
      assert.equal(key.exportable, false);
      assert.match(key.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.match(key.publicKey, /^0x04[0-9a-f]{128}$/);
      assert.match(key.address, /^0x[0-9a-fA-F]{40}$/);
      hot = { id: key.id, publicKey: key.publicKey, address: key.address };
    });

    it('a second key with the same name exits 7 (KEY_NAME_TAKEN)', async () => {
      const r = await sb(['key', 'create', '--type', 'p256', '--name', 'hot']);
      assert.equal(r.code, 7, r.stderr);
      assert.match(r.stderr, /KEY_NAME_TAKEN/);
    });

    it('key list shows the key with its name and address', async () => {
      const r = await sb(['key', 'list']);
      assert.equal(r.code, 0, r.stderr);
      const line = r.stdout.split('\n').find((l) => l.startsWith(hot.id));
      assert.ok(line, r.stdout);
      assert.match(line, /secp256k1/);
      assert.match(line, /\bhot\b/);
      assert.ok(line.includes(hot.address));
      const page = json(await sb(['key', 'list', '--json']));
      assert.equal(page.keys.length, 1);
      assert.equal(page.nextCursor, null);
    });

    it('key show hot (by name and by id)', async () => {
      const r = await sb(['key', 'show', 'hot']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^ID\\s+${hot.id}$`, 'm'));
      assert.match(r.stdout, /^Name\s+hot$/m);
      assert.match(r.stdout, /^Type\s+secp256k1$/m);
      assert.match(r.stdout, new RegExp(`^Public key\\s+${hot.publicKey}$`, 'm'));
      assert.match(r.stdout, new RegExp(`^Address\\s+${hot.address}$`, 'm'));
      const byId = json(await sb(['key', 'show', hot.id, '--json']));
      assert.equal(byId.name, 'hot');
      assert.equal(byId.publicKey, hot.publicKey);
    });

    it('key public-key hot --format pem|jwk|compressed|hex|der all describe the same point', async () => {
      const pem = await sb(['key', 'public-key', 'hot', '--format', 'pem']);
      assert.equal(pem.code, 0, pem.stderr);
      assert.match(pem.stdout, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
      const spki = createPublicKey(pem.stdout).export({ type: 'spki', format: 'der' });
      assert.ok(spki.toString('hex').endsWith(hot.publicKey.slice(2)));
      const def = await sb(['key', 'public-key', 'hot']);
      assert.equal(def.stdout, pem.stdout, 'pem is the default');

      const jwk = await sb(['key', 'public-key', 'hot', '--format', 'jwk']);
      assert.equal(jwk.code, 0, jwk.stderr);
      const j = JSON.parse(jwk.stdout);
      assert.equal(j.kty, 'EC');
      assert.equal(j.crv, 'secp256k1');
      assert.equal('0x04' + Buffer.from(j.x, 'base64url').toString('hex') + Buffer.from(j.y, 'base64url').toString('hex'), hot.publicKey);

      const compressed = await sb(['key', 'public-key', 'hot', '--format', 'compressed']);
      assert.equal(compressed.code, 0, compressed.stderr);
      const point = secp256k1.Point.fromBytes(Buffer.from(hot.publicKey.slice(2), 'hex'));
      assert.equal(compressed.stdout.trim(), '0x' + Buffer.from(point.toBytes(true)).toString('hex'));

      const hex = await sb(['key', 'public-key', 'hot', '--format', 'hex']);
      assert.equal(hex.stdout.trim(), hot.publicKey);
      const der = await sb(['key', 'public-key', 'hot', '--format', 'der']);
      assert.equal(der.stdout.trim(), '0x' + spki.toString('hex'));

      const bad = await sb(['key', 'public-key', 'hot', '--format', 'xml']);
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, /format/);
    });

    it('key sign hot --digest --encoding recoverable --json', async () => {
      const sig = json(await sb(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'recoverable', '--json']));
      assert.equal(sig.encoding, 'recoverable');
      assert.match(sig.signature, /^0x[0-9a-f]{130}$/);
      assert.ok(sig.recoveryId === 0 || sig.recoveryId === 1);
      assert.equal(parseInt(sig.signature.slice(-2), 16), sig.recoveryId);
      assert.equal(sig.keyVersion, 1);
      const ok = secp256k1.verify(Buffer.from(sig.signature.slice(2, 130), 'hex'), Buffer.from(digest.slice(2), 'hex'), Buffer.from(hot.publicKey.slice(2), 'hex'), {
        prehash: false,
        lowS: true,
        format: 'compact',
      });
      assert.equal(ok, true);
      recoverable = sig.signature;

      const human = await sb(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'recoverable']);
      assert.equal(human.code, 0, human.stderr);
      assert.equal(human.stdout, `${recoverable}\nrecoveryId ${sig.recoveryId}\n`, 'deterministic: same signature again');
    });

    it('key sign with --message (sha256 default and keccak256) equals signing the digest', async () => {
      const message = '0x' + Buffer.from('strongbox cli e2e').toString('hex');
      const viaMessage = json(await sb(['key', 'sign', 'hot', '--message', message, '--encoding', 'recoverable', '--json']));
      assert.equal(viaMessage.signature, recoverable);
      const keccak = json(await sb(['key', 'sign', 'hot', '--message', message, '--hash', 'keccak256', '--encoding', 'raw', '--json']));
      assert.notEqual(keccak.signature, recoverable.slice(0, 130));
    });

    it('key verify exits 0 for a valid signature and 1 for an invalid one', async () => {
      const valid = await sb(['key', 'verify', 'hot', '--digest', digest, '--signature', recoverable, '--encoding', 'recoverable']);
      assert.equal(valid.code, 0, valid.stderr);
      assert.equal(valid.stdout.trim(), 'valid');
      const otherDigest = await sb(['key', 'verify', 'hot', '--digest', sha256Hex('something else'), '--signature', recoverable, '--encoding', 'recoverable']);
      assert.equal(otherDigest.code, 1, otherDigest.stderr);
      assert.equal(otherDigest.stdout.trim(), 'invalid');
      const flipped = recoverable.slice(0, 10) + (recoverable[10] === '0' ? '1' : '0') + recoverable.slice(11);
      const tampered = await sb(['key', 'verify', 'hot', '--digest', digest, '--signature', flipped, '--encoding', 'recoverable', '--json']);
      assert.equal(tampered.code, 1, tampered.stderr);
      assert.deepEqual(JSON.parse(tampered.stdout), { valid: false });
    });
  });

  describe('aes256 keys', () => {
    it('key create --type aes256 has a key check value and no public key', async () => {
      const key = json(await sb(['key', 'create', '--type', 'aes256', '--name', 'vault', '--json']));
      assert.equal(key.type, 'aes256');
      assert.match(key.kcv, /^0x[0-9a-f]+$/);
      assert.equal(key.publicKey, undefined);
      const pk = await sb(['key', 'public-key', 'vault']);
      assert.equal(pk.code, 3, pk.stderr);
      const sign = await sb(['key', 'sign', 'vault', '--digest', digest]);
      assert.equal(sign.code, 3, sign.stderr);
      assert.match(sign.stderr, /UNSUPPORTED_OPERATION/);
    });

    it('key encrypt / decrypt round trip with AAD; the wrong AAD exits 3 (DECRYPTION_FAILED)', async () => {
      const plaintext = '0x' + Buffer.from('attack at dawn').toString('hex');
      const enc = await sb(['key', 'encrypt', 'vault', '--plaintext', plaintext, '--aad', '0x0102']);
      assert.equal(enc.code, 0, enc.stderr);
      ciphertext = enc.stdout.trim();
      assert.match(ciphertext, /^0x[0-9a-f]+$/);
      assert.ok(!ciphertext.includes(plaintext.slice(2)));
      const dec = await sb(['key', 'decrypt', 'vault', '--ciphertext', ciphertext, '--aad', '0x0102']);
      assert.equal(dec.code, 0, dec.stderr);
      assert.equal(dec.stdout.trim(), plaintext);
      const wrong = await sb(['key', 'decrypt', 'vault', '--ciphertext', ciphertext, '--aad', '0x0103']);
      assert.equal(wrong.code, 3, wrong.stderr);
      assert.match(wrong.stderr, /DECRYPTION_FAILED/);
      assert.equal(wrong.stdout, '');
      const missing = await sb(['key', 'decrypt', 'vault', '--ciphertext', ciphertext]);
      assert.equal(missing.code, 3, missing.stderr);
      const encJson = json(await sb(['key', 'encrypt', 'vault', '--plaintext', plaintext, '--json']));
      assert.equal(encJson.keyVersion, 1);
      assert.notEqual(encJson.ciphertext, ciphertext, 'a fresh nonce each time');
    });

    it('key data-key: the wrapped key decrypts to the plaintext key; --without-plaintext and --bytes', async () => {
      const dk = json(await sb(['key', 'data-key', 'vault', '--json']));
      assert.match(dk.plaintext, /^0x[0-9a-f]{64}$/);
      const dec = json(await sb(['key', 'decrypt', 'vault', '--ciphertext', dk.ciphertext, '--json']));
      assert.equal(dec.plaintext, dk.plaintext);

      const bare = await sb(['key', 'data-key', 'vault', '--without-plaintext', '--bytes', '16']);
      assert.equal(bare.code, 0, bare.stderr);
      assert.doesNotMatch(bare.stdout, /plaintext/);
      const wrapped = /^ciphertext\s+(0x[0-9a-f]+)$/m.exec(bare.stdout)?.[1];
      assert.ok(wrapped, bare.stdout);
      const short = json(await sb(['key', 'decrypt', 'vault', '--ciphertext', wrapped, '--json']));
      assert.match(short.plaintext, /^0x[0-9a-f]{32}$/);

      const tooBig = await sb(['key', 'data-key', 'vault', '--bytes', '65']);
      assert.equal(tooBig.code, 3, tooBig.stderr);
      assert.match(tooBig.stderr, /bytes/);
      const notNumber = await sb(['key', 'data-key', 'vault', '--bytes', 'lots']);
      assert.equal(notNumber.code, 2, notNumber.stderr);
    });
  });

  describe('key import', () => {
    async function openssl(args: string[]): Promise<string> {
      return (await execFileAsync('openssl', args, { encoding: 'utf8' })).stdout;
    }

    it('--type p256 --pem-file with an openssl ecparam (SEC1) key', async () => {
      const keyPath = join(dir, 'p256.pem');
      await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
      assert.match(readFileSync(keyPath, 'utf8'), /BEGIN EC PRIVATE KEY/);
      const key = json(await sb(['key', 'import', '--type', 'p256', '--pem-file', keyPath, '--name', 'imported-p256', '--json']));
      assert.equal(key.type, 'p256');
      assert.equal(key.origin, 'imported');
      importedP256 = key.id;
      const pem = await sb(['key', 'public-key', 'imported-p256']);
      assert.equal(pem.stdout, await openssl(['pkey', '-in', keyPath, '-pubout']));
      // the imported key signs; openssl verifies with its own view of the public key
      const message = Buffer.from('imported p256');
      const sig = json(await sb(['key', 'sign', 'imported-p256', '--message', '0x' + message.toString('hex'), '--json']));
      const msgPath = join(dir, 'p256.msg');
      const sigPath = join(dir, 'p256.sig');
      const pubPath = join(dir, 'p256.pub.pem');
      writeFileSync(msgPath, message);
      writeFileSync(sigPath, Buffer.from(sig.signature.slice(2), 'hex'));
      writeFileSync(pubPath, pem.stdout);
      assert.match(await openssl(['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, msgPath]), /Verified OK/);
    });

    it('--type ed25519 --pem-file with an openssl genpkey (PKCS#8) key; sign and verify by message', async () => {
      const keyPath = join(dir, 'ed.pem');
      await openssl(['genpkey', '-algorithm', 'ed25519', '-out', keyPath]);
      assert.match(readFileSync(keyPath, 'utf8'), /BEGIN PRIVATE KEY/);
      const key = json(await sb(['key', 'import', '--type', 'ed25519', '--pem-file', keyPath, '--json']));
      assert.equal(key.type, 'ed25519');
      importedEd = key.id;
      assert.equal((await sb(['key', 'public-key', key.id])).stdout, await openssl(['pkey', '-in', keyPath, '-pubout']));
      const message = '0x' + Buffer.from('ed25519 via the cli').toString('hex');
      const sig = json(await sb(['key', 'sign', key.id, '--message', message, '--json']));
      assert.equal(sig.encoding, 'raw');
      const ok = await sb(['key', 'verify', key.id, '--message', message, '--signature', sig.signature]);
      assert.equal(ok.code, 0, ok.stderr);
      const compressed = await sb(['key', 'public-key', key.id, '--format', 'compressed']);
      assert.equal(compressed.code, 3, 'Ed25519 has no compressed form');
    });

    it('--hex-file and --from-env (STRONGBOX_PRIVATE_KEY) import the same scalar to the same key material', async () => {
      const scalar = '0x' + '11'.repeat(32);
      const hexPath = join(dir, 'k.hex');
      writeFileSync(hexPath, scalar + '\n');
      const a = json(await sb(['key', 'import', '--type', 'secp256k1', '--hex-file', hexPath, '--json']));
      const b = json(await sb(['key', 'import', '--type', 'secp256k1', '--from-env', '--json'], { STRONGBOX_PRIVATE_KEY: scalar }));
      assert.notEqual(a.id, b.id);
      assert.equal(a.publicKey, b.publicKey);
      assert.equal(a.publicKey, '0x' + Buffer.from(secp256k1.getPublicKey(Buffer.from('11'.repeat(32), 'hex'), false)).toString('hex'));
      const noEnv = await sb(['key', 'import', '--type', 'secp256k1', '--from-env']);
      assert.equal(noEnv.code, 2, noEnv.stderr);
      assert.match(noEnv.stderr, /STRONGBOX_PRIVATE_KEY/);
      const two = await sb(['key', 'import', '--type', 'secp256k1', '--from-env', '--hex-file', hexPath], { STRONGBOX_PRIVATE_KEY: scalar });
      assert.equal(two.code, 2, two.stderr);
    });

    it('a PEM of the wrong curve (secp384r1) exits 3 naming pem', async () => {
      const keyPath = join(dir, 'p384.pem');
      await openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', keyPath]);
      const r = await sb(['key', 'import', '--type', 'p256', '--pem-file', keyPath]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /INVALID_KEY_MATERIAL/);
      assert.match(r.stderr, /\bpem\b/);
    });

    it('an invalid scalar (0) exits 3 naming privateKey', async () => {
      const r = await sb(['key', 'import', '--type', 'secp256k1', '--from-env'], { STRONGBOX_PRIVATE_KEY: '0x' + '00'.repeat(32) });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /INVALID_KEY_MATERIAL/);
      assert.match(r.stderr, /\bprivateKey\b/);
    });
  });

  describe('key certificates', () => {
    it('key certificate set|get|delete: a certificate openssl issued for the key; another key\'s is exit 3, none is exit 6', async () => {
      const key = json(await sb(['key', 'create', '--type', 'p256', '--name', 'cert-cli', '--json']));
      const pub = join(dir, 'cert-cli.pub.pem');
      writeFileSync(pub, (await sb(['key', 'public-key', 'cert-cli'])).stdout);
      const caKey = join(dir, 'cli-ca.key');
      const exec = promisify(execFile);
      await exec('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', caKey]);
      await exec('openssl', ['req', '-new', '-x509', '-key', caKey, '-subj', '/CN=CLI CA', '-days', '1', '-out', join(dir, 'cli-ca.pem')]);
      await exec('openssl', ['req', '-new', '-key', caKey, '-subj', '/CN=cert-cli', '-out', join(dir, 'cert-cli.csr')]);
      await exec('openssl', ['x509', '-req', '-in', join(dir, 'cert-cli.csr'), '-CA', join(dir, 'cli-ca.pem'), '-CAkey', caKey, '-force_pubkey', pub, '-set_serial', '42', '-days', '1', '-out', join(dir, 'cert-cli.pem')]);
      const set = await sb(['key', 'certificate', 'set', 'cert-cli', '--file', join(dir, 'cert-cli.pem')]);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /CN=cert-cli/);
      const got = await sb(['key', 'certificate', 'get', key.id]);
      assert.equal(got.code, 0, got.stderr);
      const der = (pem: string) => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
      assert.equal(der(got.stdout), der(readFileSync(join(dir, 'cert-cli.pem'), 'utf8')));
      assert.equal(json(await sb(['key', 'certificate', 'get', 'cert-cli', '--json'])).serialNumber, '2A');
      const mismatch = await sb(['key', 'certificate', 'set', 'cert-cli', '--file', join(dir, 'cli-ca.pem')]);
      assert.equal(mismatch.code, 3, mismatch.stderr);
      assert.match(mismatch.stderr, /CERTIFICATE_KEY_MISMATCH/);
      const del = await sb(['key', 'certificate', 'delete', 'cert-cli']);
      assert.equal(del.code, 0, del.stderr);
      assert.equal((await sb(['key', 'certificate', 'get', 'cert-cli'])).code, 6);
      assert.equal((await sb(['key', 'certificate', 'set', 'cert-cli'])).code, 2, '--file is required');
    });
  });

  describe('error exit codes', () => {
    it('an unknown key exits 6 (NOT_FOUND)', async () => {
      for (const args of [['key', 'show', 'nope'], ['key', 'sign', 'nope', '--digest', digest], ['key', 'sign', '00000000-0000-4000-8000-000000000000', '--digest', digest]]) {
        const r = await sb(args);
        assert.equal(r.code, 6, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /KEY_NOT_FOUND/);
        assert.equal(r.stdout, '');
      }
    });

    it('a bad hex digest exits 3 and names the digest field', async () => {
      for (const bad of ['0xzz', 'abcd', '0x1234', '0x' + 'ab'.repeat(33), '0xabc']) {
        const r = await sb(['key', 'sign', 'hot', '--digest', bad]);
        assert.equal(r.code, 3, `${bad}: ${r.stderr}`);
        assert.match(r.stderr, /INVALID_ARGUMENT/);
        assert.match(r.stderr, /\bdigest\b/);
      }
    });

    it('other invalid arguments exit 3 naming the field', async () => {
      const both = await sb(['key', 'sign', 'hot', '--digest', digest, '--message', '0x00']);
      assert.equal(both.code, 3, both.stderr);
      const hash = await sb(['key', 'sign', 'hot', '--message', '0x00', '--hash', 'md5']);
      assert.equal(hash.code, 3, hash.stderr);
      assert.match(hash.stderr, /hash/);
      const type = await sb(['key', 'create', '--type', 'rsa']);
      assert.equal(type.code, 3, type.stderr);
      assert.match(type.stderr, /type/);
      const name = await sb(['key', 'create', '--type', 'p256', '--name', 'bad name']);
      assert.equal(name.code, 3, name.stderr);
      assert.match(name.stderr, /name/);
    });

    it('a missing or wrong token exits 4 (UNAUTHENTICATED)', async () => {
      const missing = await sb(['key', 'list'], { STRONGBOX_TOKEN: undefined });
      assert.equal(missing.code, 4, missing.stderr);
      assert.match(missing.stderr, /UNAUTHENTICATED/);
      // Where to put a token, in the CLI's terms (the server's own words are about an HTTP header).
      assert.match(missing.stderr, /no token given: set STRONGBOX_TOKEN \(or pass --token TOKEN/);
      assert.doesNotMatch(missing.stderr, /Authorization: Bearer/);
      const wrong = await sb(['key', 'list'], { STRONGBOX_TOKEN: token + 'x' });
      assert.equal(wrong.code, 4, wrong.stderr);
      assert.match(wrong.stderr, /not valid \(the token from STRONGBOX_TOKEN\)/);
      const wrongFlag = await sb(['key', 'list', '--token', token + 'x'], { STRONGBOX_TOKEN: undefined });
      assert.equal(wrongFlag.code, 4, wrongFlag.stderr);
      assert.match(wrongFlag.stderr, /not valid \(the token from --token\)/);
      assert.ok(!wrongFlag.stderr.includes(token), 'the token is not echoed');
      const seal = await sb(['operator', 'seal'], { STRONGBOX_TOKEN: undefined });
      assert.equal(seal.code, 4, 'sealing needs a token');
      assert.equal(json(await sb(['operator', 'status', '--json'])).sealed, false);
    });

    it('--addr and --token flags override the environment', async () => {
      const r = await cli(['key', 'show', 'hot', '--addr', server.addr, '--token', token, '--json'], { STRONGBOX_ADDR: 'http://127.0.0.1:1', STRONGBOX_TOKEN: 'wrong' });
      assert.equal(json(r).id, hot.id);
    });

    it('an unreachable server exits 10 and says so', async () => {
      const r = await sb(['key', 'list'], { STRONGBOX_ADDR: 'http://127.0.0.1:1' });
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /cannot reach/);
    });

    it('an unknown command or flag exits 2 with usage', async () => {
      const cmd = await sb(['frobnicate']);
      assert.equal(cmd.code, 2);
      assert.match(cmd.stderr, /unknown command "frobnicate"/);
      assert.match(cmd.stderr, /Usage: strongbox/);
      const sub = await sb(['key', 'frobnicate']);
      assert.equal(sub.code, 2);
      assert.match(sub.stderr, /unknown command "key frobnicate"/);
      const flag = await sb(['key', 'list', '--bogus']);
      assert.equal(flag.code, 2);
      assert.match(flag.stderr, /unknown option --bogus\n/);
      assert.match(flag.stderr, /Usage: strongbox key list/);
      const typo = await sb(['key', 'sign', 'hot', '--digest', digest, '--encodng', 'raw']);
      assert.equal(typo.code, 2, typo.stderr);
      assert.match(typo.stderr, /^error: unknown option --encodng; did you mean --encoding\?\n/);
      assert.doesNotMatch(typo.stderr, /positional/, "not parseArgs' advice");
      assert.equal(typo.stdout, '', 'nothing was signed');
      const positional = await sb(['key', 'sign', '--digest', digest]);
      assert.equal(positional.code, 2, positional.stderr);
      assert.match(positional.stderr, /missing <key>/);
      const extra = await sb(['key', 'show', 'hot', 'extra']);
      assert.equal(extra.code, 2, extra.stderr);
      const noValue = await sb(['key', 'create', '--type']);
      assert.equal(noValue.code, 2, noValue.stderr);
      const required = await sb(['key', 'create']);
      assert.equal(required.code, 2, required.stderr);
      assert.match(required.stderr, /--type is required/);
    });
  });

  describe('help', () => {
    it('strongbox --help matches test/e2e/__snapshots__/help.txt', async () => {
      const snapshot = fixture('e2e', '__snapshots__', 'help.txt');
      assert.ok(existsSync(snapshot), `missing snapshot ${snapshot}: create it from the output of 'strongbox --help'`);
      const r = await cli(['--help']);
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, readFileSync(snapshot, 'utf8'));
      const h = await cli(['help']);
      assert.equal(h.stdout, r.stdout);
    });

    it('strongbox with no arguments prints the help and exits 2', async () => {
      const r = await cli([]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, readFileSync(fixture('e2e', '__snapshots__', 'help.txt'), 'utf8'));
    });

    it('every command listed in the help has --help of its own that exits 0', async () => {
      const help = readFileSync(fixture('e2e', '__snapshots__', 'help.txt'), 'utf8');
      const commands = [...help.matchAll(/^ {2}(\S+(?: [a-z-]+)?)\s{2,}/gm)].map((m) => m[1]!.split(' '));
      assert.ok(commands.length >= 15, `parsed ${commands.length} commands`);
      for (const c of commands) {
        const r = await cli([...c, '--help']);
        assert.equal(r.code, 0, c.join(' '));
        assert.match(r.stdout, new RegExp(`^Usage: strongbox ${c.join(' ')}`));
      }
    });

    it('each command group has a help page listing its commands, one line each', async () => {
      const help = readFileSync(fixture('e2e', '__snapshots__', 'help.txt'), 'utf8');
      const listed = [...help.matchAll(/^ {2}(\S+(?: [a-z-]+)*?)\s{2,}(.*)$/gm)].map((m) => ({ path: m[1]!, summary: m[2]! }));
      for (const group of ['key', 'key rules', 'operator', 'wallet', 'token', 'approval', 'aws-credentials', 'policy', 'audit']) {
        const r = await cli([...group.split(' '), '--help']);
        assert.equal(r.code, 0, `${group} --help: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: strongbox ${group} <command>`));
        const members = listed.filter((c) => c.path.startsWith(group + ' '));
        assert.ok(members.length >= 2, group);
        for (const c of members) assert.ok(r.stdout.includes(`  ${c.path}  `) && r.stdout.includes(c.summary), `${group} --help lists ${c.path}`);
        assert.equal(r.stdout.split('\n').filter((l) => /^ {2}\S/.test(l)).length, members.length, `${group}: one line per command`);
      }
      const bare = await cli(['operator']);
      assert.equal(bare.code, 2, 'a group alone is a usage error, like strongbox alone');
      assert.match(bare.stdout, /^Usage: strongbox operator <command>/);
    });

    it("a command's help lists every option with its meaning and default", async () => {
      const r = await cli(['key', 'sign', '--help']);
      assert.equal(r.code, 0);
      for (const line of [/^ {2}--digest HEX +\S/m, /^ {2}--message HEX +\S/m, /^ {2}--hash sha256\|keccak256\|sha384\|sha512\n +.*\[default: sha256\]$/m, /^ {2}--encoding der\|raw\|recoverable +.*\[default: der/m, /^ {2}--addr URL +.*\[default: STRONGBOX_ADDR, else http:\/\/127\.0\.0\.1:8230\]$/m, /^ {2}--token TOKEN +\S/m, /^ {2}--json +\S/m]) {
        assert.match(r.stdout, line);
      }
      const init = await cli(['operator', 'init', '--help']);
      assert.match(init.stdout, /--shares N +.*\[default: 5\]/);
      assert.match(init.stdout, /--threshold M +.*\[default: 3\]/);
    });

    it('--version prints the version the server reports', async () => {
      const r = await cli(['--version']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.trim(), json(await sb(['operator', 'status', '--json'])).version);
    });
  });

  describe('seal and restart', () => {
    let signatureBefore = '';

    it('operator seal makes key sign exit 10 (SEALED)', async () => {
      signatureBefore = json(await sb(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'recoverable', '--json'])).signature;
      assert.equal(signatureBefore, recoverable);
      const seal = await sb(['operator', 'seal']);
      assert.equal(seal.code, 0, seal.stderr);
      assert.match(seal.stdout, /Sealed/);
      const r = await sb(['key', 'sign', 'hot', '--digest', digest]);
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /SEALED/);
      assert.equal(r.stdout, '');
      const status = json(await sb(['operator', 'status', '--json']));
      assert.equal(status.sealed, true);
    });

    it('SIGTERM stops the server with exit code 0 after draining', async () => {
      const code = await server.stop();
      assert.equal(code, 0);
      assert.match(server.stderr(), /received SIGTERM: draining/);
    });

    it('restarted on the same data dir, it is initialized and sealed; one share is not enough', async () => {
      server = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
      const status = json(await sb(['operator', 'status', '--json']));
      assert.equal(status.initialized, true);
      assert.equal(status.sealed, true);
      assert.equal((await sb(['key', 'list'])).code, 10);

      // a share from the environment (the third one: any 2 of 3 work)
      const first = json(await sb(['operator', 'unseal', '--json'], { STRONGBOX_UNSEAL_SHARE: shares[2]! }));
      assert.deepEqual(first, { sealed: true, progress: 1, threshold: 2 });
      const sign = await sb(['key', 'sign', 'hot', '--digest', digest]);
      assert.equal(sign.code, 10, sign.stderr);
    });

    it('the second share, read from stdin, unseals; every key survived', async () => {
      const r = await sb(['operator', 'unseal', '-'], {}, shares[0]! + '\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'Unsealed');

      const key = json(await sb(['key', 'show', 'hot', '--json']));
      assert.equal(key.id, hot.id);
      assert.equal(key.publicKey, hot.publicKey);
      assert.equal(key.address, hot.address);
      const sig = json(await sb(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'recoverable', '--json']));
      assert.equal(sig.signature, signatureBefore, 'same key material: same deterministic signature');

      const dec = await sb(['key', 'decrypt', 'vault', '--ciphertext', ciphertext, '--aad', '0x0102']);
      assert.equal(dec.code, 0, dec.stderr);
      assert.equal(dec.stdout.trim(), '0x' + Buffer.from('attack at dawn').toString('hex'));

      const ids = json(await sb(['key', 'list', '--json'])).keys.map((k: { id: string }) => k.id);
      for (const id of [hot.id, importedP256, importedEd]) assert.ok(ids.includes(id), id);
      // paging with the CLI
      const page1 = json(await sb(['key', 'list', '--limit', '2', '--json']));
      assert.equal(page1.keys.length, 2);
      assert.equal(typeof page1.nextCursor, 'string');
      const page2 = json(await sb(['key', 'list', '--limit', '2', '--cursor', page1.nextCursor, '--json']));
      assert.notEqual(page2.keys[0].id, page1.keys[0].id);
      const human = await sb(['key', 'list', '--limit', '2']);
      assert.match(human.stdout, /\(more: --cursor \S+\)/);
    });
  });
});

describe('strongbox server settings and signals', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-server-'));
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('--listen nonsense exits non-zero naming listen', async () => {
    const r = await cli(['server', '--data-dir', join(dir, 'x'), '--listen', 'nonsense']);
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null, 'exited by itself');
    assert.match(r.stderr, /listen/);
    assert.doesNotMatch(r.stdout, /listening/);
  });

  it('without --data-dir exits non-zero naming --data-dir', async () => {
    const r = await cli(['server', '--listen', '127.0.0.1:0']);
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /--data-dir/);
  });

  it('--dev-root-token without --dev is refused', async () => {
    const r = await cli(['server', '--data-dir', join(dir, 'y'), '--listen', '127.0.0.1:0', '--dev-root-token', 'tok']);
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /dev-root-token/);
  });

  it('SIGTERM drains: a request in flight completes; one arriving during the drain gets 503 problem+json SHUTTING_DOWN', async () => {
    const server = await spawnServer(['--dev', '--dev-root-token', 'drain', '--log-level', 'warn']);
    const sockets: Socket[] = [];
    let signalled = false;
    try {
      const client = { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: 'drain' };
      assert.equal((await cli(['key', 'create', '--type', 'secp256k1', '--name', 'd'], client)).code, 0);
      const body = JSON.stringify({ digest: sha256Hex('drain'), encoding: 'raw' });
      const post = (close: boolean) =>
        `POST /v1/keys/d/sign HTTP/1.1\r\nHost: strongbox\r\nAuthorization: Bearer drain\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}`;

      // B: a finished keep-alive request, then the first header lines of a second one, pipelined:
      // the server has begun parsing B's second request (so B is not an idle connection) ...
      const b = await rawConnection(server.addr);
      sockets.push(b.socket);
      b.socket.write(`GET /v1/sys/health HTTP/1.1\r\nHost: strongbox\r\n\r\n${post(true)}`);
      await b.until(/"initialized"/);
      // A: headers complete (100 Continue proves the server routed it), body held back: in flight.
      const a = await rawConnection(server.addr);
      sockets.push(a.socket);
      a.socket.write(`${post(true)}Expect: 100-continue\r\n\r\n`);
      await a.until(/HTTP\/1\.1 100 Continue/);

      server.proc.kill('SIGTERM');
      signalled = true;
      await stoppedListening(server.addr);
      // B's second request completes only now, during the drain: refused as SHUTTING_DOWN
      b.socket.write('\r\n' + body);
      await b.closed;
      // A, already in flight, is answered normally
      a.socket.write(body);
      const resA = lastResponse(await a.closed);
      assert.equal(resA.status, 200, resA.body);
      assert.match(JSON.parse(resA.body).signature, /^0x[0-9a-f]{128}$/);
      // wait for the exit (a second SIGTERM from stop() would hit the default handler)
      const code = server.proc.exitCode ?? (await once(server.proc, 'exit'))[0];
      assert.equal(code, 0, server.stderr());

      const resB = lastResponse(b.data());
      assert.equal(resB.status, 503, resB.body);
      assert.match(resB.headers['content-type'] ?? '', /^application\/problem\+json/, `body: ${resB.body}`);
      const problem = JSON.parse(resB.body);
      assert.equal(problem.code, 'SHUTTING_DOWN');
      assert.equal(typeof problem.requestId, 'string');
      assert.ok(resB.headers['retry-after'], 'retryable: Retry-After is sent');
    } finally {
      // Release any held request so the drain can finish; never signal twice (a second SIGTERM
      // meets the default handler and kills the server before it deletes its dev data dir).
      for (const s of sockets) s.destroy();
      if (!signalled) await server.stop();
      else if (server.proc.exitCode === null && server.proc.signalCode === null) await once(server.proc, 'exit');
    }
  });

  it('SIGINT also drains and exits 0', async () => {
    const server = await spawnServer(['--data-dir', join(dir, 'sigint'), '--log-level', 'warn']);
    assert.equal(await server.stop('SIGINT'), 0);
    assert.match(server.stderr(), /received SIGINT/);
  });
});

describe('strongbox server --dev', () => {
  let server: SpawnedServer;
  const TOKEN = 'tok';

  async function curl(args: string[]): Promise<{ status: number; body: any }> {
    const { stdout } = await execFileAsync('curl', ['-sS', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' });
    const cut = stdout.lastIndexOf('\n');
    const text = stdout.slice(0, cut);
    return { status: Number(stdout.slice(cut + 1)), body: text === '' ? undefined : JSON.parse(text) };
  }

  before(async () => {
    server = await spawnServer(['--dev', '--dev-root-token', TOKEN, '--log-level', 'warn']);
  });
  after(async () => {
    if (server !== undefined) await server.stop();
  });

  it('says on stderr that dev mode is not for production', () => {
    assert.match(server.stderr(), /DEV MODE/);
    assert.match(server.stderr(), /NOT FOR PRODUCTION/i);
  });

  it('health (curl): initialized and unsealed', async () => {
    const res = await curl([`${server.addr}/v1/sys/health`]);
    assert.equal(res.status, 200);
    assert.equal(res.body.initialized, true);
    assert.equal(res.body.sealed, false);
  });

  it('a key is created and signs with curl, and with the CLI', async () => {
    const headers = ['-H', `authorization: Bearer ${TOKEN}`, '-H', 'content-type: application/json'];
    const created = await curl(['-X', 'POST', ...headers, '--data', JSON.stringify({ type: 'secp256k1', name: 'dev-key' }), `${server.addr}/v1/keys`]);
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'dev-key');
    const digest = sha256Hex('dev mode');
    const signed = await curl(['-X', 'POST', ...headers, '--data', JSON.stringify({ digest, encoding: 'raw' }), `${server.addr}/v1/keys/dev-key/sign`]);
    assert.equal(signed.status, 200);
    assert.match(signed.body.signature, /^0x[0-9a-f]{128}$/);
    const noToken = await curl(['-X', 'POST', '-H', 'content-type: application/json', '--data', JSON.stringify({ digest }), `${server.addr}/v1/keys/dev-key/sign`]);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.body.code, 'UNAUTHENTICATED');

    const viaCli = json(await cli(['key', 'sign', 'dev-key', '--digest', digest, '--encoding', 'raw', '--json'], { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: TOKEN }));
    assert.equal(viaCli.signature, signed.body.signature);
    const verified = await cli(['key', 'verify', 'dev-key', '--digest', digest, '--encoding', 'raw', '--signature', viaCli.signature], { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: TOKEN });
    assert.equal(verified.code, 0, verified.stderr);
    const cliKey = json(await cli(['key', 'create', '--type', 'ed25519', '--json'], { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: TOKEN }));
    const listed = await curl(['-H', `authorization: Bearer ${TOKEN}`, `${server.addr}/v1/keys`]);
    assert.deepEqual(listed.body.keys.map((k: { id: string }) => k.id), [created.body.id, cliKey.id]);
  });

  it('stops with exit 0 and deletes its temporary data dir', async () => {
    const m = /Data dir:\s+(\S+)/.exec(server.stderr());
    assert.ok(m, server.stderr());
    const dataDir = m[1]!;
    assert.ok(existsSync(dataDir));
    assert.equal(await server.stop(), 0);
    assert.equal(existsSync(dataDir), false);
  });
});
