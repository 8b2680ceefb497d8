/**
 * ECDSA vectors for the secp256k1 and p256 signers (src/crypto/signers/).
 *
 * Verification: every test of the Wycheproof files in test/vectors/wycheproof/ (copied from
 * C2SP/wycheproof, Apache-2.0): DER files with encoding 'der', P1363 files with 'raw', and the
 * Bitcoin file with 'der' plus requireLowS (BIP 62 / BIP 146 LOW_S). The message is hashed with
 * SHA-256 here because the signers take digests.
 *
 * Signing: determinism and low-S for a few keys, cross-checked with independent verifiers
 * (@noble/curves for secp256k1, OpenSSL through node:crypto for both curves), plus known answers:
 * RFC 6979 §A.2.5 (P-256, SHA-256, "sample" and "test") and the secp256k1 RFC 6979 vector
 * (key 1, "Satoshi Nakamoto") published at bitcointalk.org topic 285142 and used by bitcoinjs-lib.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js';
import { secp256k1 } from '../../src/crypto/signers/secp256k1.js';
import { p256 } from '../../src/crypto/signers/p256.js';
import type { AsymmetricAlgorithm, SignatureEncoding, VerifyOptions } from '../../src/crypto/signers/types.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { collectFailures, expectedValidity, hex, loadWycheproof, type AcceptablePolicy, type WycheproofCase } from './wycheproof.js';

interface EcdsaCase extends WycheproofCase {
  msg: string;
  sig: string;
}

interface EcdsaGroup {
  publicKey: { curve: string; uncompressed: string };
  sha: string;
  tests: EcdsaCase[];
}

/**
 * Policy for Wycheproof `acceptable` ECDSA cases. The current files have none; these are the flags
 * older releases marked acceptable, decided here so an updated file cannot pass by accident.
 */
const ECDSA_ACCEPTABLE: AcceptablePolicy = {
  // A DER INTEGER lacking the 0x00 that keeps it positive: not DER. Strongbox parses strict DER
  // only, so every signature has exactly one encoding (no malleability through the wrapper).
  MissingZero: false,
  // BER-only encodings (long-form lengths, padding): rejected for the same reason.
  BerEncodedSignature: false,
};

const CURVE_ORDER = {
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
} as const;

interface VectorFile {
  file: string;
  alg: AsymmetricAlgorithm;
  curve: string;
  encoding: SignatureEncoding;
  options: VerifyOptions;
}

const FILES: VectorFile[] = [
  { file: 'ecdsa_secp256k1_sha256_test.json', alg: secp256k1, curve: 'secp256k1', encoding: 'der', options: {} },
  { file: 'ecdsa_secp256k1_sha256_p1363_test.json', alg: secp256k1, curve: 'secp256k1', encoding: 'raw', options: {} },
  { file: 'ecdsa_secp256k1_sha256_bitcoin_test.json', alg: secp256k1, curve: 'secp256k1', encoding: 'der', options: { requireLowS: true } },
  { file: 'ecdsa_secp256r1_sha256_test.json', alg: p256, curve: 'secp256r1', encoding: 'der', options: {} },
  { file: 'ecdsa_secp256r1_sha256_p1363_test.json', alg: p256, curve: 'secp256r1', encoding: 'raw', options: {} },
];

