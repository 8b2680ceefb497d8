import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyCache } from './key-cache.js';

describe('KeyCache', () => {
  it('evicts the least recently used entry and wipes it', () => {
    const cache = new KeyCache(2);
    const a = new Uint8Array([1, 1]);
    const b = new Uint8Array([2, 2]);
    const c = new Uint8Array([3, 3]);
    cache.set('a', { kind: 'secret', secretKey: a });
    cache.set('b', { kind: 'secret', secretKey: b });
    assert.ok(cache.get('a'), 'a is now most recently used');
    cache.set('c', { kind: 'secret', secretKey: c });
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(b, new Uint8Array([0, 0]), 'evicted material is zeroized');
    assert.deepEqual(a, new Uint8Array([1, 1]));
    assert.equal(cache.size, 2);
  });

  it('clear() wipes everything, including signers', () => {
    const cache = new KeyCache(10);
    let wiped = false;
    const s = new Uint8Array([9]);
    cache.set('s', { kind: 'secret', secretKey: s });
    cache.set('k', { kind: 'signer', signer: { sign: () => ({ signature: new Uint8Array() }), wipe: () => (wiped = true) } });
    cache.clear();
    assert.equal(cache.size, 0);
    assert.deepEqual(s, new Uint8Array([0]));
    assert.equal(wiped, true);
  });

  it('size 0 caches nothing; counts hits and misses', () => {
    const cache = new KeyCache(0);
    cache.set('a', { kind: 'secret', secretKey: new Uint8Array([1]) });
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.misses, 1);
    assert.throws(() => new KeyCache(-1), RangeError);
  });
});
