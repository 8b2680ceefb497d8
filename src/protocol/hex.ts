/**
 * Hex codecs for the wire: binary values travel as 0x-prefixed hex (lowercase on output,
 * either case accepted on input). Parsing names the field so a bad value becomes an
 * INVALID_ARGUMENT that tells the caller which field was wrong (GUIDE: validate at the boundary).
 */
import { StrongboxError } from './errors.js';

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

export interface ParseHexOptions {
  field: string;
  /** exact length in bytes */
  bytes?: number;
  minBytes?: number;
  maxBytes?: number;
}

export function parseHex(value: unknown, options: ParseHexOptions): Uint8Array {
  const { field } = options;
  if (typeof value !== 'string') {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be a 0x-prefixed hex string`, { field });
  }
  if (!HEX.test(value)) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be 0x-prefixed hex with an even number of digits`, { field });
  }
  const length = (value.length - 2) / 2;
  if (options.bytes !== undefined && length !== options.bytes) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be exactly ${options.bytes} bytes, got ${length}`, { field });
  }
  if (options.minBytes !== undefined && length < options.minBytes) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be at least ${options.minBytes} bytes, got ${length}`, { field });
  }
  if (options.maxBytes !== undefined && length > options.maxBytes) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be at most ${options.maxBytes} bytes, got ${length}`, { field });
  }
  return hexToBytes(value);
}

const HAS_BUFFER = typeof (globalThis as { Buffer?: unknown }).Buffer === 'function';
const LUT = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Decodes 0x-hex that is already known to be well-formed (Buffer's decoder on Node, a loop elsewhere). */
export function hexToBytes(value: string): Uint8Array {
  const body = value.startsWith('0x') ? value.slice(2) : value;
  if (HAS_BUFFER) {
    const buf = Buffer.from(body, 'hex');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) {
    const byte = Number.parseInt(body.slice(i * 2, i * 2 + 2), 16);
    if (Number.isNaN(byte)) throw new StrongboxError('INVALID_ARGUMENT', 'malformed hex');
    out[i] = byte;
  }
  return out;
}

export function toHex(bytes: Uint8Array): `0x${string}` {
  if (HAS_BUFFER) return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
  let s = '0x';
  for (const b of bytes) s += LUT[b];
  return s as `0x${string}`;
}
