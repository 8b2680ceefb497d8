import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTags } from './tag-resource.js';

describe('parseTags', () => {
  it('keeps tag keys named like Object.prototype members as ordinary tags (a plain object dropped __proto__)', () => {
    const tags = parseTags([
      { TagKey: '__proto__', TagValue: 'p' },
      { TagKey: 'constructor', TagValue: 'c' },
      { TagKey: 'toString', TagValue: 't' },
    ]);
    assert.deepEqual(Object.keys(tags), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(tags, '__proto__')?.value, 'p');
    assert.equal(JSON.stringify({ ...tags }), '{"__proto__":"p","constructor":"c","toString":"t"}');
  });
});
