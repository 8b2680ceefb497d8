/**
 * End to end: the export and wrapped-import commands of the built CLI against a spawned server —
 * key create --exportable, key export (raw bytes to --out, or JSON), key export-keystore (passphrase
 * from STRONGBOX_KEYSTORE_PASSPHRASE or stdin, never argv; decrypted by ethers), key wrapping-key and
 * key import-wrapped (binary and hex files), and the exit code of KEY_NOT_EXPORTABLE.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Wallet } from 'ethers';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';


const run = runCli;

const json = jsonOf;

const AIV = Buffer.from('a65959a6', 'hex');

describe('CLI: key export, export-keystore, wrapping-key, import-wrapped', () => {
  let dir: string;
  let server: SpawnedServer;
  let env: Record<string, string>;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const passphrase = `cli-${randomBytes(8).toString('hex')}-secret`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-export-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'info']);
    const init = json(await run(['operator', 'init', '--shares', '1', '--threshold', '1', '--json'], { STRONGBOX_ADDR: server.addr }));
    assert.equal((await run(['operator', 'unseal', init.shares[0]], { STRONGBOX_ADDR: server.addr })).code, 0);
    env = { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: init.rootToken };
    writeFileSync(join(dir, 'rsa.pub.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('key create --exportable; key export --out writes the wrapped bytes (0600) that unwrap to the key', async () => {
    const key = json(await run(['key', 'create', '--type', 'secp256k1', '--name', 'cold-1', '--exportable', '--json'], env));
    assert.equal(key.exportable, true);
    assert.match((await run(['key', 'show', 'cold-1'], env)).stdout, /Exportable\s+yes/);
    const out = join(dir, 'cold-1.wrapped');
    const r = await run(['key', 'export', 'cold-1', '--wrapping-key-file', join(dir, 'rsa.pub.pem'), '--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote 296 bytes \(RSA_AES_KEY_WRAP_SHA_256, key version 1\)/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const blob = readFileSync(out);
    const aesKey = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, blob.subarray(0, 256));
    const d = createDecipheriv('id-aes256-wrap-pad', aesKey, AIV);
    const scalar = Buffer.concat([d.update(blob.subarray(256)), d.final()]);
    assert.equal('0x' + Buffer.from(secp256k1.getPublicKey(scalar, false)).toString('hex'), key.publicKey);
    assert.notEqual((await run(['key', 'export', 'cold-1', '--wrapping-key-file', join(dir, 'rsa.pub.pem'), '--out', out], env)).code, 0, 'an existing file is not overwritten');
    const j = json(await run(['key', 'export', 'cold-1', '--wrapping-key-file', join(dir, 'rsa.pub.pem'), '--json'], env));
    assert.equal(j.algorithm, 'RSA_AES_KEY_WRAP_SHA_256');
    assert.match(j.wrappedKey, /^0x[0-9a-f]{592}$/);
  });

  it('a key not created exportable exits 8 (KEY_NOT_EXPORTABLE, FAILED_PRECONDITION)', async () => {
    json(await run(['key', 'create', '--type', 'p256', '--name', 'stays-in', '--json'], env));
    const r = await run(['key', 'export', 'stays-in', '--wrapping-key-file', join(dir, 'rsa.pub.pem')], env);
    assert.equal(r.code, 8);
    assert.match(r.stderr, /KEY_NOT_EXPORTABLE/);
  });

  it('key export-keystore: passphrase from the environment or stdin (never argv); ethers opens the file; the server log never sees it', async () => {
    const key = json(await run(['key', 'show', 'cold-1', '--json'], env));
    const fromEnv = join(dir, 'ks-env.json');
    const r = await run(['key', 'export-keystore', 'cold-1', '--out', fromEnv], { ...env, STRONGBOX_KEYSTORE_PASSPHRASE: passphrase });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote the keystore of 0x${key.address.slice(2).toLowerCase()}`));
    assert.equal(statSync(fromEnv).mode & 0o777, 0o600);
    const wallet = await Wallet.fromEncryptedJson(readFileSync(fromEnv, 'utf8'), passphrase);
    assert.equal(wallet.address, key.address);

    const fromStdin = join(dir, 'ks-stdin.json');
    assert.equal((await run(['key', 'export-keystore', 'cold-1', '--out', fromStdin, '--json'], env, passphrase + '\n')).code, 0);
    const ks = JSON.parse(readFileSync(fromStdin, 'utf8'));
    assert.equal(ks.address, key.address.slice(2).toLowerCase());
    assert.notEqual(ks.crypto.kdfparams.salt, JSON.parse(readFileSync(fromEnv, 'utf8')).crypto.kdfparams.salt);

    const none = await run(['key', 'export-keystore', 'cold-1', '--out', join(dir, 'ks-none.json')], env);
    assert.equal(none.code, 2, 'no passphrase: usage error before any request');
    const argv = await run(['key', 'export-keystore', 'cold-1', '--out', join(dir, 'ks-argv.json'), '--passphrase', passphrase], env);
    assert.equal(argv.code, 2, 'there is no --passphrase flag');
    assert.ok(!argv.stderr.includes(passphrase), 'not echoed in the usage error');

    assert.ok(server.stdout().includes('"request"') || server.stderr().includes('"request"'), 'the server logs requests');
    assert.ok(!server.stdout().includes(passphrase) && !server.stderr().includes(passphrase), 'the passphrase is in no server log line');
  });

  it('key wrapping-key + key import-wrapped (raw bytes and 0x-hex files) import a key wrapped on this side', async () => {
    const pemFile = join(dir, 'wrapping.pem');
    assert.equal((await run(['key', 'wrapping-key', '--out', pemFile], env)).code, 0);
    const pem = readFileSync(pemFile, 'utf8');
    assert.equal((await run(['key', 'wrapping-key'], env)).stdout, pem);
    for (const [label, encode] of [
      ['binary', (b: Buffer) => b],
      ['hex', (b: Buffer) => Buffer.from('0x' + b.toString('hex') + '\n')],
    ] as const) {
      const scalar = randomBytes(32);
      scalar[0] = 0x42;
      const aesKey = randomBytes(32);
      const c = createCipheriv('id-aes256-wrap-pad', aesKey, AIV);
      const blob = Buffer.concat([publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, aesKey), c.update(scalar), c.final()]);
      const file = join(dir, `import-${label}.bin`);
      writeFileSync(file, encode(blob));
      const key = json(await run(['key', 'import-wrapped', '--type', 'secp256k1', '--wrapped-file', file, '--name', `imported-${label}`, '--json'], env));
      assert.equal(key.origin, 'imported');
      assert.equal(key.address, new Wallet('0x' + scalar.toString('hex')).address, label);
    }
    const bad = join(dir, 'bad.bin');
    writeFileSync(bad, randomBytes(552));
    const r = await run(['key', 'import-wrapped', '--type', 'secp256k1', '--wrapped-file', bad], env);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /DECRYPTION_FAILED/);
  });
});
