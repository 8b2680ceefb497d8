/**
 * The PKCS#11 interface with real, unmodified clients (Debian packages; scripts/test.mjs installs
 * them): p11-kit's `p11-kit-client.so` carries every call to the built server's
 * --pkcs11-listen-unix socket. pkcs11-tool (opensc) lists, logs in, generates and signs; openssl
 * verifies against the public key the REST API exports; OpenSSL's pkcs11 engine makes a
 * self-signed certificate; pkcs11-tool makes an RSA key pair, signs (PKCS#1 v1.5, PSS), verifies and
 * decrypts RSA-OAEP, each result checked by openssl against the REST public key; ssh-keygen -D lists the key and ssh -I logs in to a loopback sshd with
 * it; Java's SunPKCS11 signs with SHA256withECDSA, and with a certificate attached over REST lists
 * the key in its KeyStore and signs with it (verified with the certificate in Java and by openssl); GnuTLS p11tool lists the objects. A weak token
 * sees only its own keys, a wrong PIN is CKR_PIN_INCORRECT, malformed frames end only their own
 * connection, and no token (PIN) reaches the audit log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { encodeFrame } from '../../src/pkcs11/rpc-message.js';
import { callByName, encodeMessage } from '../../src/pkcs11/rpc-calls.js';

const MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so';
const ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';
const ROOT = 'p11-root-token-0123456789abcdef';
const CLIENT_TIMEOUT_MS = 60_000;
const CKR_ENCRYPTED_DATA_INVALID = 0x40;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: CLIENT_TIMEOUT_MS, maxBuffer: 1 << 24, ...(cwd ? { cwd } : {}) }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('PKCS#11 through p11-kit: real clients', { timeout: 600_000 }, () => {
  let dir: string;
  let sb: SpawnedServer;
  let sock: string;
  let env: Record<string, string>;
  let weak: string;
  const tool = (...args: string[]) => run('pkcs11-tool', ['--module', MODULE, ...args], env);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-p11-'));
    sock = join(dir, 'p11.sock');
    sb = await spawnServer(['--dev', '--dev-root-token', ROOT, '--pkcs11-listen-unix', sock, '--log-level', 'warn']);
    for (let i = 0; i < 200 && !sb.stdout().includes('pkcs11 (p11-kit) on unix:'); i++) await new Promise((r) => setTimeout(r, 50));
    env = { P11_KIT_SERVER_ADDRESS: `unix:path=${sock}` };
    // A weak principal: every key action, but only on keys named weak-*.
    assert.equal((await api(sb.addr, 'PUT', '/v1/policies/weak', ROOT, { statements: [{ effect: 'allow', actions: ['keys:*'], resources: ['key:name/weak-*'] }] })).status, 200);
    const t = await api(sb.addr, 'POST', '/v1/tokens', ROOT, { policies: ['weak'], subject: 'weak' });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    weak = t.body.token as string;
  });

  after(async () => {
    await sb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the socket is mode 0600 and the slot shows the strongbox token', async () => {
    assert.equal(statSync(sock).mode & 0o777, 0o600);
    const r = await tool('-L');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /token label\s+: strongbox/);
  });

  it('pkcs11-tool generates an EC P-256 key pair, signs with -m ECDSA; openssl verifies against the REST public key', async () => {
    const gen = await tool('--login', '--pin', ROOT, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'p11-ec');
    assert.equal(gen.code, 0, gen.stderr);
    const key = await api(sb.addr, 'GET', '/v1/keys/p11-ec', ROOT);
    assert.equal(key.status, 200);
    assert.equal(key.body.type, 'p256');
    assert.match(gen.stdout, new RegExp(`ID:\\s+${(key.body.id as string).replace(/-/g, '')}`));
    const listed = await tool('--login', '--pin', ROOT, '-O');
    assert.match(listed.stdout, /Private Key Object; EC[\s\S]*label:\s+p11-ec[\s\S]*sensitive, always sensitive, never extractable/);
    const msg = join(dir, 'msg');
    writeFileSync(msg, 'hello from pkcs11-tool');
    const hash = join(dir, 'msg.sha256');
    assert.equal((await run('openssl', ['dgst', '-sha256', '-binary', '-out', hash, msg])).code, 0);
    const sig = join(dir, 'msg.sig');
    const s = await tool('--login', '--pin', ROOT, '--sign', '-m', 'ECDSA', '--label', 'p11-ec', '-i', hash, '-o', sig, '--signature-format', 'openssl');
    assert.equal(s.code, 0, s.stderr);
    const pem = await api(sb.addr, 'GET', '/v1/keys/p11-ec/public-key?format=pem', ROOT);
    writeFileSync(join(dir, 'p11-ec.pem'), pem.body.publicKey as string);
    const v = await run('openssl', ['dgst', '-sha256', '-verify', join(dir, 'p11-ec.pem'), '-signature', sig, msg]);
    assert.equal(v.stdout.trim(), 'Verified OK', v.stderr);
    // Control: another message does not verify.
    writeFileSync(msg, 'something else');
    assert.notEqual((await run('openssl', ['dgst', '-sha256', '-verify', join(dir, 'p11-ec.pem'), '-signature', sig, msg])).code, 0);
  });

  it('RSA: pkcs11-tool generates an rsa:2048 key pair, signs (SHA256-RSA-PKCS, RSA-PKCS-PSS, RSA-PKCS over a DigestInfo), verifies, decrypts OAEP; openssl checks against the REST public key', async () => {
    const mechs = await tool('-M');
    assert.equal(mechs.code, 0, mechs.stderr);
    for (const m of ['RSA-PKCS-KEY-PAIR-GEN', 'RSA-PKCS', 'SHA256-RSA-PKCS', 'RSA-PKCS-PSS', 'RSA-PKCS-OAEP']) assert.match(mechs.stdout, new RegExp(`^  ${m}, keySize=\\{2048,4096\\}`, 'm'), m);
    const gen = await tool('--login', '--pin', ROOT, '--keypairgen', '--key-type', 'rsa:2048', '--label', 'p11-rsa');
    assert.equal(gen.code, 0, gen.stderr);
    const key = await api(sb.addr, 'GET', '/v1/keys/p11-rsa', ROOT);
    assert.equal(key.status, 200);
    assert.equal(key.body.type, 'rsa2048');
    assert.match(gen.stdout, new RegExp(`ID:\\s+${(key.body.id as string).replace(/-/g, '')}`));
    assert.match(gen.stdout, /Public Key Object; RSA 2048 bits/);
    // pkcs11-tool picks the key to sign, verify or decrypt with by --id (CKA_ID), not by label.
    const rsaId = (key.body.id as string).replace(/-/g, '');
    const pem = join(dir, 'p11-rsa.pem');
    writeFileSync(pem, (await api(sb.addr, 'GET', '/v1/keys/p11-rsa/public-key?format=pem', ROOT)).body.publicKey as string);
    // CKA_MODULUS / CKA_PUBLIC_EXPONENT are the REST key's.
    const pub = await tool('--login', '--pin', ROOT, '--read-object', '--type', 'pubkey', '--id', rsaId, '-o', join(dir, 'p11-rsa.der'));
    assert.equal(pub.code, 0, pub.stderr);
    const fromToken = await run('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', join(dir, 'p11-rsa.der')]);
    assert.equal(fromToken.stdout.trim(), readFileSync(pem, 'utf8').trim(), fromToken.stderr);

    const msg = join(dir, 'rsa.msg');
    writeFileSync(msg, 'hello RSA from pkcs11-tool');
    const hash = join(dir, 'rsa.sha256');
    assert.equal((await run('openssl', ['dgst', '-sha256', '-binary', '-out', hash, msg])).code, 0);
    const digestInfo = join(dir, 'rsa.di');
    writeFileSync(digestInfo, Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), readFileSync(hash)]));
    const other = join(dir, 'rsa.other');
    writeFileSync(other, 'another message');
    const pssArgs = ['--hash-algorithm', 'SHA256', '--mgf', 'MGF1-SHA256', '--salt-len', '32'];
    const pkeyutlVerify = (input: string, sig: string, padding: 'pss' | 'pkcs1') =>
      run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-in', input, '-sigfile', sig, '-pkeyopt', 'digest:sha256', '-pkeyopt', `rsa_padding_mode:${padding}`, ...(padding === 'pss' ? ['-pkeyopt', 'rsa_pss_saltlen:32'] : [])]);

    // CKM_SHA256_RSA_PKCS: the message, hashed by the token.
    const s1 = join(dir, 'rsa-pkcs1.sig');
    const r1 = await tool('--login', '--pin', ROOT, '--sign', '-m', 'SHA256-RSA-PKCS', '--id', rsaId, '-i', msg, '-o', s1);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(readFileSync(s1).length, 256);
    assert.equal((await run('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', s1, msg])).stdout.trim(), 'Verified OK');
    assert.notEqual((await run('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', s1, other])).code, 0);

    // CKM_RSA_PKCS_PSS over a digest (p11-kit 0.24.1 drops CKM_SHA256_RSA_PKCS_PSS from the list; use it if a client passes it).
    const s2 = join(dir, 'rsa-pss.sig');
    const r2 = await tool('--login', '--pin', ROOT, '--sign', '-m', 'RSA-PKCS-PSS', ...pssArgs, '--id', rsaId, '-i', hash, '-o', s2);
    assert.equal(r2.code, 0, r2.stderr);
    const v2 = await pkeyutlVerify(hash, s2, 'pss');
    assert.match(v2.stdout, /Signature Verified Successfully/, v2.stderr);
    assert.notEqual((await pkeyutlVerify(hash, s1, 'pss')).code, 0, 'a PKCS#1 v1.5 signature is not a PSS one');
    if (/^  SHA256-RSA-PKCS-PSS,/m.test(mechs.stdout)) {
      const s3 = join(dir, 'rsa-sha256-pss.sig');
      const r3 = await tool('--login', '--pin', ROOT, '--sign', '-m', 'SHA256-RSA-PKCS-PSS', ...pssArgs, '--id', rsaId, '-i', msg, '-o', s3);
      assert.equal(r3.code, 0, r3.stderr);
      assert.match((await pkeyutlVerify(hash, s3, 'pss')).stdout, /Signature Verified Successfully/);
    }

    // CKM_RSA_PKCS over a DER DigestInfo: PKCS#1 v1.5 of that digest; a bare hash is CKR_DATA_INVALID.
    const s4 = join(dir, 'rsa-di.sig');
    const r4 = await tool('--login', '--pin', ROOT, '--sign', '-m', 'RSA-PKCS', '--id', rsaId, '-i', digestInfo, '-o', s4);
    assert.equal(r4.code, 0, r4.stderr);
    assert.match((await pkeyutlVerify(hash, s4, 'pkcs1')).stdout, /Signature Verified Successfully/);
    const bare = await tool('--login', '--pin', ROOT, '--sign', '-m', 'RSA-PKCS', '--id', rsaId, '-i', hash, '-o', join(dir, 'bare.sig'));
    assert.notEqual(bare.code, 0);
    assert.match(bare.stderr, /CKR_DATA_INVALID/);
    // PSS parameters Strongbox does not make: MGF1 over another hash, another salt length.
    for (const args of [['--hash-algorithm', 'SHA256', '--mgf', 'MGF1-SHA1', '--salt-len', '32'], ['--hash-algorithm', 'SHA256', '--mgf', 'MGF1-SHA256', '--salt-len', '20']]) {
      const bad = await tool('--login', '--pin', ROOT, '--sign', '-m', 'RSA-PKCS-PSS', ...args, '--id', rsaId, '-i', hash, '-o', join(dir, 'bad.sig'));
      assert.notEqual(bad.code, 0, args.join(' '));
      assert.match(bad.stderr, /CKR_MECHANISM_PARAM_INVALID/);
    }

    // C_Verify with the same mechanisms; a signature of another mechanism is invalid.
    const verifies: [string[], string, string][] = [
      [['-m', 'SHA256-RSA-PKCS'], msg, s1],
      [['-m', 'RSA-PKCS-PSS', ...pssArgs], hash, s2],
      [['-m', 'RSA-PKCS'], digestInfo, s4],
    ];
    for (const [mech, input, sig] of verifies) {
      const ok = await tool('--login', '--pin', ROOT, '--verify', ...mech, '--id', rsaId, '-i', input, '--signature-file', sig);
      assert.match(ok.stdout, /Signature is valid/, `${mech[1]}: ${ok.stderr}`);
    }
    const wrong = await tool('--login', '--pin', ROOT, '--verify', '-m', 'SHA256-RSA-PKCS', '--id', rsaId, '-i', other, '--signature-file', s1);
    assert.match(wrong.stdout, /Invalid signature/, wrong.stderr);

    // CKM_RSA_PKCS_OAEP: openssl encrypts to the REST public key, the token decrypts (SHA-256 and SHA-1).
    const plaintext = join(dir, 'oaep.txt');
    writeFileSync(plaintext, 'an OAEP secret');
    for (const [md, p11Hash, mgf] of [['sha256', 'SHA256', 'MGF1-SHA256'], ['sha1', 'SHA-1', 'MGF1-SHA1']] as const) {
      const ct = join(dir, `oaep-${md}.bin`);
      const enc = await run('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', pem, '-in', plaintext, '-out', ct, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`]);
      assert.equal(enc.code, 0, enc.stderr);
      const out = join(dir, `oaep-${md}.out`);
      const dec = await tool('--login', '--pin', ROOT, '--decrypt', '-m', 'RSA-PKCS-OAEP', '--hash-algorithm', p11Hash, '--mgf', mgf, '--id', rsaId, '-i', ct, '-o', out);
      assert.equal(dec.code, 0, `${md}: ${dec.stderr}`);
      assert.equal(readFileSync(out, 'utf8'), 'an OAEP secret');
    }
    // A ciphertext for another OAEP hash does not decrypt (CKR_ENCRYPTED_DATA_INVALID, nothing else).
    const mismatched = await tool('--login', '--pin', ROOT, '--decrypt', '-m', 'RSA-PKCS-OAEP', '--hash-algorithm', 'SHA256', '--mgf', 'MGF1-SHA256', '--id', rsaId, '-i', join(dir, 'oaep-sha1.bin'), '-o', join(dir, 'x.out'));
    assert.notEqual(mismatched.code, 0);
    // pkcs11-tool then retries part by part (C_DecryptUpdate: not supported); the token's answer to C_Decrypt is in its audit record.
    const audit = await api(sb.addr, 'GET', '/v1/audit?limit=1000&action=keys:decrypt', ROOT);
    const decrypts = (audit.body.records as Record<string, unknown>[]).filter((r) => r['operation'] === 'pkcs11.C_Decrypt');
    assert.ok(decrypts.some((r) => String(r['reason']).startsWith(`CKR 0x${CKR_ENCRYPTED_DATA_INVALID.toString(16)}`)), JSON.stringify(decrypts.map((r) => r['reason'])));
  });

  it('OpenSSL (pkcs11 engine) makes a self-signed certificate with the key, and openssl verifies it', async () => {
    const cnf = join(dir, 'openssl.cnf');
    writeFileSync(
      cnf,
      `openssl_conf = openssl_init\n[openssl_init]\nengines = engine_section\n[engine_section]\npkcs11 = pkcs11_section\n[pkcs11_section]\nengine_id = pkcs11\ndynamic_path = ${ENGINE}\nMODULE_PATH = ${MODULE}\nPIN = ${ROOT}\ninit = 0\n[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = strongbox-pkcs11\n`,
    );
    const cert = join(dir, 'cert.pem');
    const r = await run('openssl', ['req', '-new', '-x509', '-days', '1', '-engine', 'pkcs11', '-keyform', 'engine', '-key', 'pkcs11:object=p11-ec;type=private', '-out', cert], { ...env, OPENSSL_CONF: cnf });
    assert.equal(r.code, 0, r.stderr);
    const v = await run('openssl', ['verify', '-CAfile', cert, cert]);
    assert.match(v.stdout, /OK/, v.stderr);
    // The certificate carries Strongbox's public key.
    const certKey = await run('openssl', ['x509', '-in', cert, '-noout', '-pubkey']);
    assert.equal(certKey.stdout.trim(), readFileSync(join(dir, 'p11-ec.pem'), 'utf8').trim());
  });

  it('OpenSSH: ssh-keygen -D lists the key; ssh -I logs in to a loopback sshd with it', async () => {
    const askpass = join(dir, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\necho '${ROOT}'\n`);
    chmodSync(askpass, 0o700);
    const sshEnv = { ...env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
    const listed = await run('ssh-keygen', ['-D', MODULE], sshEnv);
    assert.equal(listed.code, 0, listed.stderr);
    const line = listed.stdout.split('\n').find((l) => l.endsWith(' p11-ec'));
    assert.ok(line?.startsWith('ecdsa-sha2-nistp256 '), listed.stdout);

    const sshd = join(dir, 'sshd');
    mkdirSync(sshd);
    mkdirSync('/run/sshd', { recursive: true });
    assert.equal((await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(sshd, 'host_key')])).code, 0);
    writeFileSync(join(sshd, 'authorized_keys'), line + '\n');
    const port = await freePort();
    writeFileSync(
      join(sshd, 'sshd_config'),
      [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(sshd, 'host_key')}`, `AuthorizedKeysFile ${join(sshd, 'authorized_keys')}`, 'StrictModes no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes', 'PermitRootLogin prohibit-password', 'UsePAM no', `PidFile ${join(sshd, 'pid')}`].join('\n') + '\n',
    );
    const daemon: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(sshd, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let daemonLog = '';
    daemon.stderr!.on('data', (d: Buffer) => (daemonLog += d.toString()));
    try {
      for (let i = 0; i < 100 && !daemonLog.includes('Server listening'); i++) await new Promise((r) => setTimeout(r, 50));
      const user = process.env['USER'] ?? 'root';
      const r = await run('ssh', ['-I', MODULE, '-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PasswordAuthentication=no', `${user}@127.0.0.1`, 'echo ok'], sshEnv);
      assert.equal(r.stdout.trim(), 'ok', `${r.stderr}\n${daemonLog}`);
    } finally {
      daemon.kill();
    }
  });

  it('Java (SunPKCS11): logs in, generates a P-256 key on the token and signs with SHA256withECDSA; the signature verifies', async () => {
    const src = join(dir, 'P11Sign.java');
    writeFileSync(
      src,
      `import java.security.*;\nimport java.security.spec.*;\nimport java.util.*;\npublic class P11Sign {\n  public static void main(String[] a) throws Exception {\n    Provider p = Security.getProvider("SunPKCS11").configure(a[0]);\n    Security.addProvider(p);\n    KeyStore ks = KeyStore.getInstance("PKCS11", p);\n    ks.load(null, a[1].toCharArray());\n    KeyPairGenerator g = KeyPairGenerator.getInstance("EC", p);\n    g.initialize(new ECGenParameterSpec("secp256r1"));\n    KeyPair kp = g.generateKeyPair();\n    Signature s = Signature.getInstance("SHA256withECDSA", p);\n    s.initSign(kp.getPrivate());\n    s.update(a[2].getBytes("UTF-8"));\n    byte[] sig = s.sign();\n    System.out.println(HexFormat.of().formatHex(kp.getPublic().getEncoded()) + " " + HexFormat.of().formatHex(sig));\n  }\n}\n`,
    );
    const cfg = join(dir, 'java.cfg');
    writeFileSync(cfg, `name = strongbox\nlibrary = ${MODULE}\nslot = 1\n`);
    const r = await run('java', [src, cfg, ROOT, 'hello from java'], env, dir);
    assert.equal(r.code, 0, r.stderr);
    const [spkiHex, sigHex] = r.stdout.trim().split(' ');
    // Verified outside Java, by openssl, against the key the REST API exports for the new key.
    const keys = await api(sb.addr, 'GET', '/v1/keys?limit=100', ROOT);
    const ders = await Promise.all((keys.body.keys as { id: string; type: string }[]).filter((k) => k.type === 'p256').map(async (k) => ({ id: k.id, der: (await api(sb.addr, 'GET', `/v1/keys/${k.id}/public-key?format=der`, ROOT)).body.publicKey as string })));
    assert.ok(ders.some((d) => d.der === `0x${spkiHex}`), 'the Java key is a Strongbox key');
    writeFileSync(join(dir, 'java.der'), Buffer.from(spkiHex!, 'hex'));
    writeFileSync(join(dir, 'java.sig'), Buffer.from(sigHex!, 'hex'));
    writeFileSync(join(dir, 'java.msg'), 'hello from java');
    const v = await run('openssl', ['dgst', '-sha256', '-verify', join(dir, 'java.der'), '-keyform', 'DER', '-signature', join(dir, 'java.sig'), join(dir, 'java.msg')]);
    assert.equal(v.stdout.trim(), 'Verified OK', v.stderr);
  });

  it('Java KeyStore: a certificate attached over REST makes the key a KeyStore entry; its signature verifies with the certificate in Java and in openssl; pkcs11-tool lists the certificate object', async () => {
    // The certificate the OpenSSL-engine test made with the p11-ec key (self-signed, so it matches).
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const keyId = (await api(sb.addr, 'GET', '/v1/keys/p11-ec', ROOT)).body.id as string;
    const put = await api(sb.addr, 'PUT', '/v1/keys/p11-ec/certificate', ROOT, { certificate: certPem });
    assert.equal(put.status, 200, JSON.stringify(put.body));

    const listed = await tool('--login', '--pin', ROOT, '--list-objects', '--type', 'cert');
    assert.equal(listed.code, 0, listed.stderr);
    const block = listed.stdout.split(/\n(?=\S)/).find((b) => b.startsWith('Certificate Object') && b.includes('label:      p11-ec'));
    assert.ok(block, listed.stdout);
    assert.match(block, /type = X\.509 cert/);
    assert.match(block, /subject:\s+DN: CN\s*=\s*strongbox-pkcs11/);
    assert.match(block, new RegExp(`ID:\\s+${keyId.replace(/-/g, '')}`));

    const src = join(dir, 'P11KeyStore.java');
    writeFileSync(
      src,
      `import java.security.*;\nimport java.security.cert.*;\nimport java.util.*;\npublic class P11KeyStore {\n  public static void main(String[] a) throws Exception {\n    Provider p = Security.getProvider("SunPKCS11").configure(a[0]);\n    Security.addProvider(p);\n    KeyStore ks = KeyStore.getInstance("PKCS11", p);\n    ks.load(null, a[1].toCharArray());\n    List<String> aliases = Collections.list(ks.aliases());\n    System.out.println("aliases " + String.join(",", aliases));\n    PrivateKey key = (PrivateKey) ks.getKey(a[2], null);\n    X509Certificate cert = (X509Certificate) ks.getCertificate(a[2]);\n    System.out.println("entry " + ks.isKeyEntry(a[2]) + " " + cert.getSubjectX500Principal().getName());\n    Signature s = Signature.getInstance("SHA256withECDSA", p);\n    s.initSign(key);\n    s.update(a[3].getBytes("UTF-8"));\n    byte[] sig = s.sign();\n    Signature v = Signature.getInstance("SHA256withECDSA", "SunEC");\n    v.initVerify(cert.getPublicKey());\n    v.update(a[3].getBytes("UTF-8"));\n    System.out.println("verified " + v.verify(sig));\n    System.out.println("signature " + HexFormat.of().formatHex(sig));\n  }\n}\n`,
    );
    const cfg = join(dir, 'java.cfg');
    writeFileSync(cfg, `name = strongbox\nlibrary = ${MODULE}\nslot = 1\n`);
    const r = await run('java', [src, cfg, ROOT, 'p11-ec', 'hello from the java keystore'], env, dir);
    assert.equal(r.code, 0, r.stderr);
    const line = (prefix: string) => r.stdout.split('\n').find((l) => l.startsWith(prefix + ' '))?.slice(prefix.length + 1);
    assert.ok(line('aliases')?.split(',').includes('p11-ec'), r.stdout);
    assert.equal(line('entry'), 'true CN=strongbox-pkcs11');
    assert.equal(line('verified'), 'true', 'Java verifies with the certificate\'s public key');
    // And openssl, with the public key taken from the certificate file.
    const pub = await run('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-pubkey']);
    writeFileSync(join(dir, 'ks.pub.pem'), pub.stdout);
    writeFileSync(join(dir, 'ks.sig'), Buffer.from(line('signature')!, 'hex'));
    writeFileSync(join(dir, 'ks.msg'), 'hello from the java keystore');
    const v = await run('openssl', ['dgst', '-sha256', '-verify', join(dir, 'ks.pub.pem'), '-signature', join(dir, 'ks.sig'), join(dir, 'ks.msg')]);
    assert.equal(v.stdout.trim(), 'Verified OK', v.stderr);
    writeFileSync(join(dir, 'ks.msg'), 'another message');
    assert.notEqual((await run('openssl', ['dgst', '-sha256', '-verify', join(dir, 'ks.pub.pem'), '-signature', join(dir, 'ks.sig'), join(dir, 'ks.msg')])).code, 0);

    // Removed over REST: the token no longer has the certificate object, and Java no longer lists the key.
    assert.equal((await api(sb.addr, 'DELETE', '/v1/keys/p11-ec/certificate', ROOT)).body.deleted, true);
    assert.doesNotMatch((await tool('--login', '--pin', ROOT, '--list-objects', '--type', 'cert')).stdout, /label:\s+p11-ec/);
    const after = await run('java', [src, cfg, ROOT, 'p11-ec', 'x'], env, dir);
    assert.notEqual(after.code, 0, 'no KeyStore entry without the certificate');
    assert.equal(line('aliases')?.split(',').includes('p11-ec'), true);
    assert.ok(!(after.stdout.split('\n').find((l) => l.startsWith('aliases ')) ?? '').split(/[ ,]/).includes('p11-ec'), after.stdout);
  });

  it('GnuTLS p11tool --list-all sees the objects', async () => {
    const r = await run('p11tool', ['--provider', MODULE, '--login', '--list-all', 'pkcs11:token=strongbox'], { ...env, GNUTLS_PIN: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /object=p11-ec;type=private/);
    assert.match(r.stdout, /object=p11-ec;type=public/);
  });

  it('a weak token sees and uses only its own keys; a wrong PIN is CKR_PIN_INCORRECT', async () => {
    const gen = await tool('--login', '--pin', weak, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'weak-ec');
    assert.equal(gen.code, 0, gen.stderr);
    const listed = await tool('--login', '--pin', weak, '-O');
    assert.match(listed.stdout, /label:\s+weak-ec/);
    assert.doesNotMatch(listed.stdout, /p11-ec/);
    // A name outside its policy cannot be created.
    const denied = await tool('--login', '--pin', weak, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'other-ec');
    assert.notEqual(denied.code, 0);
    const hash = join(dir, 'msg.sha256');
    const sig = await tool('--login', '--pin', weak, '--sign', '-m', 'ECDSA', '--label', 'weak-ec', '-i', hash, '-o', join(dir, 'weak.sig'));
    assert.equal(sig.code, 0, sig.stderr);
    const rootKeyId = ((await api(sb.addr, 'GET', '/v1/keys/p11-ec', ROOT)).body.id as string).replace(/-/g, '');
    const other = await tool('--login', '--pin', weak, '--sign', '-m', 'ECDSA', '--id', rootKeyId, '-i', hash, '-o', join(dir, 'other.sig'));
    assert.notEqual(other.code, 0, 'the root key is invisible to the weak token');
    const wrong = await tool('--login', '--pin', 'not-a-token', '-O');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr + wrong.stdout, /CKR_PIN_INCORRECT/);
  });

  it('a token whose policy requires signed requests (RFC 9421) cannot log in over PKCS#11: CKR_PIN_INCORRECT, audited', async () => {
    assert.equal((await api(sb.addr, 'PUT', '/v1/policies/signed-only', ROOT, { statements: [{ effect: 'allow', actions: ['keys:*'], resources: ['*'] }], requireSignedRequests: true })).status, 200);
    const t = await api(sb.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signed-only'] });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const r = await tool('--login', '--pin', t.body.token as string, '-O');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /CKR_PIN_INCORRECT/);
    // Paged: the clients before this one (Java's KeyStore scan above all) leave more than one page.
    const records: { interface: string; reason: string | null }[] = [];
    for (let afterSeq: number | null = 0; afterSeq !== null; ) {
      const page = await api(sb.addr, 'GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`, ROOT);
      records.push(...(page.body.records as typeof records));
      afterSeq = page.body.nextAfterSeq as number | null;
    }
    assert.ok(records.some((x) => x.interface === 'pkcs11' && (x.reason ?? '').endsWith(': SIGNATURE_REQUIRED')), 'the refused login is audited with its reason');
  });

  it('malformed frames end their own connection; the server keeps serving', async () => {
    const init = encodeFrame(0x10, encodeMessage(callByName('C_Initialize').id, 'request', [new TextEncoder().encode('PRIVATE-GNOME-KEYRING-PKCS11-PROTOCOL-V-1'), 0, { lengthOnly: 0 }]));
    const oversized = Buffer.alloc(12);
    oversized.writeUInt32BE(0x10, 0);
    oversized.writeUInt32BE(0, 4);
    oversized.writeUInt32BE(0x7ffffff0, 8);
    const unknownCall = encodeFrame(0x11, Buffer.from([0, 0, 0, 200, 0, 0, 0, 0]));
    const beforeInit = encodeFrame(0x10, encodeMessage(callByName('C_Sign').id, 'request', [1n, new Uint8Array(32), 64]));
    const truncated = Buffer.from(init).subarray(0, 20);
    const cases: [string, Uint8Array[]][] = [
      ['oversized', [oversized]],
      ['unknown call id', [init, unknownCall]],
      ['call before C_Initialize', [beforeInit]],
      ['garbage signature', [init, encodeFrame(0x11, Buffer.from([0, 0, 0, 5, 0, 0, 0, 1, 0x7a, 0, 0, 0, 0, 0, 0, 0, 1]))]],
    ];
    for (const [name, frames] of cases) {
      const closed = await new Promise<boolean>((resolve) => {
        const c = createConnection(sock, () => {
          c.write(Buffer.from([0]));
          for (const f of frames) c.write(f);
        });
        c.on('data', () => undefined);
        c.on('close', () => resolve(true));
        c.on('error', () => undefined);
        setTimeout(() => {
          c.destroy();
          resolve(false);
        }, 10_000).unref();
      });
      assert.ok(closed, `${name}: the server closed the connection`);
    }
    // A truncated frame followed by the client hanging up: nothing to answer, nothing breaks.
    await new Promise<void>((resolve) => {
      const c = createConnection(sock, () => {
        c.write(Buffer.from([0]));
        c.end(truncated);
      });
      // Read (and drop) the version byte, or 'close' waits for it to be consumed.
      c.resume();
      c.on('close', () => resolve());
      c.on('error', () => resolve());
      setTimeout(() => {
        c.destroy();
        resolve();
      }, 10_000).unref();
    });
    const r = await tool('-L');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /strongbox/);
  });

  it('every call is audited with interface pkcs11, and no token (PIN) appears in the audit log', async () => {
    const records: Record<string, unknown>[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = await api(sb.addr, 'GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`, ROOT);
      assert.equal(page.status, 200);
      records.push(...(page.body.records as Record<string, unknown>[]));
      if (page.body.nextAfterSeq === null) break;
      afterSeq = page.body.nextAfterSeq as number;
    }
    const p11 = records.filter((r) => r['interface'] === 'pkcs11');
    assert.ok(p11.some((r) => r['operation'] === 'pkcs11.C_Sign' && r['outcome'] === 'success'));
    assert.ok(p11.some((r) => r['operation'] === 'pkcs11.C_Login' && r['outcome'] === 'denied'));
    assert.ok(p11.some((r) => r['operation'] === 'pkcs11.C_GenerateKeyPair' && r['action'] === 'keys:create'));
    const text = JSON.stringify(records);
    assert.ok(!text.includes(ROOT) && !text.includes(weak), 'no token in the audit log');
    assert.ok(!sb.stdout().includes(weak) && !sb.stderr().includes(weak), 'no token in the logs');
    assert.ok(existsSync(sock));
  });
});
