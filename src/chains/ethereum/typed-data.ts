/**
 * EIP-712 typed structured data hashing (the `eth_signTypedData_v4` encoding, arrays and recursive
 * structs included) via viem's hashTypedData. The request's typed data is validated here first, so
 * a bad domain, type or message value is a 400 naming the field, e.g. `typedData.message.to.wallet`,
 * instead of an error from inside the encoder. Values are normalized on the way (integers given as
 * numbers, decimal or 0x-hex strings become bigints).
 */
import type { TypedDataDefinition } from 'viem';
import { hashTypedData } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { assertKnownKeys, assertObject, isPlainObject, parseAddress, parseHexData } from './fields.js';

export interface TypedDataField {
  name: string;
  type: string;
}

export interface ParsedTypedData {
  domain: Record<string, unknown>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  message: Record<string, unknown>;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ARRAY_SUFFIX = /^(.*)\[([0-9]*)\]$/;
const INT_TYPE = /^(u?)int([0-9]*)$/;
const BYTES_N = /^bytes([0-9]+)$/;
const MAX_DEPTH = 32;
const MAX_BYTES_VALUE = 256 * 1024;

/** The EIP712Domain fields in the order EIP-712 lists them; a domain without explicit types uses those present. */
const DOMAIN_FIELDS: readonly TypedDataField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
];

function invalid(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

function isAtomic(type: string): boolean {
  if (type === 'address' || type === 'bool' || type === 'string' || type === 'bytes') return true;
  const bytes = BYTES_N.exec(type);
  if (bytes) return Number(bytes[1]) >= 1 && Number(bytes[1]) <= 32 && String(Number(bytes[1])) === bytes[1];
  const int = INT_TYPE.exec(type);
  if (int) {
    if (int[2] === '') return false; // EIP-712 requires explicit widths (uint256, not uint)
    const bits = Number(int[2]);
    return bits >= 8 && bits <= 256 && bits % 8 === 0 && String(bits) === int[2];
  }
  return false;
}

function assertTypeKnown(type: string, types: Record<string, TypedDataField[]>, field: string): void {
  const array = ARRAY_SUFFIX.exec(type);
  if (array) return assertTypeKnown(array[1]!, types, field);
  if (!isAtomic(type) && !Object.hasOwn(types, type)) throw invalid(field, `names an unknown type "${type}"`);
}

function parseTypes(value: unknown): Record<string, TypedDataField[]> {
  assertObject(value, 'typedData.types');
  // Struct names are user-chosen: null-prototype, so `constructor` or `toString` is only ever a struct the request defines.
  const out = Object.create(null) as Record<string, TypedDataField[]>;
  for (const [name, fields] of Object.entries(value)) {
    const path = `typedData.types.${name}`;
    if (!IDENTIFIER.test(name) || name === '__proto__') throw invalid(path, 'is not a valid struct name');
    if (isAtomic(name)) throw invalid(path, 'must not redefine an atomic type');
    if (!Array.isArray(fields)) throw invalid(path, 'must be an array of {name, type}');
    const seen = new Set<string>();
    out[name] = fields.map((f: unknown, i) => {
      const fpath = `${path}[${i}]`;
      assertObject(f, fpath);
      assertKnownKeys(f, ['name', 'type'], fpath);
      // `__proto__` is an identifier, but as a member of a plain object it would set the prototype instead.
      if (typeof f['name'] !== 'string' || !IDENTIFIER.test(f['name']) || f['name'] === '__proto__') throw invalid(`${fpath}.name`, 'must be an identifier');
      if (typeof f['type'] !== 'string' || f['type'] === '') throw invalid(`${fpath}.type`, 'must be a type name');
      if (seen.has(f['name'])) throw invalid(`${fpath}.name`, `repeats the field "${f['name']}"`);
      seen.add(f['name']);
      return { name: f['name'], type: f['type'] };
    });
  }
  for (const [name, fields] of Object.entries(out)) fields.forEach((f, i) => assertTypeKnown(f.type, out, `typedData.types.${name}[${i}].type`));
  return out;
}

function parseInteger(value: unknown, type: string, field: string): bigint {
  const int = INT_TYPE.exec(type)!;
  const signed = int[1] === '';
  const bits = BigInt(int[2]!);
  let n: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?(0|[1-9][0-9]*)$/.test(value) && value.length <= 80) n = BigInt(value);
  else if (typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value) && value.length <= 66) n = BigInt(value);
  else throw invalid(field, `must be an integer (${type}): a JSON safe integer, a decimal string or a 0x-hex string`);
  const min = signed ? -(2n ** (bits - 1n)) : 0n;
  const max = signed ? 2n ** (bits - 1n) - 1n : 2n ** bits - 1n;
  if (n < min || n > max) throw invalid(field, `is out of range for ${type}`);
  return n;
}