const sha256 = (data: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const toBigInt = (bytes: Uint8Array): bigint => BigInt('0x' + (toHex(bytes) || '0'));
const to32 = (n: bigint): Uint8Array => hex(n.toString(16).padStart(64, '0'));

for (const { file, alg, curve, encoding, options } of FILES) {
  test(`Wycheproof ${file}: ${alg.type}.verify(…, '${encoding}'${options.requireLowS ? ', requireLowS' : ''})`, () => {
    const data = loadWycheproof<EcdsaGroup>(file);
    const cases = data.testGroups.flatMap((group) => group.tests.map((c) => ({ ...c, group })));
    const { failures, count } = collectFailures(file, cases, (c) => {
      if (c.group.sha !== 'SHA-256') return `unexpected hash ${c.group.sha}`;
      if (c.group.publicKey.curve !== curve) return `unexpected curve ${c.group.publicKey.curve}`;
      const expected = expectedValidity(file, c, ECDSA_ACCEPTABLE);
      const publicKey = hex(c.group.publicKey.uncompressed);
      try {
        alg.assertPublicKey(publicKey);
      } catch (err) {
        // A group whose key assertPublicKey rejects can only hold signatures we must refuse anyway.
        return expected ? `assertPublicKey rejected the group key of a valid case: ${String(err)}` : undefined;
      }
      const got = alg.verify(publicKey, { kind: 'digest', digest: sha256(hex(c.msg)) }, hex(c.sig), encoding, options);
      return got === expected ? undefined : `expected verify → ${expected}, got ${got}`;
    });
    assert.equal(count, data.numberOfTests, `${file}: ran ${count} of numberOfTests ${data.numberOfTests}`);
    assert.deepEqual(failures, [], `${file}: ${failures.length} of ${count} cases disagree`);
  });
}

test('acceptable-case policy: an unlisted flag fails instead of passing silently', () => {
  const c: WycheproofCase = { tcId: 0, comment: 'synthetic', flags: ['SomeNewFlag'], result: 'acceptable' };
  assert.throws(() => expectedValidity('synthetic.json', c, ECDSA_ACCEPTABLE), /SomeNewFlag/);
  assert.equal(expectedValidity('synthetic.json', { ...c, flags: ['MissingZero'] }, ECDSA_ACCEPTABLE), false);
});

test('assertPublicKey rejects invalid points with INVALID_KEY_MATERIAL; verify returns false for them', () => {
  const failures: string[] = [];
  for (const { file, alg } of FILES.filter((f) => f.encoding === 'der' && !f.options.requireLowS)) {
    const group = loadWycheproof<EcdsaGroup>(file).testGroups[0]!;
    const valid = hex(group.publicKey.uncompressed);
    const validCase = group.tests.find((c) => c.result === 'valid')!;
    const digest = sha256(hex(validCase.msg));
    assert.doesNotThrow(() => alg.assertPublicKey(valid), `${file} group 0 key`);
    assert.equal(alg.verify(valid, { kind: 'digest', digest }, hex(validCase.sig), 'der'), true, `${file} tcId ${validCase.tcId}`);

    // Invalid encodings derived from the file's first group key (an on-curve point).
    const offCurve = valid.slice();
    offCurve[64]! ^= 0x01;
    const badPrefix = valid.slice();
    badPrefix[0] = 0x05;
    const fieldPrime = alg.type === 'secp256k1' ? 2n ** 256n - 2n ** 32n - 977n : 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
    const xIsP = new Uint8Array([0x04, ...to32(fieldPrime), ...valid.subarray(33)]);
    const zeroPoint = new Uint8Array(65);
    zeroPoint[0] = 0x04;
    const bad: [string, Uint8Array][] = [
      ['y not on the curve', offCurve],
      ['unknown prefix 0x05', badPrefix],
      ['x = p', xIsP],
      ['all-zero coordinates', zeroPoint],
      ['truncated to 64 bytes', valid.subarray(0, 64)],
      ['point at infinity 0x00', new Uint8Array([0])],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, key] of bad) {
      const where = `${alg.type}.assertPublicKey(${what}: ${toHex(key) || 'empty'})`;
      try {
        alg.assertPublicKey(key);
        failures.push(`${where} did not throw`);
      } catch (err) {
        if (!(err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL')) {
          failures.push(`${where} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of StrongboxError INVALID_KEY_MATERIAL`);
        }
      }
      if (alg.verify(key, { kind: 'digest', digest }, hex(validCase.sig), 'der') !== false) failures.push(`${alg.type}.verify with ${what} key did not return false`);
    }
  }
  assert.deepEqual(failures, []);
});

/** Strict DER ECDSA-Sig-Value decoder (X.690 §8.3, minimal positive INTEGERs), independent of the signers. */
function parseDer(sig: Uint8Array): { r: bigint; s: bigint } {
  const fail = (why: string): never => assert.fail(`not strict DER (${why}): ${toHex(sig)}`);
  if (sig[0] !== 0x30 || sig[1] !== sig.byteLength - 2 || sig[1]! >= 0x80) fail('sequence header');
  let offset = 2;
  const int = (): bigint => {
    if (sig[offset] !== 0x02) fail('integer tag');
    const len = sig[offset + 1]!;
    const body = sig.subarray(offset + 2, offset + 2 + len);
    if (len === 0 || body.byteLength !== len) fail('integer length');
    if (body[0]! & 0x80) fail('negative integer');
    if (len > 1 && body[0] === 0 && !(body[1]! & 0x80)) fail('non-minimal integer');
    offset += 2 + len;
    return toBigInt(body);
  };
  const r = int();
  const s = int();
  if (offset !== sig.byteLength) fail('trailing bytes');
  return { r, s };
}

/** An OpenSSL public key built from the raw point via JWK, without going through the signer's own toSpki. */
function openSslKey(crv: 'secp256k1' | 'P-256', uncompressed: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv, x: b64(uncompressed.subarray(1, 33)), y: b64(uncompressed.subarray(33, 65)) }, format: 'jwk' });
}

const SIGNING_KEYS: Record<'secp256k1' | 'p256', string[]> = {
  secp256k1: [
    '0000000000000000000000000000000000000000000000000000000000000001',
    'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140', // n - 1
    'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
    '1f0e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0',
  ],
  p256: [
    '0000000000000000000000000000000000000000000000000000000000000001',
    'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550', // n - 1
    'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
    '1f0e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0',
  ],
};
const MESSAGES = ['', 'sample', 'test', 'Satoshi Nakamoto', 'x'.repeat(1000)];

