/**
 * The JSON encoding of TTLV (KMIP 2.1 Profiles, "HTTPS with JSON"): an item is
 * `{"tag": name or "0x42xxxx", "type": type name (default Structure), "value": …}`. Values: Structure an
 * array; Integer a number, "0x…" hex, or for Cryptographic Usage Mask a `|`-separated list of bit names;
 * LongInteger a number or "0x…"; BigInteger "0x…"; Enumeration a name or "0x…" (or a number); Boolean
 * true/false; TextString a string; ByteString hex without a prefix; DateTime ISO 8601 (or "0x…" seconds);
 * Interval a number. A pure module; errors are TtlvError naming the JSON path.
 */
import { enumName, enumValue, UsageMask } from './enums.js';
import { Tag, tagByName, tagName } from './tags.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS, TAG_MAX, TtlvError, TtlvType, type TtlvItem, type TtlvTypeName } from './ttlv.js';

const HEX = /^[0-9a-fA-F]*$/;

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function toJsonTtlv(item: TtlvItem): unknown {
  const tag = tagName(item.tag);
  switch (item.type) {
    case 'Structure':
      return { tag, value: item.value.map(toJsonTtlv) };
    case 'Enumeration':
      return { tag, type: item.type, value: enumName(item.tag, item.value) ?? '0x' + item.value.toString(16).padStart(8, '0') };
    case 'LongInteger':
    case 'BigInteger':
      return { tag, type: item.type, value: item.value >= BigInt(Number.MIN_SAFE_INTEGER) && item.value <= BigInt(Number.MAX_SAFE_INTEGER) && item.type === 'LongInteger' ? Number(item.value) : hexBig(item.value) };
    case 'ByteString':
      return { tag, type: item.type, value: bytesToHex(item.value) };
    case 'DateTime':
      return { tag, type: item.type, value: new Date(Number(item.value) * 1000).toISOString().replace('.000Z', '+00:00') };
    case 'DateTimeExtended':
      return { tag, type: item.type, value: hexBig(item.value) };
    default:
      return { tag, type: item.type, value: item.value };
  }
}

function hexBig(v: bigint): string {
  return v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
}

export function fromJsonTtlv(json: unknown, limits: { maxDepth?: number; maxItems?: number } = {}): TtlvItem {
  const state = { items: 0, maxItems: limits.maxItems ?? DEFAULT_MAX_ITEMS, maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH };
  return parseItem(json, '$', 0, state);
}

function fail(path: string, message: string): never {
  throw new TtlvError(`${path}: ${message}`, -1);
}

function parseHexNumber(s: string, path: string): bigint {
  const m = /^(-?)0x([0-9a-fA-F]{1,64})$/.exec(s);
  if (!m) fail(path, `expected "0x…" hex, got ${JSON.stringify(s.slice(0, 40))}`);
  const v = BigInt('0x' + m[2]!);
  return m[1] ? -v : v;
}

function parseItem(json: unknown, path: string, depth: number, state: { items: number; maxItems: number; maxDepth: number }): TtlvItem {
  if (++state.items > state.maxItems) fail(path, `more than ${state.maxItems} items`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(path, 'an item must be an object {tag, type, value}');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'tag' && k !== 'type' && k !== 'value' && k !== 'name') fail(path, `unknown field "${k}"`);
  const rawTag = o['tag'];
  if (typeof rawTag !== 'string') fail(`${path}.tag`, 'must be a tag name or "0x42xxxx"');
  const tag = /^0x[0-9a-fA-F]{6}$/.test(rawTag) ? Number(rawTag) : tagByName(rawTag);
  if (tag === undefined || tag > TAG_MAX) fail(`${path}.tag`, `unknown tag ${JSON.stringify(rawTag.slice(0, 60))}`);
  const rawType = o['type'] ?? 'Structure';
  if (typeof rawType !== 'string' || !Object.hasOwn(TtlvType, rawType)) fail(`${path}.type`, `unknown type ${JSON.stringify(String(rawType).slice(0, 40))}`);
  const type = rawType as TtlvTypeName;
  const value = o['value'];
  const vpath = `${path}.value`;
  switch (type) {
    case 'Structure': {
      if (!Array.isArray(value)) fail(vpath, 'a Structure value must be an array');
      if (depth + 1 > state.maxDepth) fail(path, `structures nested deeper than ${state.maxDepth}`);
      return { tag, type, value: value.map((v, i) => parseItem(v, `${vpath}[${i}]`, depth + 1, state)) };
    }
    case 'Integer': {
      let n: number;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && value.startsWith('0x')) n = Number(parseHexNumber(value, vpath));
      else if (typeof value === 'string' && tag === Tag.CryptographicUsageMask) {
        n = 0;
        for (const bit of value.split('|').map((s) => s.trim())) {
          if (!Object.hasOwn(UsageMask, bit)) fail(vpath, `unknown usage mask bit ${JSON.stringify(bit.slice(0, 40))}`);
          n |= UsageMask[bit as keyof typeof UsageMask];
        }
      } else fail(vpath, 'an Integer must be a number or "0x…"');
      if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) fail(vpath, 'Integer out of range');
      return { tag, type, value: n };
    }
    case 'Interval': {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** 32) fail(vpath, 'an Interval must be a whole number of seconds');
      return { tag, type, value };
    }
    case 'LongInteger':
    case 'BigInteger':
    case 'DateTimeExtended': {
      let n: bigint;
      if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
      else if (typeof value === 'string') n = parseHexNumber(value, vpath);
      else fail(vpath, `a ${type} must be a whole number or "0x…"`);
      if (type !== 'BigInteger' && (n < -(1n << 63n) || n >= 1n << 63n)) fail(vpath, `${type} out of range`);
      return { tag, type, value: n } as TtlvItem;
    }
    case 'Enumeration': {
      let n: number | undefined;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string') n = value.startsWith('0x') ? Number(parseHexNumber(value, vpath)) : enumValue(tag, value);
      if (n === undefined) fail(vpath, `unknown enumeration value ${JSON.stringify(String(value).slice(0, 40))} for ${tagName(tag)}`);
      if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) fail(vpath, 'Enumeration out of range');
      return { tag, type, value: n };
    }
    case 'Boolean': {
      if (typeof value !== 'boolean') fail(vpath, 'a Boolean must be true or false');
      return { tag, type, value };
    }
    case 'TextString': {
      if (typeof value !== 'string') fail(vpath, 'a TextString must be a string');
      return { tag, type, value };
    }
    case 'ByteString': {
      if (typeof value !== 'string' || value.length % 2 !== 0 || !HEX.test(value)) fail(vpath, 'a ByteString must be hex with an even number of digits');
      const bytes = new Uint8Array(value.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
      return { tag, type, value: bytes };
    }
    case 'DateTime': {
      if (typeof value === 'string' && value.startsWith('0x')) return { tag, type, value: parseHexNumber(value, vpath) };
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms)) fail(vpath, 'a DateTime must be ISO 8601 or "0x…"');
      return { tag, type, value: BigInt(Math.floor(ms / 1000)) };
    }
  }
}
