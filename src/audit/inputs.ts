/**
 * The `inputs` of an audit record: the HMAC (audit key) of each sensitive request field, never the
 * value. Computed so that it cannot throw, whatever the request held: a value JSON.stringify refuses
 * (too deep, a BigInt, a cycle) is recorded as `unhashable` rather than costing the request its
 * audit record — every response has one.
 */
import type { AuditKeys } from './keys.js';

/** Recorded instead of a digest when the value cannot be serialized. */
export const UNHASHABLE = 'unhashable';
/** Recorded instead of a digest while sealed (no audit key in memory). */
export const SEALED_INPUT = 'unavailable:sealed';

export function inputDigest(keys: AuditKeys | undefined, field: string, value: unknown): string {
  if (keys === undefined) return SEALED_INPUT;
  try {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return typeof text === 'string' ? keys.hmac(field, text) : UNHASHABLE;
  } catch {
    return UNHASHABLE;
  }
}

/** The digests of the `fields` present (own members) in `body`; null when none is. */
export function auditInputs(keys: AuditKeys | undefined, fields: readonly string[] | undefined, body: unknown): Record<string, string> | null {
  if (fields === undefined || typeof body !== 'object' || body === null) return null;
  let inputs: Record<string, string> | null = null;
  for (const field of fields) {
    if (!Object.hasOwn(body, field)) continue;
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    inputs ??= {};
    inputs[field] = inputDigest(keys, field, value);
  }
  return inputs;
}
