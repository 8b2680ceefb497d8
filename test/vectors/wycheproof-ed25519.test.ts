/**
 * Ed25519 vectors for src/crypto/signers/ed25519.ts (PureEdDSA, RFC 8032).
 *
 * Verification: every test of test/vectors/wycheproof/ed25519_test.json (copied from
 * C2SP/wycheproof, Apache-2.0). Key validation: encodings that decode to no curve point must fail
 * assertPublicKey (cross-checked with @noble/curves' strict RFC 8032 §5.1.3 decoder).
 * Signing: RFC 8032 §7.1 TEST 1, 2 and 3 known answers (seed → public key → signature).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 as nobleEd25519 } from '@noble/curves/ed25519.js';
import { ed25519 } from '../../src/crypto/signers/ed25519.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { collectFailures, expectedValidity, hex, loadWycheproof, type AcceptablePolicy, type WycheproofCase } from './wycheproof.js';

interface EddsaCase extends WycheproofCase {
  msg: string;
  sig: string;
}

interface EddsaGroup {
  publicKey: { curve: string; pk: string };
  tests: EddsaCase[];
}

/**
 * Policy for Wycheproof `acceptable` Ed25519 cases (the current file has none).
 */
const EDDSA_ACCEPTABLE: AcceptablePolicy = {
  // S >= L or a non-canonical R: RFC 8032 §5.1.7 step 1 requires rejecting them; accepting would
  // make signatures malleable.
  SignatureMalleability: false,
};

const FILE = 'ed25519_test.json';
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test(`Wycheproof ${FILE}: ed25519.verify(…, 'raw')`, () => {
  const data = loadWycheproof<EddsaGroup>(FILE);
  const cases = data.testGroups.flatMap((group) => group.tests.map((c) => ({ ...c, group })));
  const { failures, count } = collectFailures(FILE, cases, (c) => {
    if (c.group.publicKey.curve !== 'edwards25519') return `unexpected curve ${c.group.publicKey.curve}`;
    const expected = expectedValidity(FILE, c, EDDSA_ACCEPTABLE);
    const publicKey = hex(c.group.publicKey.pk);
    try {
      ed25519.assertPublicKey(publicKey);
    } catch (err) {
      return expected ? `assertPublicKey rejected the group key of a valid case: ${String(err)}` : undefined;
    }
    const got = ed25519.verify(publicKey, { kind: 'message', message: hex(c.msg) }, hex(c.sig), 'raw');
    return got === expected ? undefined : `expected verify → ${expected}, got ${got}`;
  });
  assert.equal(count, data.numberOfTests, `${FILE}: ran ${count} of numberOfTests ${data.numberOfTests}`);
  assert.deepEqual(failures, [], `${FILE}: ${failures.length} of ${count} cases disagree`);
});

test('acceptable-case policy: an unlisted flag fails instead of passing silently', () => {
  const c: WycheproofCase = { tcId: 0, comment: 'synthetic', flags: ['SomeNewFlag'], result: 'acceptable' };
  assert.throws(() => expectedValidity('synthetic.json', c, EDDSA_ACCEPTABLE), /SomeNewFlag/);
});

test('assertPublicKey rejects encodings that are not curve points, with INVALID_KEY_MATERIAL', () => {
  const yIs = (y: number): Uint8Array => {
    const b = new Uint8Array(32);
    b[0] = y;
    return b;
  };
  // y = 2, 7, 8: x² = (y² - 1) / (d·y² + 1) has no square root mod p, so no point has this y
  // (RFC 8032 §5.1.3 step 4 "decoding fails"). y = 2^255 - 1 >= p is non-canonical (step 1).
  const nonCanonicalY = new Uint8Array(32).fill(0xff);
  nonCanonicalY[31] = 0x7f;
  const bad: [string, Uint8Array][] = [
    ['y = 2 (no x)', yIs(2)],
    ['y = 7 (no x)', yIs(7)],
    ['y = 8 (no x)', yIs(8)],
    ['y = 2^255 - 1 (>= p)', nonCanonicalY],
    ['31 bytes', new Uint8Array(31)],
    ['33 bytes', new Uint8Array(33)],
    ['empty', new Uint8Array(0)],
  ];
  const failures: string[] = [];
  for (const [what, key] of bad) {
    if (key.byteLength === 32) assert.throws(() => nobleEd25519.Point.fromBytes(key), `reference decoder must also reject ${what}`);
    const where = `ed25519.assertPublicKey(${what}: ${toHex(key) || 'empty'})`;
    try {
      ed25519.assertPublicKey(key);
      failures.push(`${where} did not throw`);
    } catch (err) {
      if (!(err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL')) failures.push(`${where} threw ${String(err)} instead of INVALID_KEY_MATERIAL`);
    }
  }
  assert.deepEqual(failures, []);
});

test('RFC 8032 §7.1 TEST 1-3: public key and signature known answers', () => {
  const vectors = [
    {
      name: 'TEST 1',
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      message: '',
      signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      name: 'TEST 2',
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
      message: '72',
      signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    },
    {
      name: 'TEST 3',
      seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      message: 'af82',
      signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
  ];
  for (const v of vectors) {
    const seed = hex(v.seed);
    ed25519.assertSecretKey(seed);
    const publicKey = ed25519.publicKeyOf(seed);
    assert.equal(toHex(publicKey), v.publicKey, `RFC 8032 §7.1 ${v.name}: public key`);
    const signer = ed25519.load(seed, publicKey);
    const message = { kind: 'message', message: hex(v.message) } as const;
    const { signature } = signer.sign(message, 'raw');
    assert.equal(toHex(signature), v.signature, `RFC 8032 §7.1 ${v.name}: signature`);
    assert.equal(ed25519.verify(publicKey, message, signature, 'raw'), true, `RFC 8032 §7.1 ${v.name}: verify`);
    signer.wipe();
  }
});
