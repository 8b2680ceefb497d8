/**
 * A Strongbox key seen as KMIP objects (docs/kmip.md, "Objects and identifiers"): one id space, one
 * lifecycle. The KMIP metadata a key record cannot hold (KMIP state, the plaintext-export mark, KMIP
 * attributes) lives in `kmip_objects` (migration 15); keys made through the REST API have none until KMIP
 * touches them, and their KMIP state follows the key's state.
 *
 * Identifiers: a symmetric or private key is its Strongbox key id (UUID); the public half of an
 * asymmetric key is `<key id>/public` (the same record, so the same policies apply).
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyType } from '../../protocol/types.js';
import type { KeyRecord, KmipObjectRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey } from '../shared/resolve-key.js';

export type KmipState = 'pre_active' | 'active' | 'deactivated' | 'compromised' | 'destroyed' | 'destroyed_compromised';
export type KmipObjectKind = 'symmetric' | 'private' | 'public';

/** KMIP attributes Strongbox keeps for an object, beyond those it derives from the key record. */
export interface KmipAttributes {
  names: string[];
  usageMask?: number;
  /** KMIP 1.x only (removed in 2.0): kept and returned for clients that set it */
  operationPolicyName?: string;
  /** ISO 8601 */
  activationDate?: string;
  deactivationDate?: string;
  compromiseDate?: string;
  destroyDate?: string;
  revocation?: { code: number; message?: string };
  /** Custom Attributes ("x-…" / "y-…" in 1.x, Vendor Attributes (x, …) / (y, …) in 2.x) */
  custom: CustomAttribute[];
  /** the public-key object's own names (a key pair's two objects may be named apart) */
  publicNames?: string[];
  /** Re-key links (KMIP 1.4 §3.35): the key that replaced this one, and the key this one replaced */
  replacementId?: string;
  replacedId?: string;
}

/** The TTLV type of a custom attribute value; absent is Text String (and every value stored before types were kept). */
export type CustomValueType = 'Integer' | 'LongInteger' | 'BigInteger' | 'Enumeration' | 'Interval' | 'Boolean' | 'DateTime' | 'ByteString';
/** A custom attribute: name, value as text (decimal numbers and seconds, true/false, hex bytes), its type. */
export type CustomAttribute = [name: string, value: string, type?: CustomValueType];

export interface KmipObject {
  record: KeyRecord;
  kind: KmipObjectKind;
  uid: string;
  state: KmipState;
  plaintextExport: boolean;
  attributes: KmipAttributes;
}

export const PUBLIC_SUFFIX = '/public';
export const MAX_KMIP_NAMES = 16;
export const MAX_KMIP_CUSTOM_ATTRIBUTES = 64;
export const MAX_KMIP_TEXT = 512;

const STORED_STATES = new Set(['pre_active', 'active', 'deactivated', 'compromised']);

export function emptyAttributes(): KmipAttributes {
  return { names: [], custom: [] };
}

function parseAttributes(text: string): KmipAttributes {
  const a = JSON.parse(text) as KmipAttributes;
  return { ...a, names: Array.isArray(a.names) ? a.names : [], custom: Array.isArray(a.custom) ? a.custom : [] };
}

/**
 * The KMIP state from the key's state and the stored KMIP state. The key's state wins where they
 * disagree (an operator enabled or disabled the key through the REST API): enabled is Active; disabled
 * is Pre-Active, Deactivated or Compromised as KMIP last set it; a key pending deletion or destroyed is
 * Destroyed (Destroyed Compromised if it was compromised), since KMIP can no longer use it.
 */
export function kmipState(record: KeyRecord, stored: string | undefined): KmipState {
  switch (record.state) {
    case 'enabled':
      return 'active';
    case 'disabled':
      return stored !== undefined && STORED_STATES.has(stored) && stored !== 'active' ? (stored as KmipState) : 'deactivated';
    case 'pending_deletion':
    case 'destroyed':
      return stored === 'compromised' ? 'destroyed_compromised' : 'destroyed';
  }
}

export function kindOf(type: KeyType, wantPublic: boolean): KmipObjectKind {
  const symmetric = type === 'aes256' || type === 'hmac256';
  if (symmetric) return 'symmetric';
  return wantPublic ? 'public' : 'private';
}

/** Splits a Unique Identifier into the key reference and whether it names the public half. */
export function parseUid(uid: string): { keyId: string; wantPublic: boolean } {
  return uid.endsWith(PUBLIC_SUFFIX) ? { keyId: uid.slice(0, -PUBLIC_SUFFIX.length), wantPublic: true } : { keyId: uid, wantPublic: false };
}

export function toKmipObject(record: KeyRecord, stored: KmipObjectRecord | undefined, wantPublic: boolean): KmipObject {
  const kind = kindOf(record.type, wantPublic);
  if (wantPublic && kind !== 'public') throw new StrongboxError('KEY_NOT_FOUND', `${record.type} keys have no public key object`);
  return {
    record,
    kind,
    uid: kind === 'public' ? record.id + PUBLIC_SUFFIX : record.id,
    state: kmipState(record, stored?.state),
    plaintextExport: stored?.plaintextExport === true,
    attributes: stored === undefined ? emptyAttributes() : parseAttributes(stored.attributes),
  };
}

/** The KMIP object a Unique Identifier names (a key id, or `<key id>/public`). */
export async function loadKmipObject(ctx: Pick<ServiceContext, 'store'>, uid: string, resolved?: KeyRecord): Promise<KmipObject> {
  const { keyId, wantPublic } = parseUid(uid);
  const record = resolved ?? (await resolveKey(ctx, keyId));
  return toKmipObject(record, await ctx.store.getKmipObject(record.id), wantPublic);
}

/** Writes an object's KMIP state and attributes (the plaintext-export mark is fixed at the first write). */
export async function saveKmipObject(ctx: Pick<ServiceContext, 'store' | 'now'>, record: KeyRecord, state: KmipState, attributes: KmipAttributes, plaintextExport = false): Promise<void> {
  const stored = state === 'destroyed' || state === 'destroyed_compromised' ? (state === 'destroyed_compromised' ? 'compromised' : 'deactivated') : state;
  const names = [...new Set([...attributes.names, ...(attributes.publicNames ?? [])])];
  await ctx.store.putKmipObject({ keyId: record.id, state: stored, plaintextExport, attributes: JSON.stringify(attributes), updatedAt: ctx.now().toISOString(), names });
}

/** Checks the bounds of client-chosen attribute values before they are stored. */
export function assertKmipAttributes(a: KmipAttributes): void {
  if (a.names.length > MAX_KMIP_NAMES || (a.publicNames?.length ?? 0) > MAX_KMIP_NAMES) throw new StrongboxError('INVALID_ARGUMENT', `at most ${MAX_KMIP_NAMES} Name attributes`, { field: 'Name' });
  if (a.custom.length > MAX_KMIP_CUSTOM_ATTRIBUTES) throw new StrongboxError('INVALID_ARGUMENT', `at most ${MAX_KMIP_CUSTOM_ATTRIBUTES} custom attributes`, { field: 'CustomAttribute' });
  for (const s of [...a.names, ...(a.publicNames ?? []), ...a.custom.flatMap(([n, v]) => [n, v]), a.operationPolicyName ?? '']) {
    if (s.length > MAX_KMIP_TEXT) throw new StrongboxError('INVALID_ARGUMENT', `attribute text longer than ${MAX_KMIP_TEXT} characters`, { field: 'Attribute' });
  }
}
