/**
 * One AWS KMS operation: its name (the X-Amz-Target suffix), the Strongbox policy action it is
 * authorized as, which key it acts on, and a thin `run` that validates fields, calls services and
 * shapes the AWS response. Authentication, authorization of the primary key, audit and error
 * mapping happen once, in endpoint.ts.
 */
import type { Action } from '../policy/actions.js';
import type { Principal, ServiceContext } from '../service/shared/context.js';
import type { ServiceKey } from '../service/shared/resolve-key.js';
import { validation } from './errors.js';
import { toKeyRef } from './key-id.js';

export type AwsInput = Record<string, unknown>;

export interface AwsRequestContext {
  ctx: ServiceContext;
  principal: Principal;
  /** the region of the request's credential scope, used in ARNs */
  region: string;
  /** authorizes `action` on another key than the primary one (ReEncrypt's destination, UpdateAlias's old key) */
  authorizeKey(action: Action, keyRef: string): Promise<ServiceKey>;
}

export interface AwsOperation {
  name: string;
  /** the policy action (null: any authenticated caller, e.g. GenerateRandom) */
  action: Action | null;
  /** input fields whose values the audit record keeps only as an HMAC */
  sensitive?: readonly string[];
  /** the Strongbox key reference the request acts on; undefined = the key collection */
  keyRef?(input: AwsInput): string | undefined;
  run(rc: AwsRequestContext, input: AwsInput, key: ServiceKey | undefined): Promise<Record<string, unknown>>;
}

export function defineOperation(op: AwsOperation): AwsOperation {
  return op;
}

/** The primary key named by `KeyId` (required). */
export const byKeyId = (input: AwsInput): string => toKeyRef(input['KeyId']);

export function str(input: AwsInput, field: string): string;
export function str(input: AwsInput, field: string, optional: true): string | undefined;
export function str(input: AwsInput, field: string, optional = false): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  if (typeof v !== 'string') throw validation(`${field} must be a string`);
  return v;
}

export function int(input: AwsInput, field: string, min: number, max: number): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must be an integer from ${min} to ${max}`);
  return v;
}

/** A base64 blob field (AWS JSON encodes every binary value as base64). */
export function blob(input: AwsInput, field: string, maxBytes: number): Uint8Array;
export function blob(input: AwsInput, field: string, maxBytes: number, optional: true): Uint8Array | undefined;
export function blob(input: AwsInput, field: string, maxBytes: number, optional = false): Uint8Array | undefined {
  const v = optional ? str(input, field, true) : str(input, field);
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw validation(`${field} must be base64`);
  const bytes = new Uint8Array(Buffer.from(v, 'base64'));
  if (bytes.length < 1 || bytes.length > maxBytes) throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between 1 and ${maxBytes}`);
  return bytes;
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const hexOf = (bytes: Uint8Array): `0x${string}` => `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
export const bytesOfHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.slice(2), 'hex'));

/**
 * EncryptionContext → AAD: the pairs sorted by key (UTF-16 code unit order), as the JSON text of
 * `[[k, v], ...]` in UTF-8. Canonical, so any order of the same map gives the same AAD; an absent
 * or empty context is no AAD at all.
 */
export function encryptionContextAad(input: AwsInput, field = 'EncryptionContext'): `0x${string}` | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw validation(`${field} must be a map of strings`);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  for (const [k, val] of entries) if (typeof val !== 'string') throw validation(`${field}.${k} must be a string`);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return hexOf(new TextEncoder().encode(JSON.stringify(entries)));
}
