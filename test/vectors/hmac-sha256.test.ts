/**
 * HMAC-SHA-256 vectors for src/crypto/hmac.ts (the hmac256 key type): the seven RFC 4231 test
 * cases (test/vectors/rfc4231/) and Wycheproof's hmac_sha256_test.json (copied from
 * C2SP/wycheproof, Apache-2.0). Full-length tags must be produced exactly and verified; modified
 * tags must be refused. Strongbox verifies only full 256-bit tags, so for the 128-bit-tag groups a
 * valid case's tag must equal the MAC's first 16 bytes and still be refused by verification.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hmacSha256, verifyHmacSha256 } from '../../src/crypto/hmac.js';
import { fixture } from '../helpers/paths.js';
import { collectFailures, hex, loadWycheproof, type WycheproofCase } from './wycheproof.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Rfc4231Case {
  testCase: number;
  key: string;
  data: string;
  hmacSha256: string;
  truncatedToBits?: number;
}

test('RFC 4231 test cases 1-7: HMAC-SHA-256', () => {
  const { cases } = JSON.parse(readFileSync(fixture('vectors', 'rfc4231', 'hmac_sha256.json'), 'utf8')) as { cases: Rfc4231Case[] };
  assert.equal(cases.length, 7);
  for (const c of cases) {
    const label = `RFC 4231 test case ${c.testCase}`;
    const mac = hmacSha256(hex(c.key), hex(c.data));
    assert.equal(mac.length, 32, label);
    if (c.truncatedToBits === undefined) {
      assert.equal(toHex(mac), c.hmacSha256, label);
      assert.equal(verifyHmacSha256(hex(c.key), hex(c.data), hex(c.hmacSha256)), true, label);
      const flipped = hex(c.hmacSha256);
      flipped[31]! ^= 0x01;
      assert.equal(verifyHmacSha256(hex(c.key), hex(c.data), flipped), false, `${label}: flipped last bit`);
    } else {
      assert.equal(toHex(mac.subarray(0, c.truncatedToBits / 8)), c.hmacSha256, label);
      assert.equal(verifyHmacSha256(hex(c.key), hex(c.data), hex(c.hmacSha256)), false, `${label}: a truncated tag is not accepted`);
    }
  }
});

interface MacCase extends WycheproofCase {
  key: string;
  msg: string;
  tag: string;
}

interface MacGroup {
  keySize: number;
  tagSize: number;
  tests: MacCase[];
}

const FILE = 'hmac_sha256_test.json';
/** Pinned: 87 full-tag cases (keys of 128, 256 and 520 bits), 87 with 128-bit tags. */
const EXPECTED_FULL = 87;
const EXPECTED_TRUNCATED = 87;

test(`Wycheproof ${FILE}: 256-bit tags are computed exactly; modified tags are refused`, () => {
  const data = loadWycheproof<MacGroup>(FILE);
  const cases = data.testGroups.filter((g) => g.tagSize === 256).flatMap((g) => g.tests);
  const { failures, count } = collectFailures(FILE, cases, (c) => {
    if (c.result === 'acceptable') return 'acceptable case: no HMAC acceptable policy; decide one';
    const key = hex(c.key);
    const msg = hex(c.msg);
    const verified = verifyHmacSha256(key, msg, hex(c.tag));
    if (c.result === 'invalid') return verified ? 'a modified tag verified' : undefined;
    if (toHex(hmacSha256(key, msg)) !== c.tag) return `mac ${toHex(hmacSha256(key, msg))}, expected ${c.tag}`;
    return verified ? undefined : 'a valid tag did not verify';
  });
  assert.equal(count, EXPECTED_FULL, `${FILE}: full-tag case count changed`);
  assert.deepEqual(failures, [], `${FILE}: ${failures.length} of ${count} cases disagree`);
});

test(`Wycheproof ${FILE}: 128-bit tags: valid ones are the MAC's prefix, and never verify (full tags only)`, () => {
  const data = loadWycheproof<MacGroup>(FILE);
  const cases = data.testGroups.filter((g) => g.tagSize === 128).flatMap((g) => g.tests);
  const { failures, count } = collectFailures(FILE, cases, (c) => {
    const key = hex(c.key);
    const msg = hex(c.msg);
    if (verifyHmacSha256(key, msg, hex(c.tag))) return 'a 128-bit tag verified';
    const prefix = toHex(hmacSha256(key, msg).subarray(0, 16));
    if (c.result === 'valid' && prefix !== c.tag) return `mac prefix ${prefix}, expected ${c.tag}`;
    if (c.result === 'invalid' && prefix === c.tag) return 'an invalid case equals the MAC prefix';
    return undefined;
  });
  assert.equal(count, EXPECTED_TRUNCATED, `${FILE}: truncated-tag case count changed`);
  assert.equal(EXPECTED_FULL + EXPECTED_TRUNCATED, data.numberOfTests, `${FILE}: numberOfTests`);
  assert.deepEqual(failures, [], `${FILE}: ${failures.length} of ${count} cases disagree`);
});
