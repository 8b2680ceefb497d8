/**
 * KMIP objects that are not Strongbox keys (docs/kmip.md, "Public Key, Secret Data and Opaque Object"):
 *  - a **Public Key** registered without its private half: a verify-only (RSA: also encrypt-only) object;
 *    its bytes are public and stored as they are, in `kmip_items` (migration 22);
 *  - a **Secret Data** or **Opaque Object**: its value is the Strongbox secret `kmip/<uid>` (versioned,
 *    sealed by the barrier with the secret's record identity, governed by `secret:kmip/<uid>`), so REST
 *    users see it at /v1/secrets/kmip/<uid>; `kmip_items` holds only its KMIP metadata.
 *
 * One id space with keys: the Unique Identifier is a fresh UUID that no key has (checked at registration),
 * and a Unique Identifier is looked up here before it is looked up as a key. One lifecycle: the KMIP states
 * are stored as they are (these objects have no Strongbox key state to follow).
 *
 * The secret's value is `{"base64": "<the KMIP bytes>"}` (JSON, as every Strongbox secret). Registering
 * writes the value first and the metadata second: a crash in between leaves a secret at kmip/<uid> that is
 * no KMIP object (visible through REST, harmless), never a KMIP object without its value. Destroy erases
 * every version of the value first and then records the state.
 */
