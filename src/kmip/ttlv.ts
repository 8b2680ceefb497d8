/**
 * TTLV, the binary encoding of KMIP (OASIS KMIP 1.4 Specification §9.1; KMIP 2.1 §9.1): every item is
 * Tag (3 bytes) | Type (1 byte) | Length (4 bytes, big-endian) | Value, and values are padded with
 * zeros to a multiple of eight bytes. A Structure's value is a sequence of items.
 *
 * A pure module (no Node-only imports beyond what Uint8Array/DataView offer, no service/): the server,
 * the JSON TTLV mapping and the KMIP seal's client all use it. Decoding is strict and bounded — wrong
 * lengths for fixed-size types, non-zero padding, booleans other than 0/1, invalid UTF-8, a length past
 * the end of its parent, nesting beyond `maxDepth` and more than `maxItems` items are all TtlvError —
 * so a malformed or hostile frame is refused cleanly, never a crash, a hang or an unbounded allocation.
 */

export const TtlvType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  /** KMIP 2.0 §9.1.1.4: microseconds since the epoch */
  DateTimeExtended: 0x0b,
} as const;
export type TtlvTypeName = keyof typeof TtlvType;

const TYPE_NAMES = new Map<number, TtlvTypeName>(Object.entries(TtlvType).map(([k, v]) => [v, k as TtlvTypeName]));

export type TtlvItem =
  | { tag: number; type: 'Structure'; value: TtlvItem[] }
  | { tag: number; type: 'Integer'; value: number }
  | { tag: number; type: 'LongInteger'; value: bigint }
  | { tag: number; type: 'BigInteger'; value: bigint }
  | { tag: number; type: 'Enumeration'; value: number }
  | { tag: number; type: 'Boolean'; value: boolean }
  | { tag: number; type: 'TextString'; value: string }
  | { tag: number; type: 'ByteString'; value: Uint8Array }
  /** seconds since the epoch (a 64-bit signed integer on the wire) */
  | { tag: number; type: 'DateTime'; value: bigint }
  /** seconds, unsigned 32-bit */
  | { tag: number; type: 'Interval'; value: number }
  | { tag: number; type: 'DateTimeExtended'; value: bigint };

export class TtlvError extends Error {
  /** byte offset in the input where decoding failed (for encode errors: -1) */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'TtlvError';
    this.offset = offset;
  }
}

export interface DecodeLimits {
  /** deepest Structure nesting accepted (a KMIP request nests about 8 levels) */
  maxDepth?: number;
  /** most items in the whole message */
  maxItems?: number;
}

export const DEFAULT_MAX_DEPTH = 32;
export const DEFAULT_MAX_ITEMS = 100_000;
/** Tags are 3 bytes: 0x42xxxx are KMIP's, 0x54xxxx are extensions (KMIP 1.4 §9.1.1.1). */
export const TAG_MAX = 0xffffff;

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

