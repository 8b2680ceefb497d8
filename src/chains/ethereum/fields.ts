/**
 * Field parsers for Ethereum request values: integers given as JSON numbers, decimal strings or
 * 0x-hex quantities, and 20-byte addresses. Every failure is an INVALID_ARGUMENT naming the field
 * (GUIDE §7), e.g. `transaction.maxFeePerGas`.
 */
import { isAddress } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';

const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;

export const UINT64_MAX = 2n ** 64n - 1n;
export const UINT256_MAX = 2n ** 256n - 1n;

function invalid(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

/**
 * A non-negative integer ≤ `max`: a JSON safe integer, a decimal string without leading zeros, or
 * 0x-hex (leading zeros tolerated, as JSON-RPC clients send them).
 */
export function parseQuantity(value: unknown, field: string, max: bigint = UINT256_MAX, min = 0n): bigint {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalid(field, 'must be an integer (use a decimal or 0x-hex string beyond 2^53)');
    n = BigInt(value);
  } else if (typeof value === 'string' && (DECIMAL.test(value) || HEX_QUANTITY.test(value)) && value.length <= 80) {
    n = BigInt(value);
  } else if (typeof value === 'string' && /^-/.test(value)) {
    throw invalid(field, 'must not be negative');
  } else {
    throw invalid(field, 'must be a non-negative integer: a JSON number, a decimal string or a 0x-hex string');
  }
  if (n < 0n) throw invalid(field, 'must not be negative');
  if (n < min) throw invalid(field, `must be at least ${min}`);
  if (n > max) throw invalid(field, `must be at most ${max}`);
  return n;
}

/** A quantity that fits a JS number (chain ids, nonces): viem types them as `number`. */
export function parseSafeInteger(value: unknown, field: string, min = 0n): number {
  return Number(parseQuantity(value, field, BigInt(Number.MAX_SAFE_INTEGER), min));
}

/** A 20-byte address; a mixed-case one must carry a valid EIP-55 checksum. Returned as given. */
export function parseAddress(value: unknown, field: string): `0x${string}` {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw invalid(field, 'must be a 20-byte 0x-hex address');
  if (!isAddress(value, { strict: true })) throw invalid(field, 'has an invalid EIP-55 checksum');
  return value as `0x${string}`;
}

/** 0x-hex bytes (even length), optionally of an exact size. */
export function parseHexData(value: unknown, field: string, options: { bytes?: number; maxBytes?: number } = {}): `0x${string}` {
  if (typeof value !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(value)) throw invalid(field, 'must be 0x-prefixed hex with an even number of digits');
  const length = (value.length - 2) / 2;
  if (options.bytes !== undefined && length !== options.bytes) throw invalid(field, `must be exactly ${options.bytes} bytes, got ${length}`);
  if (options.maxBytes !== undefined && length > options.maxBytes) throw invalid(field, `must be at most ${options.maxBytes} bytes, got ${length}`);
  return value.toLowerCase() as `0x${string}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function assertObject(value: unknown, field: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(field, 'must be a JSON object');
}

/** Refuses keys outside `allowed`, naming the first unknown one (a typo must not be ignored). */
export function assertKnownKeys(value: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new StrongboxError('UNKNOWN_FIELD', `unknown field "${field}.${key}"`, { field: `${field}.${key}` });
  }
}
