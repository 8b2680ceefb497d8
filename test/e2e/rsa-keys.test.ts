/**
 * End to end: RSA keys (rsa2048/3072/4096) on the spawned built server, checked by independent
 * verifiers. REST through the SDK: create, import (PKCS#1 PEM), sign with PSS and PKCS#1 v1.5 and
 * every hash, verify, public key as PEM/DER/JWK, OAEP encrypt/decrypt (with a label, SHA-1 and
 * SHA-256). Signatures are verified by `openssl dgst -verify` / `openssl pkeyutl -verify` and
 * node:crypto; ciphertexts made by node:crypto and `openssl pkeyutl -encrypt` decrypt in Strongbox.
 * AWS: @aws-sdk/client-kms and the AWS CLI create RSA_2048/3072/4096 keys with both KeyUsages, Sign
 * RAW and DIGEST with every RSASSA_* algorithm, Verify, GetPublicKey, Encrypt and Decrypt with
 * RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants, createHash, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GetPublicKeyCommand, KMSClient, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { StrongboxClient, StrongboxApiError } from '../../src/sdk/client.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const run = promisify(execFile);
const hexOf = (b: Uint8Array | Buffer): string => `0x${Buffer.from(b).toString('hex')}`;
const bytes = (h: string): Buffer => Buffer.from(h.slice(2), 'hex');
const HASH_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

async function awsError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { name: string }).name;
  }
  assert.fail('expected the call to fail');
}

describe('RSA keys end to end', () => {
  let server: SpawnedServer;
  let dir: string;
  let sb: StrongboxClient;
  let kms: KMSClient;
  let awsEnv: NodeJS.ProcessEnv;
  let seq = 0;
  const file = (name: string, data: Buffer | string): string => {
    const path = join(dir, `${++seq}-${name}`);
    writeFileSync(path, data);
    return path;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-rsa-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    const anon = new StrongboxClient({ addr: server.addr });
    const init = await anon.init({ shares: 1, threshold: 1 });
    await anon.unseal(init.shares[0]!);
    sb = new StrongboxClient({ addr: server.addr, token: init.rootToken });
    const c = await sb.createAwsCredentials();
    kms = new KMSClient({ endpoint: server.addr, region: 'us-east-1', credentials: c, maxAttempts: 1 });
    awsEnv = { ...process.env, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
  });

  after(async () => {
    kms?.destroy();
    if (server !== undefined) await server.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('REST: create each size; sign with both paddings and every hash; openssl and node:crypto verify; public key as PEM, DER and JWK', async () => {
    for (const type of ['rsa2048', 'rsa3072', 'rsa4096'] as const) {
      const key = await sb.createKey({ type, name: `rest-${type}` });
      assert.equal(key.type, type);
      const pem = (await sb.getPublicKey(key.id, 'pem')).publicKey as string;
      const der = bytes((await sb.getPublicKey(key.id, 'der')).publicKey as string);
      assert.deepEqual(der, bytes(key.publicKey!), 'metadata publicKey is the SPKI DER');
      const jwk = (await sb.getPublicKey(key.id, 'jwk')).publicKey as Record<string, string>;
      assert.equal(jwk.kty, 'RSA');
      assert.equal(jwk.e, 'AQAB');
      const fromJwk = createPublicKey({ key: jwk, format: 'jwk' });
      assert.equal(fromJwk.asymmetricKeyDetails!.modulusLength, Number(type.slice(3)));
      assert.deepEqual(fromJwk.export({ type: 'spki', format: 'der' }), der);
      const pemPath = file('pub.pem', pem);
      const message = Buffer.from(`openssl checks ${type}`);
      const msgPath = file('msg.bin', message);
      for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
        for (const padding of ['pss', 'pkcs1'] as const) {
          const sig = await sb.sign(key.id, { message: hexOf(message), hash, padding });
          assert.equal(sig.encoding, 'raw');
          assert.equal(bytes(sig.signature).length, Number(type.slice(3)) / 8);
          const sigPath = file('sig.bin', bytes(sig.signature));
          const pssOpts = padding === 'pss' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', `rsa_pss_saltlen:${HASH_BYTES[hash]}`, '-sigopt', `rsa_mgf1_md:${hash}`] : [];
          const r = await run('openssl', ['dgst', `-${hash}`, '-verify', pemPath, ...pssOpts, '-signature', sigPath, msgPath]);
          assert.match(r.stdout, /Verified OK/, `${type} ${padding} ${hash}`);
          const opts = padding === 'pss' ? { key: pem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] } : { key: pem, padding: constants.RSA_PKCS1_PADDING };
          assert.equal(nodeVerify(hash, message, opts, bytes(sig.signature)), true);
          assert.equal((await sb.verify(key.id, { message: hexOf(message), hash, padding, signature: sig.signature })).valid, true);
          // The other padding, or another message, does not verify.
          assert.equal((await sb.verify(key.id, { message: hexOf(message), hash, padding: padding === 'pss' ? 'pkcs1' : 'pss', signature: sig.signature })).valid, false);
          assert.equal((await sb.verify(key.id, { message: hexOf(Buffer.from('other')), hash, padding, signature: sig.signature })).valid, false);
        }
      }
      // A precomputed digest: PKCS#1 v1.5 over SHA-256, checked by openssl pkeyutl.
      const digest = createHash('sha256').update(message).digest();
      const dsig = await sb.sign(key.id, { digest: hexOf(digest), padding: 'pkcs1' });
      const r = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pemPath, '-pkeyopt', 'digest:sha256', '-in', file('d.bin', digest), '-sigfile', file('s.bin', bytes(dsig.signature))]);
      assert.match(r.stdout, /Signature Verified Successfully/);
    }
  });

  it('REST: OAEP — node:crypto and openssl encrypt, Strongbox decrypts (label, SHA-1); Strongbox encrypts, a wrong label fails alike', async () => {
    const key = await sb.createKey({ type: 'rsa2048' });
    const pem = (await sb.getPublicKey(key.id, 'pem')).publicKey as string;
    const secret = Buffer.from('a data key of 32 bytes, say....!');
    const label = Buffer.from('context');
    for (const [algorithm, oaepHash] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']] as const) {
      const ct = publicEncrypt({ key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash, oaepLabel: label }, secret);
      const out = await sb.decrypt(key.id, { ciphertext: hexOf(ct), algorithm, label: hexOf(label) });
      assert.deepEqual(bytes(out.plaintext), secret);
      assert.equal(out.algorithm, algorithm);
      const wrong = await sb.decrypt(key.id, { ciphertext: hexOf(ct), algorithm, label: '0x00' }).catch((e: unknown) => e);
      assert.ok(wrong instanceof StrongboxApiError && wrong.code === 'DECRYPTION_FAILED' && wrong.status === 400, String(wrong));
    }
    const enc = await run('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', file('p.pem', pem), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256', '-in', file('pt.bin', secret)], { encoding: 'buffer' });
    assert.deepEqual(bytes((await sb.decrypt(key.id, { ciphertext: hexOf(enc.stdout as unknown as Buffer) })).plaintext), secret);
    const mine = await sb.encrypt(key.id, { plaintext: hexOf(secret) });
    assert.equal(mine.algorithm, 'RSAES_OAEP_SHA_256');
    assert.deepEqual(bytes((await sb.decrypt(key.id, { ciphertext: mine.ciphertext })).plaintext), secret);
  });

  it('REST: import PKCS#1 "RSA PRIVATE KEY" PEM; signatures verify with the original public key; wrong size refused naming pem', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const key = await sb.importKey({ type: 'rsa3072', pem: pkcs1 });
    assert.equal(key.origin, 'imported');
    assert.deepEqual(bytes(key.publicKey!), publicKey.export({ type: 'spki', format: 'der' }));
    const message = Buffer.from('imported');
    const sig = await sb.sign(key.id, { message: hexOf(message), hash: 'sha384' });
    assert.equal(nodeVerify('sha384', message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, bytes(sig.signature)), true);
    const wrong = await sb.importKey({ type: 'rsa2048', pem: pkcs1 }).catch((e: unknown) => e);
    assert.ok(wrong instanceof StrongboxApiError && wrong.status === 400 && wrong.code === 'INVALID_KEY_MATERIAL' && wrong.field === 'pem', String(wrong));
    // OAEP to the imported key decrypts with the original private key too (same key, not a copy of another).
    const ct = await sb.encrypt(key.id, { plaintext: '0x0102' });
    assert.deepEqual(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytes(ct.ciphertext)), Buffer.from([1, 2]));
  });

  it('AWS SDK: RSA_2048/3072/4096 SIGN_VERIFY — every RSASSA_* algorithm, RAW and DIGEST, Verify; GetPublicKey; node:crypto verifies', async () => {
    for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const) {
      const md = (await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata!;
      assert.equal(md.KeySpec, spec);
      assert.equal(md.KeyUsage, 'SIGN_VERIFY');
      assert.equal(md.SigningAlgorithms!.length, 6);
      const pub = await kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId! }));
      assert.equal(pub.KeyUsage, 'SIGN_VERIFY');
      assert.equal(pub.EncryptionAlgorithms, undefined);
      const key = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
      const message = Buffer.from(`aws ${spec}`);
      for (const algorithm of pub.SigningAlgorithms!) {
        const hash = (`sha${algorithm.slice(-3)}`) as 'sha256' | 'sha384' | 'sha512';
        const pss = algorithm.startsWith('RSASSA_PSS');
        const opts = pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] } : { key, padding: constants.RSA_PKCS1_PADDING };
        const raw = await kms.send(new SignCommand({ KeyId: md.KeyId!, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm }));
        assert.equal(nodeVerify(hash, message, opts, raw.Signature!), true, `${spec} ${algorithm} RAW`);
        const digest = createHash(hash).update(message).digest();
        const dig = await kms.send(new SignCommand({ KeyId: md.KeyId!, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: algorithm }));
        assert.equal(nodeVerify(hash, message, opts, dig.Signature!), true, `${spec} ${algorithm} DIGEST`);
        const v = await kms.send(new VerifyCommand({ KeyId: md.KeyId!, Message: message, MessageType: 'RAW', Signature: raw.Signature!, SigningAlgorithm: algorithm }));
        assert.equal(v.SignatureValid, true);
        const bad = Buffer.from(raw.Signature!);
        bad[0]! ^= 1;
        assert.equal(await awsError(kms.send(new VerifyCommand({ KeyId: md.KeyId!, Message: message, Signature: bad, SigningAlgorithm: algorithm }))), 'KMSInvalidSignatureException');
      }
      assert.equal(await awsError(kms.send(new SignCommand({ KeyId: md.KeyId!, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))), 'InvalidKeyUsageException');
      assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: md.KeyId!, Plaintext: message, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))), 'InvalidKeyUsageException');
    }
  });

  it('AWS SDK: RSA ENCRYPT_DECRYPT (the default KeyUsage) — RSAES_OAEP_SHA_1 and _256 with node:crypto on the other side', async () => {
    const md = (await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' }))).KeyMetadata!;
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.deepEqual(md.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: md.KeyId! }))).KeyMetadata!.KeyUsage, 'ENCRYPT_DECRYPT');
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId! }));
    assert.deepEqual(pub.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    assert.equal(pub.SigningAlgorithms, undefined);
    const key = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
    const secret = Buffer.from('aws oaep secret');
    for (const [alg, oaepHash] of [['RSAES_OAEP_SHA_1', 'sha1'], ['RSAES_OAEP_SHA_256', 'sha256']] as const) {
      const ct = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, secret);
      const dec = await kms.send(new DecryptCommand({ KeyId: md.KeyId!, CiphertextBlob: ct, EncryptionAlgorithm: alg }));
      assert.deepEqual(Buffer.from(dec.Plaintext!), secret);
      const enc = await kms.send(new EncryptCommand({ KeyId: md.KeyId!, Plaintext: secret, EncryptionAlgorithm: alg }));
      assert.equal(enc.CiphertextBlob!.length, 256);
      assert.deepEqual(Buffer.from((await kms.send(new DecryptCommand({ KeyId: md.KeyId!, CiphertextBlob: enc.CiphertextBlob!, EncryptionAlgorithm: alg }))).Plaintext!), secret);
    }
    assert.equal(await awsError(kms.send(new SignCommand({ KeyId: md.KeyId!, Message: secret, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))), 'InvalidKeyUsageException');
    assert.equal(await awsError(kms.send(new EncryptCommand({ KeyId: md.KeyId!, Plaintext: secret }))), 'ValidationException');
  });

  it('AWS CLI: create-key RSA_3072, sign DIGEST with RSASSA_PSS_SHA_256; openssl pkeyutl verifies against get-public-key', async () => {
    const aws = async (args: string[]): Promise<any> => JSON.parse((await run('aws', ['--endpoint-url', server.addr, '--output', 'json', 'kms', ...args], { env: awsEnv, timeout: 60_000 })).stdout);
    const k = (await aws(['create-key', '--key-spec', 'RSA_3072', '--key-usage', 'SIGN_VERIFY'])).KeyMetadata.KeyId as string;
    const der = Buffer.from((await aws(['get-public-key', '--key-id', k])).PublicKey, 'base64');
    const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PUBLIC KEY-----\n`;
    const digest = createHash('sha256').update('aws cli rsa').digest();
    const sig = await aws(['sign', '--key-id', k, '--message', `fileb://${file('d.bin', digest)}`, '--message-type', 'DIGEST', '--signing-algorithm', 'RSASSA_PSS_SHA_256']);
    const args = (d: Buffer) => ['pkeyutl', '-verify', '-pubin', '-inkey', file('k.pem', pem), '-pkeyopt', 'digest:sha256', '-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:32', '-in', file('d.bin', d), '-sigfile', file('s.bin', Buffer.from(sig.Signature, 'base64'))];
    assert.match((await run('openssl', args(digest))).stdout, /Signature Verified Successfully/);
    const flipped = Buffer.from(digest);
    flipped[0]! ^= 1;
    await assert.rejects(run('openssl', args(flipped)));
  });
});