/** The length of a value whose size is fixed by its type; undefined for variable-length types. */
function fixedLength(type: TtlvTypeName): number | undefined {
  switch (type) {
    case 'Integer':
    case 'Enumeration':
    case 'Interval':
      return 4;
    case 'LongInteger':
    case 'Boolean':
    case 'DateTime':
    case 'DateTimeExtended':
      return 8;
    default:
      return undefined;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Reads the 8-byte item header at `offset`: tag, type byte and declared value length. */
export function readHeader(bytes: Uint8Array, offset = 0): { tag: number; type: number; length: number } {
  if (bytes.length - offset < 8) throw new TtlvError('truncated item header', offset);
  const tag = (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
  const type = bytes[offset + 3]!;
  const length = new DataView(bytes.buffer, bytes.byteOffset + offset + 4, 4).getUint32(0, false);
  return { tag, type, length };
}

/** Decodes exactly one item filling `bytes` (trailing bytes are an error). */
export function decodeTtlv(bytes: Uint8Array, limits: DecodeLimits = {}): TtlvItem {
  const state = { items: 0, maxItems: limits.maxItems ?? DEFAULT_MAX_ITEMS, maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH };
  const { item, end } = decodeAt(bytes, 0, bytes.length, 0, state);
  if (end !== bytes.length) throw new TtlvError(`${bytes.length - end} trailing bytes after the message`, end);
  return item;
}

function decodeAt(bytes: Uint8Array, offset: number, limit: number, depth: number, state: { items: number; maxItems: number; maxDepth: number }): { item: TtlvItem; end: number } {
  if (++state.items > state.maxItems) throw new TtlvError(`more than ${state.maxItems} items`, offset);
  if (limit - offset < 8) throw new TtlvError('truncated item header', offset);
  const { tag, type: typeByte, length } = readHeader(bytes, offset);
  const type = TYPE_NAMES.get(typeByte);
  if (type === undefined) throw new TtlvError(`unknown item type 0x${typeByte.toString(16).padStart(2, '0')} (tag 0x${tag.toString(16)})`, offset + 3);
  const fixed = fixedLength(type);
  if (fixed !== undefined && length !== fixed) throw new TtlvError(`${type} must have length ${fixed}, got ${length} (tag 0x${tag.toString(16)})`, offset + 4);
  if (type === 'BigInteger' && (length === 0 || length % 8 !== 0)) throw new TtlvError(`BigInteger length must be a positive multiple of 8, got ${length}`, offset + 4);
  const start = offset + 8;
  const padded = length + pad8(length);
  if (padded > limit - start) throw new TtlvError(`${type} length ${length} runs past the end of its container (tag 0x${tag.toString(16)})`, offset + 4);
  for (let i = start + length; i < start + padded; i++) if (bytes[i] !== 0) throw new TtlvError('non-zero padding', i);
  const end = start + padded;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  switch (type) {
    case 'Structure': {
      if (depth + 1 > state.maxDepth) throw new TtlvError(`structures nested deeper than ${state.maxDepth}`, offset);
      const value: TtlvItem[] = [];
      let at = start;
      while (at < start + length) {
        const child = decodeAt(bytes, at, start + length, depth + 1, state);
        value.push(child.item);
        at = child.end;
      }
      return { item: { tag, type, value }, end };
    }
    case 'Integer':
      return { item: { tag, type, value: view.getInt32(0, false) }, end };
    case 'Enumeration':
    case 'Interval':
      return { item: { tag, type, value: view.getUint32(0, false) }, end };
    case 'LongInteger':
    case 'DateTime':
    case 'DateTimeExtended':
      return { item: { tag, type, value: view.getBigInt64(0, false) }, end };
    case 'Boolean': {
      const v = view.getBigUint64(0, false);
      if (v > 1n) throw new TtlvError('Boolean must be 0 or 1', start);
      return { item: { tag, type, value: v === 1n }, end };
    }
    case 'BigInteger': {
      // Two's complement, big-endian (KMIP 1.4 §9.1.1.4).
      let v = 0n;
      for (let i = 0; i < length; i++) v = (v << 8n) | BigInt(bytes[start + i]!);
      if (bytes[start]! & 0x80) v -= 1n << BigInt(length * 8);
      return { item: { tag, type, value: v }, end };
    }
    case 'TextString': {
      let value: string;
      try {
        value = utf8.decode(bytes.subarray(start, start + length));
      } catch {
        throw new TtlvError('TextString is not valid UTF-8', start);
      }
      return { item: { tag, type, value }, end };
    }
    case 'ByteString':
      return { item: { tag, type, value: bytes.slice(start, start + length) }, end };
  }
}

/** Encodes one item (and its children) to TTLV bytes. */
export function encodeTtlv(item: TtlvItem): Uint8Array {
  const parts: Uint8Array[] = [];
  const total = encodeInto(item, parts);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function header(tag: number, type: TtlvTypeName, length: number): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > TAG_MAX) throw new TtlvError(`tag 0x${tag.toString(16)} is not 3 bytes`, -1);
  const h = new Uint8Array(8);
  h[0] = (tag >> 16) & 0xff;
  h[1] = (tag >> 8) & 0xff;
  h[2] = tag & 0xff;
  h[3] = TtlvType[type];
  new DataView(h.buffer).setUint32(4, length, false);
  return h;
}

function padded(value: Uint8Array): Uint8Array {
  const p = pad8(value.length);
  if (p === 0) return value;
  const out = new Uint8Array(value.length + p);
  out.set(value);
  return out;
}

function encodeInto(item: TtlvItem, parts: Uint8Array[]): number {
  switch (item.type) {
    case 'Structure': {
      const h = header(item.tag, 'Structure', 0);
      parts.push(h);
      let length = 0;
      for (const child of item.value) length += encodeInto(child, parts);
      new DataView(h.buffer).setUint32(4, length, false);
      return 8 + length;
    }
    case 'Integer':
    case 'Enumeration':
    case 'Interval': {
      const v = new Uint8Array(8);
      const dv = new DataView(v.buffer);
      if (item.type === 'Integer') {
        if (!Number.isInteger(item.value) || item.value < -(2 ** 31) || item.value >= 2 ** 31) throw new TtlvError(`Integer out of range (tag 0x${item.tag.toString(16)})`, -1);
        dv.setInt32(0, item.value, false);
      } else {
        if (!Number.isInteger(item.value) || item.value < 0 || item.value >= 2 ** 32) throw new TtlvError(`${item.type} out of range (tag 0x${item.tag.toString(16)})`, -1);
        dv.setUint32(0, item.value, false);
      }
      parts.push(header(item.tag, item.type, 4), v);
      return 16;
    }
    case 'LongInteger':
    case 'DateTime':
    case 'DateTimeExtended': {
      const v = new Uint8Array(8);
      if (item.value < -(1n << 63n) || item.value >= 1n << 63n) throw new TtlvError(`${item.type} out of range`, -1);
      new DataView(v.buffer).setBigInt64(0, item.value, false);
      parts.push(header(item.tag, item.type, 8), v);
      return 16;
    }
    case 'Boolean': {
      const v = new Uint8Array(8);
      v[7] = item.value ? 1 : 0;
      parts.push(header(item.tag, 'Boolean', 8), v);
      return 16;
    }
    case 'BigInteger': {
      // Minimal two's complement, sign-extended to a multiple of 8 bytes.
      let n = item.value;
      const bytes: number[] = [];
      do {
        bytes.unshift(Number(n & 0xffn));
        n >>= 8n;
      } while (!((n === 0n && (bytes[0]! & 0x80) === 0) || (n === -1n && (bytes[0]! & 0x80) !== 0)));
      const fill = item.value < 0n ? 0xff : 0x00;
      while (bytes.length % 8 !== 0) bytes.unshift(fill);
      parts.push(header(item.tag, 'BigInteger', bytes.length), Uint8Array.from(bytes));
      return 8 + bytes.length;
    }
    case 'TextString': {
      const v = utf8Encoder.encode(item.value);
      parts.push(header(item.tag, 'TextString', v.length), padded(v));
      return 8 + v.length + pad8(v.length);
    }
    case 'ByteString': {
      parts.push(header(item.tag, 'ByteString', item.value.length), padded(item.value));
      return 8 + item.value.length + pad8(item.value.length);
    }
  }
}

export function typeName(typeByte: number): TtlvTypeName | undefined {
  return TYPE_NAMES.get(typeByte);
}
