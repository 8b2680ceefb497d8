import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseHex, toHex } from './hex.js';
import { StrongboxError } from './errors.js';

describe('hex codecs', () => {
  it('round-trips and accepts either case on input', () => {
    assert.deepEqual(parseHex('0x00ffAB', { field: 'x' }), new Uint8Array([0, 255, 171]));
    assert.equal(toHex(new Uint8Array([0, 255, 171])), '0x00ffab');
    assert.deepEqual(parseHex('0x', { field: 'x' }), new Uint8Array());
  });

  for (const [value, why] of [['00ff', 'no 0x'], ['0xabc', 'odd length'], ['0xzz', 'not hex'], [12, 'not a string'], ['0x 0', 'space']] as const) {
    it(`rejects ${why} naming the field`, () => {
      assert.throws(() => parseHex(value, { field: 'digest' }), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === 'digest');
    });
  }

  it('enforces exact, minimum and maximum lengths', () => {
    assert.throws(() => parseHex('0x00', { field: 'd', bytes: 2 }), /exactly 2 bytes/);
    assert.throws(() => parseHex('0x00', { field: 'd', minBytes: 2 }), /at least 2/);
    assert.throws(() => parseHex('0x0000', { field: 'd', maxBytes: 1 }), /at most 1/);
  });
});
