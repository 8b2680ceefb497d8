/**
 * End to end: signatures made by the spawned server, through the HTTP API (SDK client), are checked
 * by implementations Strongbox does not use to produce them: @noble/curves for secp256k1 (the server
 * signs with native libsecp256k1), viem for Ethereum address recovery (EIP-55, EIP-191), and the
 * openssl CLI for P-256 and Ed25519 (SPKI PEM from GET /v1/keys/{id}/public-key). Imports of known
 * private keys (raw hex and openssl-made PEM, SEC1 and PKCS#8) must yield the public key and
 * address the other implementations compute; invalid key material must be refused as
 * INVALID_KEY_MATERIAL naming the field. Published vectors: RFC 6979 A.2.5 (P-256, "sample"),
 * RFC 8032 §7.1 TEST 1 (Ed25519).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { getAddress, hashMessage, keccak256, recoverAddress, recoverMessageAddress, type Hex } from 'viem';
import { privateKeyToAddress, publicKeyToAddress } from 'viem/accounts';
import { StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import type { KeyInfo } from '../../src/protocol/types.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const run = promisify(execFile);

const SECP256K1_N = secp256k1.Point.Fn.ORDER;
const P256_N = p256.Point.Fn.ORDER;

const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;
const bytesOf = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
const scalarHex = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const utf8 = (s: string): Hex => hexOf(new TextEncoder().encode(s));

function pemOf(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** DER SEC1 ECPrivateKey (RFC 5915): version 1, the scalar, the curve OID, and optionally a public point. */
function sec1Der(curveOid: string, scalar: Uint8Array, publicPoint?: Uint8Array): Uint8Array {
  const oid = Buffer.from(curveOid, 'hex');
  const parts = [Buffer.from('020101', 'hex'), Buffer.from([0x04, 0x20]), Buffer.from(scalar), Buffer.from([0xa0, oid.length + 2, 0x06, oid.length]), oid];
  if (publicPoint !== undefined) parts.push(Buffer.from([0xa1, publicPoint.length + 3, 0x03, publicPoint.length + 1, 0x00]), Buffer.from(publicPoint));
  const body = Buffer.concat(parts);
  assert.ok(body.length < 128);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}
const OID_P256 = '2a8648ce3d030107';
const OID_SECP256K1 = '2b8104000a';
/** RFC 8410 §7 PKCS#8 prefix of an Ed25519 private key (the 32-byte seed follows). */
const ED25519_PKCS8_PREFIX = '302e020100300506032b657004220420';

/** secp256k1 / P-256 signature (DER or compact) → { r, s } */
function rs(curve: typeof secp256k1 | typeof p256, sig: Uint8Array, format: 'der' | 'compact'): { r: bigint; s: bigint } {
  const parsed = curve.Signature.fromBytes(sig, format);
  return { r: parsed.r, s: parsed.s };
}

