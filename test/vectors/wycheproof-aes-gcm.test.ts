/**
 * AES-GCM vectors for src/crypto/aead.ts, from test/vectors/wycheproof/aes_gcm_test.json (copied
 * from C2SP/wycheproof, Apache-2.0).
 *
 * Strongbox uses only AES-256 with 96-bit nonces and 128-bit tags (aead.ts), so only those groups
 * run: valid cases must encrypt to exactly ct || tag and decrypt back, invalid ones must fail with
 * AeadAuthenticationError. Every other group is counted as out of scope, and the count is pinned
 * so a changed vector file is noticed rather than silently skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt } from '../../src/crypto/aead.js';
import { collectFailures, hex, loadWycheproof, type WycheproofCase } from './wycheproof.js';

interface AeadCase extends WycheproofCase {
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
}

interface AeadGroup {
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: AeadCase[];
}

const FILE = 'aes_gcm_test.json';
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const inScope = (g: AeadGroup): boolean => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128;

/** Pinned counts for the copied file: 66 AES-256/96-bit-IV/128-bit-tag cases, 250 others. */
const EXPECTED_IN_SCOPE = 66;
const EXPECTED_OUT_OF_SCOPE = 250;

function decryptOutcome(key: Uint8Array, c: AeadCase): { plaintext: Uint8Array } | { rejected: true } {
  try {
    return { plaintext: aesGcmDecrypt(key, { nonce: hex(c.iv), ciphertext: hex(c.ct), tag: hex(c.tag) }, hex(c.aad)) };
  } catch (err) {
    if (err instanceof AeadAuthenticationError) return { rejected: true };
    throw err;
  }
}

test(`Wycheproof ${FILE}: AES-256-GCM, 96-bit IV, 128-bit tag: encrypt and decrypt`, () => {
  const data = loadWycheproof<AeadGroup>(FILE);
  const cases = data.testGroups.filter(inScope).flatMap((g) => g.tests);
  const { failures, count } = collectFailures(FILE, cases, (c) => {
    if (c.result === 'acceptable') return 'acceptable case: Strongbox has no AES-GCM acceptable policy; decide one';
    const key = hex(c.key);
    const outcome = decryptOutcome(key, c);
    if (c.result === 'invalid') return 'rejected' in outcome ? undefined : `decrypt returned ${toHex(outcome.plaintext)} instead of throwing AeadAuthenticationError`;
    const sealed = aesGcmEncrypt(key, hex(c.msg), hex(c.aad), hex(c.iv));
    if (toHex(sealed.ciphertext) !== c.ct) return `encrypt ciphertext ${toHex(sealed.ciphertext)}, expected ${c.ct}`;
    if (toHex(sealed.tag) !== c.tag) return `encrypt tag ${toHex(sealed.tag)}, expected ${c.tag}`;
    if ('rejected' in outcome) return 'decrypt rejected a valid ciphertext';
    if (toHex(outcome.plaintext) !== c.msg) return `decrypt gave ${toHex(outcome.plaintext)}, expected ${c.msg}`;
    // A valid ciphertext with its tag truncated to 15 bytes must be refused (no short-tag forgeries).
    const short = { nonce: hex(c.iv), ciphertext: hex(c.ct), tag: hex(c.tag).subarray(0, 15) };
    try {
      aesGcmDecrypt(key, short, hex(c.aad));
      return 'decrypt accepted a 120-bit truncated tag';
    } catch (err) {
      return err instanceof AeadAuthenticationError ? undefined : `truncated tag threw ${String(err)} instead of AeadAuthenticationError`;
    }
  });
  assert.equal(count, EXPECTED_IN_SCOPE, `${FILE}: in-scope case count changed`);
  assert.deepEqual(failures, [], `${FILE}: ${failures.length} of ${count} cases disagree`);
});

test(`Wycheproof ${FILE}: out-of-scope groups (other key, IV or tag sizes) are counted, not run`, () => {
  const data = loadWycheproof<AeadGroup>(FILE);
  const outOfScope = data.testGroups.filter((g) => !inScope(g)).reduce((n, g) => n + g.tests.length, 0);
  assert.equal(outOfScope, EXPECTED_OUT_OF_SCOPE, `${FILE}: out-of-scope case count changed; review the new groups`);
  assert.equal(EXPECTED_IN_SCOPE + outOfScope, data.numberOfTests, `${FILE}: numberOfTests`);
});
