import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertJsonDepth, loneSurrogateAt, MAX_JSON_DEPTH, parseClientJson, tooDeepAt } from './json.js';
import { StrongboxError } from './errors.js';

const arrays = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Depth as JSON.parse sees it, computed on the parsed value (independent of the scanner). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

describe('tooDeepAt', () => {
  it('accepts nesting up to MAX_JSON_DEPTH and refuses one level more (depth checked against JSON.parse)', () => {
    for (const text of [arrays(MAX_JSON_DEPTH), objects(MAX_JSON_DEPTH)]) {
      assert.equal(depthOf(JSON.parse(text)), MAX_JSON_DEPTH);
      assert.equal(tooDeepAt(text), undefined, text.slice(0, 10));
    }
    for (const text of [arrays(MAX_JSON_DEPTH + 1), objects(MAX_JSON_DEPTH + 1), arrays(6000), objects(5000)]) {
      assert.notEqual(tooDeepAt(text), undefined, text.slice(0, 10));
    }
  });

  it('names the member the nesting goes under: its first two levels', () => {
    assert.deepEqual(tooDeepAt(`{"digest":"0x00","transaction":${arrays(100)}}`), ['transaction', '0']);
    assert.deepEqual(tooDeepAt(`{"jsonrpc":"2.0","params":["0xab",${arrays(100)}]}`), ['params', '1']);
    assert.deepEqual(tooDeepAt(`{"a":1,"data":{"x":2,"y":${objects(100)}}}`), ['data', 'y']);
    assert.deepEqual(tooDeepAt(`[1,2,${arrays(100)}]`), ['2', '0']);
    assert.deepEqual(tooDeepAt(`{"a\\"b":${arrays(100)}}`), ['a"b', '0']);
  });

  it('ignores brackets, braces, commas, colons and escaped quotes inside strings', () => {
    const inString = JSON.stringify('['.repeat(500) + '"\\,:{'.repeat(100));
    assert.equal(tooDeepAt(`{"s":${inString},"t":[${inString}]}`), undefined);
    assert.deepEqual(tooDeepAt(`{"s":${inString},"t":${arrays(100)}}`), ['t', '0']);
    assert.equal(tooDeepAt(arrays(10, JSON.stringify('\\'))), undefined);
  });

  it('assertJsonDepth throws JSON_TOO_DEEP naming the member, under a prefix when given', () => {
    assert.throws(() => assertJsonDepth(`{"typedData":${objects(70)}}`), (e: StrongboxError) => e.code === 'JSON_TOO_DEEP' && e.field === 'typedData.a' && e.message.includes('typedData.a'));
    assert.throws(() => assertJsonDepth(objects(70), 'params.1'), (e: StrongboxError) => e.code === 'JSON_TOO_DEEP' && e.field === 'params.1.a.a');
  });
});

describe('loneSurrogateAt', () => {
  it('finds a lone surrogate in a string or a member name, and its path', () => {
    const text = '{"name":"w","passphrase":"a\\ud800"}';
    assert.equal(loneSurrogateAt(JSON.parse(text), text), 'passphrase');
    const nested = '{"data":{"list":["ok","\\udfff"]}}';
    assert.equal(loneSurrogateAt(JSON.parse(nested), nested), 'data.list.1');
    const key = '{"tags":{"\\udc00x":"v"}}';
    assert.equal(loneSurrogateAt(JSON.parse(key), key), 'tags.\ufffdx');
  });

  it('accepts surrogate pairs (escaped or not) and text without any surrogate escape', () => {
    for (const text of ['{"s":"\\ud83d\\ude00"}', '{"s":"\u{1F600}"}', '{"s":"plain"}', '["\\u00e9"]']) assert.equal(loneSurrogateAt(JSON.parse(text), text), undefined, text);
  });
});

describe('parseClientJson', () => {
  it('parses, and refuses too deep (JSON_TOO_DEEP), invalid (INVALID_JSON) and ill-formed (INVALID_ARGUMENT) text, naming the field', () => {
    assert.deepEqual(parseClientJson('{"a":[1]}', 'params.1'), { a: [1] });
    assert.throws(() => parseClientJson(arrays(6000), 'params.1'), (e: StrongboxError) => e.code === 'JSON_TOO_DEEP' && e.field === 'params.1.0.0');
    assert.throws(() => parseClientJson('{"a":', 'params.1'), (e: StrongboxError) => e.code === 'INVALID_JSON' && e.field === 'params.1');
    assert.throws(() => parseClientJson('{"a":"\\ud800"}', 'params.1'), (e: StrongboxError) => e.code === 'INVALID_ARGUMENT' && e.field === 'params.1.a');
  });
});