function parseValue(value: unknown, type: string, types: Record<string, TypedDataField[]>, field: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw invalid(field, `nests deeper than ${MAX_DEPTH} levels`);
  const array = ARRAY_SUFFIX.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw invalid(field, `must be an array (${type})`);
    if (array[2] !== '' && value.length !== Number(array[2])) throw invalid(field, `must have exactly ${array[2]} elements, got ${value.length}`);
    return value.map((v, i) => parseValue(v, array[1]!, types, `${field}[${i}]`, depth + 1));
  }
  const struct = types[type];
  if (struct !== undefined) return parseStruct(value, struct, types, field, depth + 1);
  if (type === 'address') return parseAddress(value, field);
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw invalid(field, 'must be true or false');
    return value;
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw invalid(field, 'must be a string');
    return value;
  }
  if (type === 'bytes') return parseHexData(value, field, { maxBytes: MAX_BYTES_VALUE });
  const bytes = BYTES_N.exec(type);
  if (bytes) return parseHexData(value, field, { bytes: Number(bytes[1]) });
  return parseInteger(value, type, field);
}

function parseStruct(value: unknown, fields: readonly TypedDataField[], types: Record<string, TypedDataField[]>, field: string, depth: number): Record<string, unknown> {
  assertObject(value, field);
  assertKnownKeys(value, fields.map((f) => f.name), field);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!Object.hasOwn(value, f.name)) throw invalid(`${field}.${f.name}`, 'is required');
    out[f.name] = parseValue(value[f.name], f.type, types, `${field}.${f.name}`, depth);
  }
  return out;
}

/** Validates and normalizes a request's `typedData` ({types, primaryType, domain, message}). */
export function parseTypedData(value: unknown): ParsedTypedData {
  assertObject(value, 'typedData');
  assertKnownKeys(value, ['types', 'primaryType', 'domain', 'message'], 'typedData');
  for (const k of ['types', 'primaryType', 'domain', 'message']) if (!Object.hasOwn(value, k)) throw invalid(`typedData.${k}`, 'is required');
  const types = parseTypes(value['types']);
  const primaryType = value['primaryType'];
  if (typeof primaryType !== 'string' || primaryType === 'EIP712Domain' || !Object.hasOwn(types, primaryType)) {
    throw invalid('typedData.primaryType', 'must name a struct defined in typedData.types (other than EIP712Domain)');
  }
  const domainValue = value['domain'];
  assertObject(domainValue, 'typedData.domain');
  // Without an explicit EIP712Domain type, the domain's type is the standard fields it carries.
  const domainFields = types['EIP712Domain'] ?? DOMAIN_FIELDS.filter((f) => Object.hasOwn(domainValue, f.name));
  const allTypes = Object.assign(Object.create(null) as Record<string, TypedDataField[]>, types, { EIP712Domain: domainFields });
  const domain = parseStruct(domainValue, domainFields, allTypes, 'typedData.domain', 0);
  const message = parseStruct(value['message'], types[primaryType]!, allTypes, 'typedData.message', 0);
  return { domain, types: allTypes, primaryType, message };
}

/** The 32-byte EIP-712 digest keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message)). */
export function typedDataHash(data: ParsedTypedData): Uint8Array {
  let hash: `0x${string}`;
  try {
    hash = hashTypedData(data as unknown as TypedDataDefinition);
  } catch (err) {
    // Validation above should leave nothing for the encoder to refuse; if it does, it is still the input's fault.
    throw new StrongboxError('INVALID_ARGUMENT', `typedData cannot be encoded: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`, { field: 'typedData', cause: err });
  }
  return Uint8Array.from(Buffer.from(hash.slice(2), 'hex'));
}

/**
 * Parsed typed data in its JSON form (integers as decimal strings, the domain type explicit): what a held
 * request stores. parseTypedData reads it back to the same typed data, hence the same digest.
 */
export function typedDataToJson(data: ParsedTypedData): Record<string, unknown> {
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (Array.isArray(v)) return v.map(plain);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  return { types: data.types, primaryType: data.primaryType, domain: plain(data.domain), message: plain(data.message) };
}