describe('independent verification of Strongbox signatures and imports', () => {
  let dir: string;
  let server: SpawnedServer;
  let client: StrongboxClient;
  let n = 0;
  const file = (name: string, content: string | Uint8Array): string => {
    const p = join(dir, `${n++}-${name}`);
    writeFileSync(p, content);
    return p;
  };
  /** runs openssl; resolves to its exit code and output (never throws on a non-zero exit) */
  async function openssl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('openssl', args, { encoding: 'utf8' });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }
  async function pemOfKey(key: string): Promise<string> {
    const res = await client.getPublicKey(key, 'pem');
    assert.equal(res.format, 'pem');
    assert.equal(typeof res.publicKey, 'string');
    return res.publicKey as string;
  }
  /** the rejection a promise ends with, as a StrongboxApiError */
  async function apiError(p: Promise<unknown>): Promise<StrongboxApiError> {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof StrongboxApiError, `expected StrongboxApiError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the request to fail');
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-verify-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    const anon = new StrongboxClient({ addr: server.addr });
    const init = await anon.init({ shares: 1, threshold: 1 });
    const unsealed = await anon.unseal(init.shares[0]!);
    assert.equal(unsealed.sealed, false);
    client = new StrongboxClient({ addr: server.addr, token: init.rootToken });
  });

  after(async () => {
    if (server !== undefined) await server.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  describe('secp256k1 (server: libsecp256k1; checked with @noble/curves and viem)', () => {
    let key: KeyInfo;
    before(async () => {
      key = await client.createKey({ type: 'secp256k1', name: 'k1' });
    });

    it('the public key in every format is the same point, and the address is its EIP-55 Ethereum address', async () => {
      const raw = bytesOf(key.publicKey!);
      assert.equal(raw.length, 65);
      secp256k1.Point.fromBytes(raw).assertValidity();
      const compressed = await client.getPublicKey(key.id, 'compressed');
      assert.equal(compressed.publicKey, hexOf(secp256k1.Point.fromBytes(raw).toBytes(true)));
      const hex = await client.getPublicKey(key.id, 'hex');
      assert.equal(hex.publicKey, key.publicKey);
      const jwk = (await client.getPublicKey(key.id, 'jwk')).publicKey as Record<string, string>;
      const pem = await pemOfKey(key.id);
      const der = (await client.getPublicKey(key.id, 'der')).publicKey as string;
      const fromJwk = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      const fromPem = createPublicKey(pem).export({ type: 'spki', format: 'der' });
      assert.equal(hexOf(fromJwk), der);
      assert.equal(hexOf(fromPem), der);
      assert.ok(der.endsWith(key.publicKey!.slice(2)), 'SPKI ends with the uncompressed point');
      // openssl reads the PEM as a secp256k1 key with that point
      const text = await openssl(['pkey', '-pubin', '-in', file('k1.pub.pem', pem), '-text', '-noout']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /ASN1 OID: secp256k1/);
      assert.equal(text.stdout.replace(/[\s:]/g, '').includes(key.publicKey!.slice(2)), true);

      assert.ok(key.address);
      assert.equal(key.address, publicKeyToAddress(key.publicKey as Hex));
      assert.equal(getAddress(key.address), key.address, 'address is EIP-55 checksummed');
      assert.notEqual(key.address, key.address.toLowerCase(), 'mixed case (a random address is all-lowercase with negligible probability)');
    });

    it('DER, raw and recoverable signatures over a digest verify with noble (lowS: true)', async () => {
      const digest = sha256('strongbox e2e digest');
      const der = await client.sign(key.id, { digest: hexOf(digest), encoding: 'der' });
      const raw = await client.sign(key.id, { digest: hexOf(digest), encoding: 'raw' });
      const rec = await client.sign(key.id, { digest: hexOf(digest), encoding: 'recoverable' });
      const pub = bytesOf(key.publicKey!);
      assert.equal(der.encoding, 'der');
      assert.equal(secp256k1.verify(bytesOf(der.signature), digest, pub, { prehash: false, lowS: true, format: 'der' }), true);
      assert.equal(secp256k1.verify(bytesOf(raw.signature), digest, pub, { prehash: false, lowS: true, format: 'compact' }), true);
      assert.equal(bytesOf(rec.signature).length, 65);
      assert.equal(secp256k1.verify(bytesOf(rec.signature).slice(0, 64), digest, pub, { prehash: false, lowS: true, format: 'compact' }), true);
      // all three encodings carry the same (r, s)
      const a = rs(secp256k1, bytesOf(der.signature), 'der');
      const b = rs(secp256k1, bytesOf(raw.signature), 'compact');
      const c = rs(secp256k1, bytesOf(rec.signature).slice(0, 64), 'compact');
      assert.deepEqual(a, b);
      assert.deepEqual(b, c);
      // the recovery id recovers the key's public point (noble)
      const v = bytesOf(rec.signature)[64]!;
      assert.ok(v === 0 || v === 1);
      assert.equal(rec.recoveryId, v);
      const recovered = secp256k1.Signature.fromBytes(bytesOf(rec.signature).slice(0, 64), 'compact').addRecoveryBit(v).recoverPublicKey(digest);
      assert.equal(hexOf(recovered.toBytes(false)), key.publicKey);
      // a different digest does not verify
      assert.equal(secp256k1.verify(bytesOf(raw.signature), sha256('other'), pub, { prehash: false, lowS: true, format: 'compact' }), false);
    });

    it('signatures equal an independent RFC 6979 signer: noble signing with the imported private key', async () => {
      const d = 0x1f0e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0n;
      const imported = await client.importKey({ type: 'secp256k1', privateKey: scalarHex(d) });
      for (const text of ['a', 'b', 'c', 'Satoshi Nakamoto']) {
        const digest = sha256(text);
        const ours = await client.sign(imported.id, { digest: hexOf(digest), encoding: 'raw' });
        const theirs = secp256k1.sign(digest, bytesOf(scalarHex(d)), { prehash: false, lowS: true, format: 'compact' });
        assert.equal(ours.signature, hexOf(theirs), `digest of ${text}`);
      }
    });

    it('message + sha256 (the default) signs sha256(message); openssl verifies it with the PEM', async () => {
      const message = new TextEncoder().encode('openssl can check secp256k1 too');
      const sig = await client.sign(key.id, { message: hexOf(message) });
      assert.equal(sig.encoding, 'der');
      const byDigest = await client.sign(key.id, { digest: hexOf(sha256(message)) });
      assert.equal(sig.signature, byDigest.signature);
      const pemPath = file('k1.pem', await pemOfKey(key.id));
      const ok = await openssl(['dgst', '-sha256', '-verify', pemPath, '-signature', file('k1.sig', bytesOf(sig.signature)), file('k1.msg', message)]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Verified OK/);
      const bad = await openssl(['dgst', '-sha256', '-verify', pemPath, '-signature', file('k1.sig', bytesOf(sig.signature)), file('k1.msg', new TextEncoder().encode('tampered'))]);
      assert.notEqual(bad.code, 0);
    });

    it('recoverable signatures over a digest recover to the key address with viem (v = 27 + recoveryId, yParity, and raw v)', async () => {
      const hash = keccak256(utf8('a transaction hash stand-in'));
      const sig = await client.sign(key.id, { digest: hash, encoding: 'recoverable' });
      const bytes = bytesOf(sig.signature);
      const recoveryId = bytes[64]!;
      assert.equal(sig.recoveryId, recoveryId);
      const r = hexOf(bytes.slice(0, 32));
      const s = hexOf(bytes.slice(32, 64));
      const v27 = (hexOf(bytes.slice(0, 64)) + (27 + recoveryId).toString(16)) as Hex;
      assert.equal(await recoverAddress({ hash, signature: v27 }), key.address);
      assert.equal(await recoverAddress({ hash, signature: { r, s, yParity: recoveryId } }), key.address);
      assert.equal(await recoverAddress({ hash, signature: sig.signature }), key.address);
      // the wrong recovery id recovers some other address
      const flipped = (hexOf(bytes.slice(0, 64)) + (28 - recoveryId).toString(16)) as Hex;
      assert.notEqual(await recoverAddress({ hash, signature: flipped }), key.address);
    });

    it('message + keccak256 signs keccak256(message): viem recovers the address; EIP-191 personal messages too', async () => {
      const message = utf8('plain bytes hashed with keccak256');
      const sig = await client.sign(key.id, { message, hash: 'keccak256', encoding: 'recoverable' });
      assert.equal(await recoverAddress({ hash: keccak256(message), signature: sig.signature }), key.address);
      const byDigest = await client.sign(key.id, { digest: keccak256(message), encoding: 'recoverable' });
      assert.equal(byDigest.signature, sig.signature, 'same digest, same deterministic signature');

      // EIP-191: "\x19Ethereum Signed Message:\n" + len + message, hashed with keccak256 by Strongbox
      const text = 'hello strongbox';
      const prefixed = utf8(`\x19Ethereum Signed Message:\n${text.length}${text}`);
      const personal = await client.sign(key.id, { message: prefixed, hash: 'keccak256', encoding: 'recoverable' });
      assert.equal(await recoverMessageAddress({ message: text, signature: personal.signature }), key.address);
      // and the same through a digest computed by viem
      const viaDigest = await client.sign(key.id, { digest: hashMessage(text), encoding: 'recoverable' });
      assert.equal(viaDigest.signature, personal.signature);
      assert.equal(await recoverMessageAddress({ message: text, signature: viaDigest.signature }), key.address);
    });

    it('ECDSA is deterministic and always low-S', async () => {
      for (let i = 0; i < 24; i++) {
        const digest = hexOf(sha256(`low-s ${i}`));
        const one = await client.sign(key.id, { digest, encoding: 'raw' });
        const two = await client.sign(key.id, { digest, encoding: 'raw' });
        assert.equal(one.signature, two.signature, `digest ${i} signed twice`);
        const { s } = rs(secp256k1, bytesOf(one.signature), 'compact');
        assert.ok(s > 0n && s <= SECP256K1_N / 2n, `s of digest ${i} is low`);
      }
    });
  });

  describe('P-256 (checked with the openssl CLI and RFC 6979)', () => {
    it('message + sha256 DER signatures verify with openssl dgst; a digest of the same message gives the same signature', async () => {
      const key = await client.createKey({ type: 'p256', name: 'p256-gen' });
      const pemPath = file('p256.pub.pem', await pemOfKey(key.id));
      const text = await openssl(['pkey', '-pubin', '-in', pemPath, '-text', '-noout']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /NIST CURVE: P-256|prime256v1/);
      assert.equal(text.stdout.replace(/[\s:]/g, '').includes(key.publicKey!.slice(2)), true);

      const message = new TextEncoder().encode('verify me with openssl');
      const sig = await client.sign(key.id, { message: hexOf(message), hash: 'sha256', encoding: 'der' });
      const byDigest = await client.sign(key.id, { digest: hexOf(sha256(message)) });
      assert.equal(byDigest.signature, sig.signature);
      const msgPath = file('p256.msg', message);
      const ok = await openssl(['dgst', '-sha256', '-verify', pemPath, '-signature', file('p256.sig', bytesOf(sig.signature)), msgPath]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Verified OK/);

      // a flipped bit in the signature fails in openssl
      const tampered = bytesOf(sig.signature);
      tampered[tampered.length - 1]! ^= 0x01;
      const bad = await openssl(['dgst', '-sha256', '-verify', pemPath, '-signature', file('p256.bad.sig', tampered), msgPath]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stdout + bad.stderr, /Verification failure/i);

      // the raw encoding carries the same (r, s)
      const raw = await client.sign(key.id, { message: hexOf(message), encoding: 'raw' });
      assert.deepEqual(rs(p256, bytesOf(raw.signature), 'compact'), rs(p256, bytesOf(sig.signature), 'der'));
    });

    it('RFC 6979 A.2.5: the published key signs "sample" with the published r, and s normalized to low-S', async () => {
      const x = 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721';
      const key = await client.importKey({ type: 'p256', privateKey: `0x${x}` });
      assert.equal(key.publicKey, '0x0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299');
      const sig = await client.sign(key.id, { message: utf8('sample'), hash: 'sha256', encoding: 'raw' });
      const { r, s } = rs(p256, bytesOf(sig.signature), 'compact');
      const rfcS = 0xf7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8n;
      assert.equal(r, 0xefd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716n);
      assert.equal(s, P256_N - rfcS, 'the RFC s is high; Strongbox returns n - s');
    });

    it('ECDSA is deterministic and always low-S', async () => {
      const key = await client.createKey({ type: 'p256' });
      for (let i = 0; i < 24; i++) {
        const digest = hexOf(sha256(`p256 low-s ${i}`));
        const one = await client.sign(key.id, { digest });
        const two = await client.sign(key.id, { digest });
        assert.equal(one.signature, two.signature, `digest ${i} signed twice`);
        const { s } = rs(p256, bytesOf(one.signature), 'der');
        assert.ok(s > 0n && s <= P256_N / 2n, `s of digest ${i} is low`);
      }
    });

    it('recoverable encoding is refused for P-256 (INVALID_ARGUMENT on encoding)', async () => {
      const key = await client.createKey({ type: 'p256' });
      const err = await apiError(client.sign(key.id, { digest: hexOf(sha256('x')), encoding: 'recoverable' }));
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'encoding');
    });
  });

  describe('Ed25519 (checked with the openssl CLI, noble and RFC 8032)', () => {
    it('signatures verify with openssl pkeyutl -rawin and with noble; a changed message fails', async () => {
      const key = await client.createKey({ type: 'ed25519', name: 'ed-gen' });
      const pemPath = file('ed.pub.pem', await pemOfKey(key.id));
      const message = new TextEncoder().encode('PureEdDSA signs the message itself');
      const sig = await client.sign(key.id, { message: hexOf(message) });
      assert.equal(sig.encoding, 'raw');
      assert.equal(bytesOf(sig.signature).length, 64);
      const ok = await openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pemPath, '-rawin', '-in', file('ed.msg', message), '-sigfile', file('ed.sig', bytesOf(sig.signature))]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Signature Verified Successfully/);
      const bad = await openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pemPath, '-rawin', '-in', file('ed.msg', new TextEncoder().encode('other')), '-sigfile', file('ed.sig', bytesOf(sig.signature))]);
      assert.notEqual(bad.code, 0);
      assert.equal(ed25519.verify(bytesOf(sig.signature), message, bytesOf(key.publicKey!)), true);
      // a digest is refused: Ed25519 is PureEdDSA
      const err = await apiError(client.sign(key.id, { digest: hexOf(sha256(message)) }));
      assert.equal(err.code, 'UNSUPPORTED_OPERATION');
      assert.equal(err.field, 'digest');
    });

    it('RFC 8032 §7.1 TEST 1: the published seed gives the published public key and signature', async () => {
      const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
      const key = await client.importKey({ type: 'ed25519', privateKey: `0x${seed}` });
      assert.equal(key.publicKey, '0xd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
      assert.equal(key.publicKey, hexOf(ed25519.getPublicKey(bytesOf(seed))));
      const sig = await client.sign(key.id, { message: '0x' });
      assert.equal(
        sig.signature,
        '0xe5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      );
    });
  });

  describe('importing known private keys', () => {
    it('secp256k1 raw hex: public key = noble(d), address = viem privateKeyToAddress(d)', async () => {
      const d = scalarHex(0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318n);
      const key = await client.importKey({ type: 'secp256k1', privateKey: d, name: 'known-k1-hex' });
      assert.equal(key.origin, 'imported');
      assert.equal(key.publicKey, hexOf(secp256k1.getPublicKey(bytesOf(d), false)));
      assert.equal(key.address, privateKeyToAddress(d));
      // the well-known address of this scalar (web3.js documentation example)
      assert.equal(key.address, '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23');
    });

    it('secp256k1 from an openssl-made PEM (SEC1 and PKCS#8) of a fixed scalar: same key as openssl and noble compute', async () => {
      const d = bytesOf(scalarHex(0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318n));
      const derPath = file('k1.key.der', sec1Der(OID_SECP256K1, d));
      const sec1Path = join(dir, `${n++}-k1.sec1.pem`);
      const conv = await openssl(['ec', '-inform', 'DER', '-in', derPath, '-out', sec1Path]);
      assert.equal(conv.code, 0, conv.stderr);
      const pkcs8Path = join(dir, `${n++}-k1.p8.pem`);
      const conv8 = await openssl(['pkey', '-in', sec1Path, '-out', pkcs8Path]);
      assert.equal(conv8.code, 0, conv8.stderr);
      const sec1Pem = readFileSync(sec1Path, 'utf8');
      const pkcs8Pem = readFileSync(pkcs8Path, 'utf8');
      assert.match(sec1Pem, /BEGIN EC PRIVATE KEY/);
      assert.match(pkcs8Pem, /BEGIN PRIVATE KEY/);
      // openssl's own public key for it
      const spki = await run('openssl', ['pkey', '-in', sec1Path, '-pubout'], { encoding: 'utf8' });
      const opensslPoint = hexOf(new Uint8Array(createPublicKey(spki.stdout).export({ type: 'spki', format: 'der' })).slice(-65));

      const a = await client.importKey({ type: 'secp256k1', pem: sec1Pem });
      const b = await client.importKey({ type: 'secp256k1', pem: pkcs8Pem });
      for (const key of [a, b]) {
        assert.equal(key.publicKey, opensslPoint);
        assert.equal(key.publicKey, hexOf(secp256k1.getPublicKey(d, false)));
        assert.equal(key.address, privateKeyToAddress(hexOf(d)));
        assert.equal(await pemOfKey(key.id), spki.stdout, 'the SPKI PEM is byte-identical to openssl -pubout');
      }
      // all three hold the same private key: same deterministic signature
      const digest = hexOf(sha256('same key'));
      const hexKey = await client.importKey({ type: 'secp256k1', privateKey: hexOf(d) });
      const sigs = await Promise.all([a, b, hexKey].map((k) => client.sign(k.id, { digest })));
      assert.equal(sigs[0]!.signature, sigs[1]!.signature);
      assert.equal(sigs[1]!.signature, sigs[2]!.signature);
    });

    it('P-256 from openssl ecparam (SEC1) and from openssl genpkey (PKCS#8): the public key matches openssl', async () => {
      for (const args of [
        ['ecparam', '-name', 'prime256v1', '-genkey', '-noout'],
        ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ]) {
        const keyPath = join(dir, `${n++}-p256.key.pem`);
        const gen = await openssl([...args, '-out', keyPath]);
        assert.equal(gen.code, 0, gen.stderr);
        const pem = readFileSync(keyPath, 'utf8');
        const spki = await run('openssl', ['pkey', '-in', keyPath, '-pubout'], { encoding: 'utf8' });
        const key = await client.importKey({ type: 'p256', pem });
        assert.equal(key.type, 'p256');
        assert.equal(await pemOfKey(key.id), spki.stdout);
        // the imported key signs what openssl verifies with its own public key
        const message = new TextEncoder().encode(`imported ${args[0]}`);
        const sig = await client.sign(key.id, { message: hexOf(message) });
        const ok = await openssl(['dgst', '-sha256', '-verify', file('p256.openssl.pub.pem', spki.stdout), '-signature', file('p256.imp.sig', bytesOf(sig.signature)), file('p256.imp.msg', message)]);
        assert.equal(ok.code, 0, ok.stderr);
      }
    });

    it('P-256 fixed scalar via raw hex, SEC1 PEM and PKCS#8 PEM: one public key, equal to noble and openssl', async () => {
      const d = bytesOf('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
      const derPath = file('p256.key.der', sec1Der(OID_P256, d));
      const sec1Path = join(dir, `${n++}-p256.sec1.pem`);
      assert.equal((await openssl(['ec', '-inform', 'DER', '-in', derPath, '-out', sec1Path])).code, 0);
      const pkcs8Path = join(dir, `${n++}-p256.p8.pem`);
      assert.equal((await openssl(['pkey', '-in', sec1Path, '-out', pkcs8Path])).code, 0);
      const spki = await run('openssl', ['pkey', '-in', sec1Path, '-pubout'], { encoding: 'utf8' });
      const expected = hexOf(p256.getPublicKey(d, false));
      for (const material of [{ privateKey: hexOf(d) }, { pem: readFileSync(sec1Path, 'utf8') }, { pem: readFileSync(pkcs8Path, 'utf8') }]) {
        const key = await client.importKey({ type: 'p256', ...material });
        assert.equal(key.publicKey, expected);
        assert.equal(await pemOfKey(key.id), spki.stdout);
      }
    });

    it('Ed25519 from openssl genpkey (PKCS#8) and from a fixed seed: public keys match openssl and noble', async () => {
      const keyPath = join(dir, `${n++}-ed.key.pem`);
      assert.equal((await openssl(['genpkey', '-algorithm', 'ed25519', '-out', keyPath])).code, 0);
      const spki = await run('openssl', ['pkey', '-in', keyPath, '-pubout'], { encoding: 'utf8' });
      const generated = await client.importKey({ type: 'ed25519', pem: readFileSync(keyPath, 'utf8') });
      assert.equal(await pemOfKey(generated.id), spki.stdout);

      const seed = bytesOf('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'); // RFC 8032 TEST 2
      const derPath = file('ed.key.der', bytesOf(ED25519_PKCS8_PREFIX + Buffer.from(seed).toString('hex')));
      const pemPath = join(dir, `${n++}-ed.fixed.pem`);
      assert.equal((await openssl(['pkey', '-inform', 'DER', '-in', derPath, '-out', pemPath])).code, 0);
      const fixed = await client.importKey({ type: 'ed25519', pem: readFileSync(pemPath, 'utf8') });
      assert.equal(fixed.publicKey, hexOf(ed25519.getPublicKey(seed)));
      assert.equal(fixed.publicKey, '0x3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
      const fixedSpki = await run('openssl', ['pkey', '-in', pemPath, '-pubout'], { encoding: 'utf8' });
      assert.equal(await pemOfKey(fixed.id), fixedSpki.stdout);
    });
  });

  describe('invalid key material is refused (400 INVALID_KEY_MATERIAL naming the field) and nothing is stored', () => {
    for (const [type, order] of [['secp256k1', SECP256K1_N], ['p256', P256_N]] as const) {
      const invalidScalars: [string, bigint][] = [
        ['0', 0n],
        ['n', order],
        ['n + 1', order + 1n],
        ['2^256 - 1', 2n ** 256n - 1n],
      ];
      for (const [label, value] of invalidScalars) {
        it(`${type}: privateKey = ${label}`, async () => {
          const before = (await client.listKeys({ limit: 1000 })).keys.length;
          const err = await apiError(client.importKey({ type, privateKey: scalarHex(value) }));
          assert.equal(err.status, 400);
          assert.equal(err.code, 'INVALID_KEY_MATERIAL');
          assert.equal(err.field, 'privateKey');
          assert.equal((await client.listKeys({ limit: 1000 })).keys.length, before);
        });
      }
      it(`${type}: privateKey = n - 1 is the largest valid scalar`, async () => {
        const key = await client.importKey({ type, privateKey: scalarHex(order - 1n) });
        assert.equal(key.type, type);
      });
    }

    it('privateKey of the wrong length is INVALID_ARGUMENT on privateKey', async () => {
      const err = await apiError(client.importKey({ type: 'secp256k1', privateKey: '0x' + '11'.repeat(31) }));
      assert.equal(err.status, 400);
      assert.equal(err.field, 'privateKey');
    });

    it('a SEC1 PEM whose public point is not on the curve', async () => {
      const d = bytesOf(scalarHex(12345n));
      for (const [type, curve, oid] of [['p256', p256, OID_P256], ['secp256k1', secp256k1, OID_SECP256K1]] as const) {
        const point = curve.getPublicKey(d, false);
        const offCurve = point.slice();
        offCurve[64]! ^= 0x01; // y + 1 (or - 1): x³ + ax + b = y² cannot hold for both
        assert.throws(() => curve.Point.fromBytes(offCurve), 'the constructed point really is off the curve');
        const pem = pemOf('EC PRIVATE KEY', sec1Der(oid, d, offCurve));
        const err = await apiError(client.importKey({ type, pem }));
        assert.equal(err.status, 400, type);
        assert.equal(err.code, 'INVALID_KEY_MATERIAL', type);
        assert.equal(err.field, 'pem', type);
        // sanity: the same structure with the right point is accepted
        const good = await client.importKey({ type, pem: pemOf('EC PRIVATE KEY', sec1Der(oid, d, point)) });
        assert.equal(good.publicKey, hexOf(point));
      }
    });

    it('a SEC1 PEM whose (valid) public point belongs to another private key', async () => {
      const d = bytesOf(scalarHex(777n));
      const other = p256.getPublicKey(bytesOf(scalarHex(778n)), false);
      const err = await apiError(client.importKey({ type: 'p256', pem: pemOf('EC PRIVATE KEY', sec1Der(OID_P256, d, other)) }));
      assert.equal(err.code, 'INVALID_KEY_MATERIAL');
      assert.equal(err.field, 'pem');
    });

    it('a PEM of another curve or algorithm, encrypted, or public only', async () => {
      const p384Path = join(dir, `${n++}-p384.pem`);
      assert.equal((await openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', p384Path])).code, 0);
      const k1Path = join(dir, `${n++}-k1.gen.pem`);
      assert.equal((await openssl(['ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', k1Path])).code, 0);
      const edPath = join(dir, `${n++}-ed.gen.pem`);
      assert.equal((await openssl(['genpkey', '-algorithm', 'ed25519', '-out', edPath])).code, 0);
      const encPath = join(dir, `${n++}-enc.pem`);
      assert.equal((await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:secret', '-out', encPath])).code, 0);
      const rsaPath = join(dir, `${n++}-rsa.pem`);
      assert.equal((await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', rsaPath])).code, 0);
      const x25519Path = join(dir, `${n++}-x25519.pem`);
      assert.equal((await openssl(['genpkey', '-algorithm', 'x25519', '-out', x25519Path])).code, 0);
      const pubPath = file('p256.public-only.pem', (await run('openssl', ['pkey', '-in', encPath, '-passin', 'pass:secret', '-pubout'], { encoding: 'utf8' })).stdout);
      const cases: [string, 'p256' | 'secp256k1' | 'ed25519', string][] = [
        ['an encrypted PKCS#8 key (no passphrase is ever asked for)', 'p256', encPath],
        ['an RSA key', 'p256', rsaPath],
        ['an X25519 key as ed25519', 'ed25519', x25519Path],
        ['a public key PEM', 'p256', pubPath],
        ['secp384r1 as p256', 'p256', p384Path],
        ['secp384r1 as secp256k1', 'secp256k1', p384Path],
        ['secp256k1 as p256', 'p256', k1Path],
        ['ed25519 as secp256k1', 'secp256k1', edPath],
        ['secp256k1 as ed25519', 'ed25519', k1Path],
      ];
      for (const [label, type, path] of cases) {
        const err = await apiError(client.importKey({ type, pem: readFileSync(path, 'utf8') }));
        assert.equal(err.status, 400, label);
        assert.equal(err.code, 'INVALID_KEY_MATERIAL', label);
        assert.equal(err.field, 'pem', label);
      }
    });

    it('a PEM that is not a key at all', async () => {
      for (const pem of ['-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n', 'not a pem']) {
        const err = await apiError(client.importKey({ type: 'p256', pem }));
        assert.equal(err.code, 'INVALID_KEY_MATERIAL');
        assert.equal(err.field, 'pem');
      }
    });
  });

  describe('verify endpoint agrees with the independent verifiers', () => {
    it('a noble-made secp256k1 signature from the known key is valid; a high-S twin is accepted by plain verify', async () => {
      const d = bytesOf(scalarHex(0x0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0den));
      const key = await client.importKey({ type: 'secp256k1', privateKey: hexOf(d) });
      const digest = sha256('verify endpoint');
      const sig = secp256k1.sign(digest, d, { prehash: false, lowS: true, format: 'compact' });
      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: hexOf(sig), encoding: 'raw' })).valid, true);
      const parsed = secp256k1.Signature.fromBytes(sig, 'compact');
      const high = new secp256k1.Signature(parsed.r, SECP256K1_N - parsed.s).toBytes('compact');
      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: hexOf(high), encoding: 'raw' })).valid, true, 'documented: any valid S is accepted');
      assert.equal((await client.verify(key.id, { digest: hexOf(sha256('other')), signature: hexOf(sig), encoding: 'raw' })).valid, false);
    });

    it('recoverable: the high-S twin (r, n - s) with its own recovery id (v xor 1) is valid too, like raw and DER', async () => {
      const d = bytesOf(scalarHex(0x5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eedn));
      const key = await client.importKey({ type: 'secp256k1', privateKey: hexOf(d) });
      const digest = sha256('high-s recoverable');
      const low = secp256k1.Signature.fromBytes(secp256k1.sign(digest, d, { prehash: false, lowS: true, format: 'recovered' }), 'recovered');
      const high = new secp256k1.Signature(low.r, SECP256K1_N - low.s, low.recovery! ^ 1);
      // noble and viem agree that the twin recovers the same key
      assert.equal(hexOf(high.recoverPublicKey(digest).toBytes(false)), key.publicKey);
      const lowHex = hexOf(new Uint8Array([...low.toBytes('compact'), low.recovery!]));
      const highHex = hexOf(new Uint8Array([...high.toBytes('compact'), high.recovery!]));
      assert.equal(await recoverAddress({ hash: hexOf(digest), signature: highHex }), key.address);

      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: lowHex, encoding: 'recoverable' })).valid, true);
      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: hexOf(high.toBytes('compact')), encoding: 'raw' })).valid, true);
      assert.equal(
        (await client.verify(key.id, { digest: hexOf(digest), signature: highHex, encoding: 'recoverable' })).valid,
        true,
        'documented: verify accepts any valid S; the high-S recoverable signature recovers this very key',
      );
      // while a wrong recovery id is invalid whichever S is used
      const wrongV = hexOf(new Uint8Array([...low.toBytes('compact'), low.recovery! ^ 1]));
      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: wrongV, encoding: 'recoverable' })).valid, false);
    });

    it('P-256: a high-S twin verifies (any valid S is accepted); openssl accepts it as well', async () => {
      const d = bytesOf(scalarHex(0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefn));
      const key = await client.importKey({ type: 'p256', privateKey: hexOf(d) });
      const message = new TextEncoder().encode('p256 high s');
      const digest = sha256(message);
      const low = p256.Signature.fromBytes(p256.sign(digest, d, { prehash: false, lowS: true, format: 'compact' }), 'compact');
      const highDer = new p256.Signature(low.r, P256_N - low.s).toBytes('der');
      assert.equal((await client.verify(key.id, { digest: hexOf(digest), signature: hexOf(highDer) })).valid, true);
      const ok = await openssl(['dgst', '-sha256', '-verify', file('p256.hs.pem', await pemOfKey(key.id)), '-signature', file('p256.hs.sig', highDer), file('p256.hs.msg', message)]);
      assert.equal(ok.code, 0, ok.stderr);
    });
  });
});