import { randomUUID } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyType } from '../../protocol/types.js';
import { ConflictError, type KmipItemRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { ensureTerm } from '../shared/keyring-refresh.js';
import { secretContext } from '../shared/record-identity.js';
import { assertKmipAttributes, type KmipAttributes, type KmipState } from './kmip-object.js';

export type KmipItemKind = 'public_key' | 'secret_data' | 'opaque';

/** What a KMIP item keeps beyond the key attributes: the object's own type fields and the registered format. */
export interface KmipItemAttributes extends KmipAttributes {
  /** Secret Data Type (KMIP 1.4 §9.1.3.2.9: Password 1, Seed 2) */
  secretDataType?: number;
  /** Opaque Data Type (vendor-defined numbers) */
  opaqueDataType?: number;
  /** a public key's Key Format Type as registered (Get answers it by default) */
  keyFormatType?: number;
}

export interface KmipItem {
  uid: string;
  kind: KmipItemKind;
  state: KmipState;
  attributes: KmipItemAttributes;
  /** public keys: the Strongbox key type and the public key in that type's native form (null once destroyed) */
  keyType?: KeyType;
  publicKey?: Uint8Array | null;
  createdAt: string;
  /** as read from the store: a write succeeds only if the stored item still has it (undefined: a new item) */
  updatedAt?: string;
}

/** The Strongbox secret path that holds a Secret Data's or Opaque Object's value. */
export const kmipSecretPath = (uid: string): string => `kmip/${uid}`;

/** Secret Data and Opaque values are at most this many bytes (their base64 JSON stays under the secrets limit of 64 KiB). */
export const MAX_KMIP_SECRET_BYTES = 32 * 1024;

type Ctx = Pick<ServiceContext, 'store' | 'barrier' | 'now'>;

const KINDS: ReadonlySet<string> = new Set<KmipItemKind>(['public_key', 'secret_data', 'opaque']);

/** A stored item record as the service's object. */
export function kmipItemOf(r: KmipItemRecord): KmipItem {
  if (!KINDS.has(r.objectType)) throw new StrongboxError('INTERNAL', `unknown KMIP item type ${r.objectType}`);
  const a = JSON.parse(r.attributes) as KmipItemAttributes;
  const item: KmipItem = {
    uid: r.uid,
    kind: r.objectType as KmipItemKind,
    state: r.state as KmipState,
    attributes: { ...a, names: Array.isArray(a.names) ? a.names : [], custom: Array.isArray(a.custom) ? a.custom : [] },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
  if (r.keyType !== null) {
    item.keyType = r.keyType as KeyType;
    item.publicKey = r.publicKey;
  }
  return item;
}

/** The KMIP item a Unique Identifier names, if it names one (keys are looked up only when it does not). */
export async function findKmipItem(ctx: Pick<ServiceContext, 'store'>, uid: string): Promise<KmipItem | undefined> {
  const r = await ctx.store.getKmipItem(uid);
  return r && kmipItemOf(r);
}

/**
 * Writes an item: a new one (no updatedAt), or the change of one read earlier, which succeeds only if no
 * other write came in between (optimistic concurrency: a Destroy cannot be undone by an attribute change
 * that read the item before it). updatedAt moves forward on every write, also within one millisecond.
 */
async function save(ctx: Pick<ServiceContext, 'store' | 'now'>, item: KmipItem): Promise<KmipItem> {
  assertKmipAttributes(item.attributes);
  const read = item.updatedAt;
  const updatedAt = new Date(Math.max(ctx.now().getTime(), read === undefined ? 0 : Date.parse(read) + 1)).toISOString();
  const written = await ctx.store.putKmipItem(
    {
      uid: item.uid,
      objectType: item.kind,
      keyType: item.keyType ?? null,
      state: item.state,
      attributes: JSON.stringify(item.attributes),
      publicKey: item.publicKey ?? null,
      createdAt: item.createdAt,
      updatedAt,
      names: [...new Set(item.attributes.names)],
    },
    read,
  );
  if (!written) throw new StrongboxError('KEY_STATE_CONFLICT', `KMIP object ${item.uid} changed while this operation ran (another operation on it finished first); read it again and retry`);
  return { ...item, updatedAt };
}

/** A fresh Unique Identifier that names no key and no item (UUIDs do not collide; this makes it certain). */
export async function newKmipItemUid(ctx: Pick<ServiceContext, 'store'>): Promise<string> {
  for (;;) {
    const uid = randomUUID();
    if ((await ctx.store.getKey(uid)) === undefined && (await ctx.store.getKmipItem(uid)) === undefined) return uid;
  }
}

function initialState(ctx: Pick<ServiceContext, 'now'>, attributes: KmipAttributes): KmipState {
  const activation = attributes.activationDate === undefined ? undefined : Date.parse(attributes.activationDate);
  return activation !== undefined && activation <= ctx.now().getTime() ? 'active' : 'pre_active';
}

export interface RegisterKmipPublicKeyParameters {
  uid: string;
  keyType: KeyType;
  /** validated by the caller (kmip-public-key.ts) */
  publicKey: Uint8Array;
  attributes: KmipItemAttributes;
}

export async function registerKmipPublicKey(ctx: Ctx, p: RegisterKmipPublicKeyParameters): Promise<KmipItem> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  assertKmipAttributes(p.attributes);
  return save(ctx, { uid: p.uid, kind: 'public_key', state: initialState(ctx, p.attributes), attributes: p.attributes, keyType: p.keyType, publicKey: p.publicKey, createdAt: ctx.now().toISOString() });
}

export interface RegisterKmipSecretParameters {
  uid: string;
  kind: 'secret_data' | 'opaque';
  /** the value, wiped by the caller */
  secretValue: Uint8Array;
  attributes: KmipItemAttributes;
}

function assertSecretValue(value: Uint8Array, field: string): void {
  if (value.length === 0) throw new StrongboxError('INVALID_ARGUMENT', `${field} is empty`, { field });
  if (value.length > MAX_KMIP_SECRET_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `${field} is ${value.length} bytes; at most ${MAX_KMIP_SECRET_BYTES}`, { field });
}

/** Writes the value as the secret kmip/<uid> (version 1), then the KMIP metadata. */
export async function registerKmipSecret(ctx: Ctx, p: RegisterKmipSecretParameters): Promise<KmipItem> {
  assertSecretValue(p.secretValue, p.kind === 'secret_data' ? 'SecretData' : 'OpaqueDataValue');
  assertKmipAttributes(p.attributes);
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const path = kmipSecretPath(p.uid);
  const plaintext = Buffer.from(JSON.stringify({ base64: Buffer.from(p.secretValue).toString('base64') }), 'utf8');
  const createdAt = ctx.now().toISOString();
  try {
    // cas 0: the path must be new (a UUID nobody wrote to).
    await ctx.store.putSecretVersion(path, (v) => ctx.barrier.encrypt(plaintext, secretContext(path, v)), createdAt, 0);
  } catch (err) {
    if (err instanceof ConflictError) throw new StrongboxError('SECRET_CAS_MISMATCH', `a secret already exists at ${path}; register again for a new Unique Identifier`);
    throw err;
  } finally {
    plaintext.fill(0);
  }
  return save(ctx, { uid: p.uid, kind: p.kind, state: initialState(ctx, p.attributes), attributes: p.attributes, createdAt });
}

/** The current value of a Secret Data or Opaque Object (the caller wipes it). */
export async function readKmipSecret(ctx: Ctx, item: KmipItem): Promise<Uint8Array> {
  if (item.kind === 'public_key') throw new StrongboxError('UNSUPPORTED_OPERATION', 'a public key has no secret value');
  assertNotDestroyed(item);
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const path = kmipSecretPath(item.uid);
  const v = await ctx.store.getSecretVersion(path);
  if (v === undefined) throw new StrongboxError('SECRET_NOT_FOUND', `the value of ${item.uid} (secret ${path}) is gone`);
  if (v.destroyed || v.sealedValue === null) throw new StrongboxError('SECRET_VERSION_DESTROYED', `the value of ${item.uid} (secret ${path} version ${v.version}) was destroyed`);
  if (v.deletedAt !== null) throw new StrongboxError('SECRET_VERSION_DELETED', `the value of ${item.uid} (secret ${path} version ${v.version}) was deleted`);
  await ensureTerm(ctx, v.sealedValue);
  const plaintext = ctx.barrier.decrypt(v.sealedValue, secretContext(path, v.version));
  try {
    const data = JSON.parse(Buffer.from(plaintext).toString('utf8')) as unknown;
    const b64 = typeof data === 'object' && data !== null && 'base64' in data ? (data as { base64: unknown }).base64 : undefined;
    // A REST user may write a new version; KMIP reads it only in the form KMIP wrote.
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new StrongboxError('SECRET_NOT_FOUND', `secret ${path} version ${v.version} holds no KMIP value ({"base64": …})`);
    return new Uint8Array(Buffer.from(b64, 'base64'));
  } finally {
    plaintext.fill(0);
  }
}

export function assertNotDestroyed(item: KmipItem): void {
  if (item.state === 'destroyed' || item.state === 'destroyed_compromised') throw new StrongboxError('KEY_DESTROYED', `object ${item.uid} was destroyed`);
}

function wrongState(item: KmipItem, what: string): StrongboxError {
  return new StrongboxError('KEY_STATE_CONFLICT', `cannot ${what} an object in KMIP state ${item.state}`);
}

/** KMIP 1.4 §3.22 state model, as for keys (kmip-lifecycle.ts), on the stored state itself. */
export function activateKmipItem(ctx: Ctx, item: KmipItem): Promise<KmipItem> {
  if (item.state !== 'pre_active') throw wrongState(item, 'activate');
  return save(ctx, { ...item, state: 'active', attributes: { ...item.attributes, activationDate: ctx.now().toISOString() } });
}

/** Revocation Reason Code "Key Compromise" (KMIP 1.4 §9.1.3.2.19) */
const KEY_COMPROMISE = 2;

export function revokeKmipItem(ctx: Ctx, item: KmipItem, reason: { code: number; message?: string }): Promise<KmipItem> {
  const now = ctx.now().toISOString();
  if (reason.code === KEY_COMPROMISE) {
    const destroyed = item.state === 'destroyed' || item.state === 'destroyed_compromised';
    return save(ctx, { ...item, state: destroyed ? 'destroyed_compromised' : 'compromised', attributes: { ...item.attributes, compromiseDate: now, revocation: reason } });
  }
  if (item.state !== 'active' && item.state !== 'pre_active') throw wrongState(item, 'revoke');
  return save(ctx, { ...item, state: 'deactivated', attributes: { ...item.attributes, deactivationDate: now, revocation: reason } });
}

/**
 * Destroy (not while Active: revoke first, as KMIP requires). A secret's value is erased for good (every
 * version of kmip/<uid>), a public key's bytes are dropped; the metadata stays, in state Destroyed.
 */
export async function destroyKmipItem(ctx: Ctx, item: KmipItem): Promise<KmipItem> {
  if (item.state === 'active') throw wrongState(item, 'destroy (revoke it first)');
  assertNotDestroyed(item);
  if (item.kind !== 'public_key') {
    const path = kmipSecretPath(item.uid);
    const versions = (await ctx.store.listSecretVersions(path)).filter((v) => !v.destroyed).map((v) => v.version);
    if (versions.length > 0) await ctx.store.destroySecretVersions(path, versions);
  }
  const destroyed: KmipItem = { ...item, state: item.state === 'compromised' ? 'destroyed_compromised' : 'destroyed', attributes: { ...item.attributes, destroyDate: ctx.now().toISOString() } };
  if (item.kind === 'public_key') destroyed.publicKey = null;
  return save(ctx, destroyed);
}

/** Replaces the client-settable attributes (Add/Set/Modify/Delete Attribute), keeping the rest. */
export function updateKmipItemAttributes(ctx: Ctx, item: KmipItem, attributes: KmipAttributes): Promise<KmipItem> {
  const { secretDataType, opaqueDataType, keyFormatType } = item.attributes;
  const kept = { ...(secretDataType === undefined ? {} : { secretDataType }), ...(opaqueDataType === undefined ? {} : { opaqueDataType }), ...(keyFormatType === undefined ? {} : { keyFormatType }) };
  return save(ctx, { ...item, attributes: { ...attributes, ...kept } });
}
