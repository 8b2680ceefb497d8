/**
 * The TTLV codec (src/kmip/ttlv.ts) against the encoding examples of the KMIP 1.4 specification
 * (§9.1.2, copied into test/vectors/kmip/ with OASIS's notice): each example decodes to the value its
 * caption states and encodes back to the same bytes. Then malformed TTLV — wrong lengths, wrong types,
 * non-zero padding, nesting too deep, lengths past the end — must each be a TtlvError, never a crash,
 * an unbounded allocation or a hang; and the JSON TTLV mapping must round-trip.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeTtlv, encodeTtlv, TtlvError, type TtlvItem } from '../../src/kmip/ttlv.js';
import { fromJsonTtlv, toJsonTtlv } from '../../src/kmip/json.js';
import { Tag } from '../../src/kmip/tags.js';
import { buildRequest, parseRequest, struct, text, int, enumeration, KmipError } from '../../src/kmip/message.js';
import { Operation } from '../../src/kmip/enums.js';
import { fixture } from '../helpers/paths.js';

interface Example {
  caption: string;
  type: TtlvItem['type'];
  value: unknown;
  hex: string;
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

function expected(e: Example): TtlvItem {
  const tag = 0x420020;
  switch (e.type) {
    case 'LongInteger':
    case 'BigInteger':
    case 'DateTime':
      return { tag, type: e.type, value: BigInt(e.value as string) };
    case 'ByteString':
      return { tag, type: e.type, value: hex(e.value as string) };
    case 'Structure':
      return fromJsonTtlv({ tag: '0x420020', value: e.value });
    default:
      return { tag, type: e.type, value: e.value } as TtlvItem;
  }
}

describe('KMIP 1.4 §9.1.2 encoding examples', () => {
  const { examples } = JSON.parse(readFileSync(fixture('vectors', 'kmip', 'spec-examples.json'), 'utf8')) as { examples: Example[] };
  it('covers every TTLV type of KMIP 1.x', () => {
    assert.deepEqual(new Set(examples.map((e) => e.type)), new Set(['Integer', 'LongInteger', 'BigInteger', 'Enumeration', 'Boolean', 'TextString', 'ByteString', 'DateTime', 'Interval', 'Structure']));
  });
  for (const e of examples) {
    it(`${e.caption}: decodes to the stated value and encodes to the same bytes`, () => {
      const bytes = hex(e.hex);
      assert.deepEqual(decodeTtlv(bytes), expected(e), e.caption);
      assert.equal(toHex(encodeTtlv(expected(e))), e.hex.toUpperCase(), e.caption);
    });
  }
  it('negative BigInteger and Integer values round-trip (two’s complement, sign-extended)', () => {
    for (const v of [-1n, -128n, -129n, 1n << 70n, -(1n << 70n), 0x80n]) {
      const item: TtlvItem = { tag: 0x420020, type: 'BigInteger', value: v };
      const bytes = encodeTtlv(item);
      assert.equal((bytes.length - 8) % 8, 0);
      assert.deepEqual(decodeTtlv(bytes), item, String(v));
    }
    assert.deepEqual(decodeTtlv(encodeTtlv({ tag: 0x420020, type: 'Integer', value: -2 })), { tag: 0x420020, type: 'Integer', value: -2 });
  });
});

describe('malformed TTLV is refused with a TtlvError', () => {
  const ok = hex('42002002000000040000000800000000');
  const cases: [string, Uint8Array][] = [
    ['empty input', new Uint8Array()],
    ['truncated header', ok.subarray(0, 5)],
    ['Integer with length 8', hex('42002002000000080000000800000000')],
    ['Boolean with length 4', hex('42002006000000040000000100000000')],
    ['Boolean value 2', hex('42002006000000080000000000000002')],
    ['unknown type 0x0C', hex('4200200C000000040000000800000000')],
    ['type 0x00', hex('42002000000000040000000800000000')],
    ['non-zero padding', hex('42002002000000040000000800000001')],
    ['value truncated', ok.subarray(0, 12)],
    ['trailing bytes', Uint8Array.from([...ok, 0, 0, 0, 0, 0, 0, 0, 0])],
    ['BigInteger of length 5', hex('42002004000000050102030405000000')],
    ['TextString of invalid UTF-8', hex('4200200700000002FFFE000000000000')],
    ['child running past its Structure', hex('42002001000000084200050200000004000000FF00000000')],
    ['Structure declaring 100 MB', hex('4200780105F5E100')],
    ['Structure declaring 4 GB - 1', hex('42007801FFFFFFFF')],
  ];
  for (const [label, bytes] of cases) {
    it(label, () => {
      assert.throws(() => decodeTtlv(bytes), TtlvError, label);
    });
  }

  it('nesting deeper than the limit', () => {
    let item: TtlvItem = { tag: 0x420020, type: 'Integer', value: 1 };
    for (let i = 0; i < 40; i++) item = { tag: 0x420020, type: 'Structure', value: [item] };
    const bytes = encodeTtlv(item);
    assert.throws(() => decodeTtlv(bytes), (err: unknown) => err instanceof TtlvError && /nested deeper/.test(err.message));
    assert.doesNotThrow(() => decodeTtlv(bytes, { maxDepth: 64 }), 'control: the same bytes decode under a higher limit');
  });

  it('more items than the limit', () => {
    const item: TtlvItem = { tag: 0x420020, type: 'Structure', value: Array.from({ length: 50 }, () => ({ tag: 0x420020, type: 'Boolean', value: true }) as TtlvItem) };
    assert.throws(() => decodeTtlv(encodeTtlv(item), { maxItems: 20 }), TtlvError);
  });

  it('random mutations of a real request never escape as anything but TtlvError or KmipError', () => {
    const request = encodeTtlv(buildRequest({ major: 1, minor: 4 }, [{ operation: Operation.Locate, payload: struct(Tag.RequestPayload, text(Tag.UniqueIdentifier, 'abc'), int(Tag.MaximumItems, 3)) }]));
    let seed = 12345;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const m = Uint8Array.from(request);
      for (let k = 0; k <= rand(3); k++) m[rand(m.length)] = rand(256);
      try {
        parseRequest(decodeTtlv(m));
      } catch (err) {
        assert.ok(err instanceof TtlvError || err instanceof KmipError, `mutation ${i}: ${String(err)}`);
        refused++;
      }
    }
    assert.ok(refused > 100, 'control: mutations are refused');
  });
});

describe('JSON TTLV', () => {
  it('round-trips a request with names for tags and enumerations', () => {
    const item = buildRequest({ major: 2, minor: 1 }, [
      { operation: Operation.Create, payload: struct(Tag.RequestPayload, enumeration(Tag.ObjectType, 2), { tag: Tag.Attributes, type: 'Structure', value: [int(Tag.CryptographicLength, 256), { tag: Tag.ActivationDate, type: 'DateTime', value: 1205495800n }, { tag: Tag.KeyMaterial, type: 'ByteString', value: hex('00ff10') }] }) },
    ]);
    const json = toJsonTtlv(item) as { tag: string; value: { tag: string; value: unknown[] }[] };
    assert.equal(json.tag, 'RequestMessage');
    assert.match(JSON.stringify(json), /"value":"Create"/);
    assert.match(JSON.stringify(json), /"value":"SymmetricKey"/);
    assert.deepEqual(fromJsonTtlv(JSON.parse(JSON.stringify(json))), item);
  });
  it('accepts hex for tags and enumerations, and usage-mask names', () => {
    const item = fromJsonTtlv({ tag: '0x420078', value: [{ tag: 'Operation', type: 'Enumeration', value: '0x0000000A' }, { tag: 'CryptographicUsageMask', type: 'Integer', value: 'Encrypt|Decrypt' }] });
    assert.deepEqual(item, { tag: Tag.RequestMessage, type: 'Structure', value: [{ tag: Tag.Operation, type: 'Enumeration', value: Operation.Get }, { tag: Tag.CryptographicUsageMask, type: 'Integer', value: 12 }] });
  });
  const bad: [string, unknown][] = [
    ['not an object', 5],
    ['unknown tag', { tag: 'NoSuchTag', value: [] }],
    ['unknown type', { tag: 'Operation', type: 'Float', value: 1 }],
    ['Integer as text', { tag: 'BatchCount', type: 'Integer', value: 'one' }],
    ['odd hex ByteString', { tag: 'IVCounterNonce', type: 'ByteString', value: 'abc' }],
    ['unknown enumeration name', { tag: 'Operation', type: 'Enumeration', value: 'Explode' }],
    ['extra field', { tag: 'Operation', type: 'Enumeration', value: 'Get', extra: 1 }],
    ['Structure not an array', { tag: 'RequestMessage', value: {} }],
  ];
  for (const [label, json] of bad) {
    it(`refuses ${label}`, () => assert.throws(() => fromJsonTtlv(json), TtlvError));
  }
});
