/**
 * Buffer for the browser bundle (injected by scripts/build-ui.mjs): the audit verifier shared with the
 * server (src/audit/*.ts) builds and reads its messages with Buffer. The `buffer` package (5.x) predates
 * the BigInt accessors record.ts uses for a head signature's `from`, so they are added here over a
 * DataView of the same bytes.
 */
import { Buffer } from 'buffer';

interface BigIntAccessors {
  readBigUInt64BE(offset?: number): bigint;
  writeBigUInt64BE(value: bigint, offset?: number): number;
}
const proto = Buffer.prototype as unknown as BigIntAccessors & Uint8Array;
if (typeof proto.readBigUInt64BE !== 'function') {
  proto.readBigUInt64BE = function (this: Uint8Array, offset = 0): bigint {
    if (offset < 0 || offset + 8 > this.length) throw new RangeError('offset out of range');
    return new DataView(this.buffer, this.byteOffset, this.byteLength).getBigUint64(offset, false);
  };
  proto.writeBigUInt64BE = function (this: Uint8Array, value: bigint, offset = 0): number {
    if (offset < 0 || offset + 8 > this.length) throw new RangeError('offset out of range');
    new DataView(this.buffer, this.byteOffset, this.byteLength).setBigUint64(offset, value, false);
    return offset + 8;
  };
}

export { Buffer };