for (const alg of [secp256k1, p256]) {
  const type = alg.type as 'secp256k1' | 'p256';
  test(`${type} signing: deterministic, low-S, verified by independent implementations`, () => {
    const n = CURVE_ORDER[type];
    for (const skHex of SIGNING_KEYS[type]) {
      const secretKey = hex(skHex);
      alg.assertSecretKey(secretKey);
      const publicKey = alg.publicKeyOf(secretKey);
      const signer = alg.load(secretKey, publicKey);
      const keyObject = openSslKey(type === 'p256' ? 'P-256' : 'secp256k1', publicKey);
      for (const message of MESSAGES) {
        const where = `${type} key ${skHex} message ${JSON.stringify(message.slice(0, 20))}`;
        const digest = sha256(message);
        const payload = { kind: 'digest', digest } as const;
        const raw = signer.sign(payload, 'raw').signature;
        const der = signer.sign(payload, 'der').signature;
        assert.deepEqual(signer.sign(payload, 'raw').signature, raw, `${where}: raw signing is not deterministic`);
        assert.deepEqual(signer.sign(payload, 'der').signature, der, `${where}: DER signing is not deterministic`);
        assert.equal(raw.byteLength, 64, `${where}: raw signature length`);
        const r = toBigInt(raw.subarray(0, 32));
        const s = toBigInt(raw.subarray(32));
        assert.deepEqual(parseDer(der), { r, s }, `${where}: DER and raw encode different (r, s)`);
        assert.ok(r > 0n && r < n && s > 0n && s < n, `${where}: r or s out of range`);
        assert.ok(s <= n >> 1n, `${where}: s is not low (s = ${s.toString(16)})`);

        assert.equal(nodeVerify('sha256', Buffer.from(message), keyObject, der), true, `${where}: OpenSSL rejects the DER signature`);
        assert.equal(nodeVerify('sha256', Buffer.from(message), { key: keyObject, dsaEncoding: 'ieee-p1363' }, raw), true, `${where}: OpenSSL rejects the raw signature`);
        if (type === 'secp256k1') {
          assert.equal(nobleSecp256k1.verify(raw, digest, publicKey, { prehash: false, lowS: true, format: 'compact' }), true, `${where}: noble rejects the raw signature`);
          assert.equal(nobleSecp256k1.verify(der, digest, publicKey, { prehash: false, lowS: true, format: 'der' }), true, `${where}: noble rejects the DER signature`);
        }
        assert.equal(alg.verify(publicKey, payload, der, 'der', { requireLowS: true }), true, `${where}: own verify rejects own signature`);

        // The high-S twin (r, n - s) is the same signature mathematically: valid, unless low-S is required.
        const highS = new Uint8Array([...raw.subarray(0, 32), ...to32(n - s)]);
        assert.equal(alg.verify(publicKey, payload, highS, 'raw'), true, `${where}: high-S twin rejected without requireLowS`);
        assert.equal(alg.verify(publicKey, payload, highS, 'raw', { requireLowS: true }), false, `${where}: high-S twin accepted with requireLowS`);
      }
      signer.wipe();
    }
  });
}

test('RFC 6979 §A.2.5 known answers: P-256 with SHA-256 (s normalized to low-S)', () => {
  const n = CURVE_ORDER.p256;
  const secretKey = hex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
  const publicKey = p256.publicKeyOf(secretKey);
  assert.equal(
    toHex(publicKey),
    '04' + '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' + '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
    'RFC 6979 A.2.5 public key (Ux, Uy)',
  );
  const vectors = [
    { message: 'sample', r: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716', s: 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8' },
    { message: 'test', r: 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367', s: '019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083' },
  ];
  const signer = p256.load(secretKey, publicKey);
  for (const v of vectors) {
    const raw = signer.sign({ kind: 'digest', digest: sha256(v.message) }, 'raw').signature;
    assert.equal(toHex(raw.subarray(0, 32)), v.r, `RFC 6979 A.2.5 SHA-256 "${v.message}": r`);
    const rfcS = BigInt('0x' + v.s);
    const lowS = rfcS > n >> 1n ? n - rfcS : rfcS;
    assert.equal(toHex(raw.subarray(32)), toHex(to32(lowS)), `RFC 6979 A.2.5 SHA-256 "${v.message}": s must be the RFC's s or n - s, whichever is low`);
  }
  signer.wipe();
});

test('RFC 6979 known answer: secp256k1, key 1, SHA-256("Satoshi Nakamoto") (bitcointalk topic 285142)', () => {
  const secretKey = hex('0000000000000000000000000000000000000000000000000000000000000001');
  const signer = secp256k1.load(secretKey, secp256k1.publicKeyOf(secretKey));
  const der = signer.sign({ kind: 'digest', digest: sha256('Satoshi Nakamoto') }, 'der').signature;
  assert.equal(
    toHex(der),
    '3045022100934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d802202442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5',
  );
  signer.wipe();
});
