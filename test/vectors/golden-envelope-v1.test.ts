/**
 * Golden files for envelope format v1 (src/keyring/envelope.ts), which every sealed record uses
 * and which must open forever. test/vectors/golden/envelope-v1.json was generated once by
 * sealEnvelope with random keys and nonces; never regenerate it: a failure here means stored data
 * from older releases would no longer open.
 *
 * Layout: 0x01 | u32 BE term | 12-byte nonce | ciphertext | 16-byte tag; AAD = 5 header bytes || utf8(context).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDecipheriv } from 'node:crypto';
import { AeadAuthenticationError, EnvelopeFormatError, openEnvelope, readEnvelopeHeader } from '../../src/keyring/envelope.js';
import { fixture } from '../helpers/paths.js';

interface GoldenEnvelope {
  name: string;
  key: string;
  term: number;
  context: string;
  plaintext: string;
  envelope: string;
}

const golden = JSON.parse(readFileSync(fixture('vectors', 'golden', 'envelope-v1.json'), 'utf8')) as { cases: GoldenEnvelope[] };
const hex = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Opens an envelope straight from the documented layout with node:crypto, bypassing src/. */
function openByTheSpec(key: Uint8Array, envelope: Uint8Array, context: string): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(5, 17), { authTagLength: 16 });
  decipher.setAAD(Buffer.concat([envelope.subarray(0, 5), Buffer.from(context, 'utf8')]));
  decipher.setAuthTag(envelope.subarray(envelope.byteLength - 16));
  return new Uint8Array(Buffer.concat([decipher.update(envelope.subarray(17, envelope.byteLength - 16)), decipher.final()]));
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

test('golden envelope-v1.json covers the cases it promises', () => {
  assert.ok(golden.cases.length >= 5);
  assert.ok(golden.cases.some((c) => c.plaintext === ''), 'an empty-plaintext case');
  assert.ok(golden.cases.some((c) => c.term === 0) && golden.cases.some((c) => c.term === 0xffffffff), 'terms 0 and 2^32 - 1');
  assert.ok(golden.cases.some((c) => c.context === ''), 'an empty context');
});

for (const c of golden.cases) {
  test(`golden envelope v1 "${c.name}": opens, and the header parses to term ${c.term}`, () => {
    const key = hex(c.key);
    const envelope = hex(c.envelope);
    assert.equal(envelope.byteLength, 5 + 12 + c.plaintext.length / 2 + 16, 'length = header + nonce + plaintext + tag');
    assert.equal(envelope[0], 0x01, 'version byte');
    assert.equal(Buffer.from(envelope).readUInt32BE(1), c.term, 'bytes 1-4 are the term, big-endian');
    assert.deepEqual(readEnvelopeHeader(envelope), { version: 1, term: c.term });
    assert.equal(toHex(openEnvelope(key, envelope, c.context)), c.plaintext, 'openEnvelope');
    assert.equal(toHex(openByTheSpec(key, envelope, c.context)), c.plaintext, 'independent decryption from the documented layout');
  });

  test(`golden envelope v1 "${c.name}": any flipped byte, another context, another key or truncation fails`, () => {
    const key = hex(c.key);
    const envelope = hex(c.envelope);
    const failures: string[] = [];
    const region = (i: number): string => (i === 0 ? 'version' : i < 5 ? 'term' : i < 17 ? 'nonce' : i < envelope.byteLength - 16 ? 'ciphertext' : 'tag');
    for (let i = 0; i < envelope.byteLength; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = envelope.slice();
        tampered[i]! ^= mask;
        const err = thrown(() => openEnvelope(key, tampered, c.context));
        // The version byte is checked before decryption; every other byte is authenticated by GCM.
        const expected = i === 0 ? EnvelopeFormatError : AeadAuthenticationError;
        if (!(err instanceof expected)) failures.push(`byte ${i} (${region(i)}) ^ 0x${mask.toString(16)}: ${err === undefined ? 'opened' : `threw ${String(err)}`}, expected ${expected.name}`);
      }
    }
    const otherContexts = [c.context + 'x', c.context.slice(0, -1), c.context.toUpperCase(), 'strongbox/keyring', ' ' + c.context].filter((x) => x !== c.context);
    for (const context of otherContexts) {
      const err = thrown(() => openEnvelope(key, envelope, context));
      if (!(err instanceof AeadAuthenticationError)) failures.push(`context ${JSON.stringify(context)}: ${err === undefined ? 'opened' : `threw ${String(err)}`}`);
    }
    const otherKey = key.slice();
    otherKey[31]! ^= 0x01;
    if (!(thrown(() => openEnvelope(otherKey, envelope, c.context)) instanceof AeadAuthenticationError)) failures.push('another key opened it');
    if (thrown(() => openEnvelope(key, envelope.subarray(0, envelope.byteLength - 1), c.context)) === undefined) failures.push('dropping the last byte still opened');
    if (thrown(() => openEnvelope(key, new Uint8Array([...envelope, 0]), c.context)) === undefined) failures.push('an appended byte still opened');
    if (!(thrown(() => openEnvelope(key, envelope.subarray(0, 32), c.context)) instanceof EnvelopeFormatError)) failures.push('a 32-byte prefix is not an EnvelopeFormatError');
    assert.deepEqual(failures, []);
  });
}
