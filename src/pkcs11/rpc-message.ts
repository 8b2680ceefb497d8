/**
 * The p11-kit RPC wire format, protocol version 0 (what p11-kit 0.24's `p11-kit-client.so` speaks;
 * docs/pkcs11.md has the whole description): framing, and the message buffer's primitive values.
 *
 * A connection starts with one byte each way (the client's highest protocol version; the server
 * answers the version it will speak). Then every message is a frame:
 *
 *   u32 code | u32 options length | u32 body length | options | body      (big-endian)
 *
 * The code pairs a reply with its request (the server echoes it); the client's options carry its
 * module name and are ignored. A body is `u32 call id | byte-array signature | arguments`.
 * Integers are big-endian; a CK_ULONG is 64 bits; a byte array is `u32 length | bytes`, with
 * length 0xffffffff meaning NULL.
 *
 * Learned from p11-kit's rpc-message.c / rpc-transport.c (read, not copied) and checked against
 * frames captured between the real client and server (test/vectors/pkcs11/).
 * Pure: no Node-only imports beyond Uint8Array/DataView, and no import of service/.
 */

/** The protocol version Strongbox speaks (p11-kit 0.24.x: minimum = maximum = 0). */
export const RPC_PROTOCOL_VERSION = 0;
export const FRAME_HEADER_BYTES = 12;
/** Largest body accepted: a message to sign or data to encrypt, with room for framing. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest options block (the client sends its module name, a few bytes). */
export const MAX_OPTIONS_BYTES = 4096;
/** Byte-array length meaning NULL. */
export const NULL_ARRAY = 0xffffffff;

/** A malformed message or frame: the connection is closed (never a crash). */
export class RpcProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcProtocolError';
  }
}

export interface Frame {
  code: number;
  options: Uint8Array;
  body: Uint8Array;
}

/**
 * Incremental frame parser for a byte stream. `push` returns the complete frames so far;
 * a header announcing more than the limits throws RpcProtocolError before anything is buffered.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  push(data: Uint8Array): Frame[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: Frame[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peek(FRAME_HEADER_BYTES);
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const code = view.getUint32(0);
      const olen = view.getUint32(4);
      const dlen = view.getUint32(8);
      if (code === 0) throw new RpcProtocolError('frame code 0 (not a p11-kit RPC frame)');
      if (olen > MAX_OPTIONS_BYTES) throw new RpcProtocolError(`frame options of ${olen} bytes exceed ${MAX_OPTIONS_BYTES}`);
      if (dlen > MAX_BODY_BYTES) throw new RpcProtocolError(`frame body of ${dlen} bytes exceeds ${MAX_BODY_BYTES}`);
      const total = FRAME_HEADER_BYTES + olen + dlen;
      if (this.buffered < total) break;
      const all = this.take(total);
      out.push({ code, options: all.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + olen), body: all.subarray(FRAME_HEADER_BYTES + olen) });
    }
    return out;
  }

  /** bytes received but not yet part of a complete frame */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Uint8Array {
    const joined = concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const joined = concat(this.chunks, this.buffered);
    const out = joined.slice(0, n);
    const rest = joined.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function encodeFrame(code: number, body: Uint8Array, options: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + options.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, code);
  view.setUint32(4, options.length);
  view.setUint32(8, body.length);
  out.set(options, FRAME_HEADER_BYTES);
  out.set(body, FRAME_HEADER_BYTES + options.length);
  return out;
}

/** Reads primitive values from a message body; every read past the end throws RpcProtocolError. */
export class MessageReader {
  private at = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw new RpcProtocolError(`message truncated reading ${what}`);
  }

  byte(what = 'byte'): number {
    this.need(1, what);
    return this.view.getUint8(this.at++);
  }

  uint32(what = 'uint32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }

  /** A CK_ULONG (64 bits on the wire) as a bigint. */
  uint64(what = 'ulong'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.at);
    this.at += 8;
    return v;
  }

  /** A CK_ULONG as a number; values past 2^53 (no valid handle, type or length) become -1. */
  ulong(what = 'ulong'): number {
    const v = this.uint64(what);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
  }

  /** `u32 length | bytes`; null for the NULL marker. Lengths ≥ 0x7fffffff (other than NULL) are malformed. */
  byteArray(what = 'byte array'): Uint8Array | null {
    const len = this.uint32(what);
    if (len === NULL_ARRAY) return null;
    if (len >= 0x7fffffff) throw new RpcProtocolError(`${what}: invalid length ${len}`);
    this.need(len, what);
    const out = this.bytes.slice(this.at, this.at + len);
    this.at += len;
    return out;
  }
}

/** Builds a message body. */
export class MessageWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0);
    this.len += 4;
    return this;
  }

  uint64(v: number | bigint): this {
    this.ensure(8);
    new DataView(this.buf.buffer).setBigUint64(this.len, BigInt.asUintN(64, BigInt(v)));
    this.len += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** `u32 length | bytes`, or the NULL marker for null. */
  byteArray(bytes: Uint8Array | null): this {
    if (bytes === null) return this.uint32(NULL_ARRAY);
    return this.uint32(bytes.length).raw(bytes);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
