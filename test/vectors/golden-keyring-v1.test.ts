/**
 * Golden keyring (src/keyring/keyring.ts, barrier.ts): the serialized keyring layout and the
 * sealed keyring stored at init must open forever. test/vectors/golden/keyring-v1.json was
 * generated once (random root and term keys) and must never be regenerated.
 *
 * Layout: u32 BE activeTerm | u32 BE count | count × (u32 BE term | 32-byte key), sealed as an
 * envelope v1 with term 0 under the root key, context "strongbox/keyring".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Keyring } from '../../src/keyring/keyring.js';
import { Barrier, DIRECT_TERM, KEYRING_CONTEXT } from '../../src/keyring/barrier.js';
import { openEnvelope, readEnvelopeHeader } from '../../src/keyring/envelope.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { fixture } from '../helpers/paths.js';

interface GoldenKeyring {
  rootKey: string;
  activeTerm: number;
  terms: { term: number; key: string }[];
  serialized: string;
  sealedKeyring: string;
  records: { term: number; context: string; plaintext: string; envelope: string }[];
}

const golden = JSON.parse(readFileSync(fixture('vectors', 'golden', 'keyring-v1.json'), 'utf8')) as GoldenKeyring;
const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('golden keyring: the serialized bytes follow the documented layout', () => {
  const bytes = Buffer.from(golden.serialized, 'hex');
  assert.equal(bytes.readUInt32BE(0), golden.activeTerm, 'activeTerm');
  assert.equal(bytes.readUInt32BE(4), golden.terms.length, 'count');
  assert.equal(bytes.byteLength, 8 + golden.terms.length * 36, 'length');
  golden.terms.forEach(({ term, key }, i) => {
    assert.equal(bytes.readUInt32BE(8 + i * 36), term, `entry ${i} term`);
    assert.equal(bytes.subarray(12 + i * 36, 44 + i * 36).toString('hex'), key, `entry ${i} key`);
  });
});

test('golden keyring: deserialize gives the recorded terms, and serialize gives the same bytes back', () => {
  const keyring = Keyring.deserialize(hex(golden.serialized));
  assert.equal(keyring.activeTerm, golden.activeTerm);
  assert.deepEqual(keyring.terms, golden.terms.map((t) => t.term));
  for (const { term, key } of golden.terms) assert.equal(toHex(keyring.termKey(term) ?? new Uint8Array(0)), key, `term ${term} key`);
  assert.equal(keyring.termKey(0), undefined, 'term 0 is never a keyring term');
  assert.equal(toHex(keyring.serialize()), golden.serialized, 'serialize(deserialize(bytes)) = bytes');
});

test('golden keyring: the sealed keyring opens under the root key as a term-0 envelope', () => {
  const sealed = hex(golden.sealedKeyring);
  assert.equal(KEYRING_CONTEXT, 'strongbox/keyring', 'the keyring context is frozen');
  assert.equal(readEnvelopeHeader(sealed).term, DIRECT_TERM);
  assert.equal(toHex(openEnvelope(hex(golden.rootKey), sealed, 'strongbox/keyring')), golden.serialized);
});

test('golden keyring: a barrier unsealed with it opens records sealed under every term', () => {
  const barrier = new Barrier();
  barrier.unseal(hex(golden.rootKey), hex(golden.sealedKeyring));
  try {
    assert.equal(barrier.activeTerm, golden.activeTerm);
    for (const r of golden.records) {
      assert.equal(readEnvelopeHeader(hex(r.envelope)).term, r.term, `record ${r.context} header term`);
      assert.equal(toHex(barrier.decrypt(hex(r.envelope), r.context)), r.plaintext, `record ${r.context} (term ${r.term})`);
      assert.throws(
        () => barrier.decrypt(hex(r.envelope), r.context + '/moved'),
        (err: unknown) => err instanceof StrongboxError && err.code === 'INTEGRITY_CHECK_FAILED',
        `record ${r.context} under another context`,
      );
    }
    // A new record under the active term round-trips; the golden ones above fix the old terms.
    const fresh = barrier.encrypt(new Uint8Array([1, 2, 3]), 'golden/fresh');
    assert.equal(readEnvelopeHeader(fresh).term, golden.activeTerm);
    assert.deepEqual(barrier.decrypt(fresh, 'golden/fresh'), new Uint8Array([1, 2, 3]));
  } finally {
    barrier.seal();
  }
});

test('golden keyring: a tampered sealed keyring or a wrong root key fails unseal with INTEGRITY_CHECK_FAILED', () => {
  const sealed = hex(golden.sealedKeyring);
  const flipped = sealed.slice();
  flipped[sealed.byteLength - 1]! ^= 0x01;
  const wrongRoot = hex(golden.rootKey);
  wrongRoot[0]! ^= 0x01;
  for (const [what, rootKey, blob] of [
    ['flipped tag byte', hex(golden.rootKey), flipped],
    ['wrong root key', wrongRoot, sealed],
  ] as const) {
    const barrier = new Barrier();
    assert.throws(() => barrier.unseal(rootKey, blob), (err: unknown) => err instanceof StrongboxError && err.code === 'INTEGRITY_CHECK_FAILED', what);
    assert.equal(barrier.sealed, true, `${what}: barrier stays sealed`);
  }
});

test('golden keyring: deserialize rejects truncated or inconsistent bytes', () => {
  const bytes = hex(golden.serialized);
  assert.throws(() => Keyring.deserialize(bytes.subarray(0, 7)), 'shorter than the 8-byte header');
  assert.throws(() => Keyring.deserialize(bytes.subarray(0, bytes.byteLength - 1)), 'one byte short');
  assert.throws(() => Keyring.deserialize(new Uint8Array([...bytes, 0])), 'one byte too many');
  const missingActive = bytes.slice();
  new DataView(missingActive.buffer).setUint32(0, 99, false);
  assert.throws(() => Keyring.deserialize(missingActive), 'active term not among the terms');
});
