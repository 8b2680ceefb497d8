/**
 * The part of Node's Buffer that the audit verifier shared with the server (src/audit/record.ts,
 * verify.ts, export.ts) uses, for the browser bundle (scripts/build-ui.mjs injects it as `Buffer`):
 * from (utf8 and hex strings, bytes, a view of an ArrayBuffer), alloc, concat, compare, toString
 * (hex, utf8), copy and the big-endian u64 accessors of a head signature. A Uint8Array underneath, so
 * `subarray` keeps the class. Hex and UTF-8 come from @noble/hashes and the platform's TextEncoder.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

type Encoding = 'hex' | 'utf8' | 'utf-8';

export class Buffer extends Uint8Array {
  // Typed loosely: it overrides Uint8Array.from, whose signature it extends.
  static override from(value: any, encodingOrOffset?: any, length?: number): any {
    if (typeof value === 'string') {
      const bytes = encodingOrOffset === 'hex' ? hexToBytes(value) : new TextEncoder().encode(value);
      return new Buffer(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
    }
    if (value instanceof Uint8Array || Array.isArray(value)) {
      const b = new Buffer(value.length);
      b.set(value as ArrayLike<number>);
      return b;
    }
    const offset = typeof encodingOrOffset === 'number' ? encodingOrOffset : 0;
    return new Buffer(value as ArrayBuffer, offset, length ?? (value as ArrayBuffer).byteLength - offset);
  }

  static alloc(size: number): Buffer {
    return new Buffer(size);
  }

  static concat(list: readonly Uint8Array[]): Buffer {
    const out = new Buffer(list.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of list) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  static compare(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  override toString(encoding: Encoding = 'utf8'): string {
    return encoding === 'hex' ? bytesToHex(this) : new TextDecoder().decode(this);
  }

  copy(target: Uint8Array, targetStart = 0): number {
    const n = Math.min(this.length, target.length - targetStart);
    target.set(this.subarray(0, n), targetStart);
    return n;
  }

  readBigUInt64BE(offset = 0): bigint {
    if (offset < 0 || offset + 8 > this.length) throw new RangeError('offset out of range');
    return new DataView(this.buffer, this.byteOffset, this.byteLength).getBigUint64(offset, false);
  }

  writeBigUInt64BE(value: bigint, offset = 0): number {
    if (offset < 0 || offset + 8 > this.length) throw new RangeError('offset out of range');
    new DataView(this.buffer, this.byteOffset, this.byteLength).setBigUint64(offset, value, false);
    return offset + 8;
  }
}
