/**
 * What a KMIP operation gets: the service context, the authenticated principal, the negotiated
 * protocol version, the batch's ID Placeholder, and the audit fields it fills while authorizing.
 * `objectFor` is the one place an operation turns a Unique Identifier into an authorized object.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { Action } from '../../policy/actions.js';
import type { Resource } from '../../policy/types.js';
import { authorize, describeResource } from '../../service/access/authorize.js';
import type { Principal, ServiceContext } from '../../service/shared/context.js';
import { keyResource } from '../../service/shared/resolve-key.js';
import { findKmipItem, kmipSecretPath, type KmipItem } from '../../service/kmip/kmip-item.js';
import { loadKmipObject, parseUid, type KmipObject } from '../../service/kmip/kmip-object.js';
import { KmipError, read, type ProtocolVersion } from '../message.js';
import { Tag } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';

export interface KmipCall {
  ctx: ServiceContext;
  principal: Principal;
  version: ProtocolVersion;
  clientIp: string | undefined;
  /** ID Placeholder (KMIP 1.4 §2.1.6 / 2.1 §2.1.6): the Unique Identifier the previous batch item produced */
  placeholder: { value: string | undefined };
  audit: { action: Action | null; resource: string | null; reason: string | null };
}

export interface KmipOperation {
  /** the operation's specification name, for the audit record (`kmip.<name>`) */
  name: string;
  run(call: KmipCall, payload: TtlvItem | undefined): Promise<TtlvItem>;
}

/** Checks one action on one resource, once, recording it for the audit record. */
export async function authorizeCall(call: KmipCall, action: Action, resource: Resource): Promise<void> {
  call.audit.action = action;
  call.audit.resource = describeResource(resource);
  const decision = await authorize(call.ctx, call.principal, action, resource, call.clientIp);
  call.audit.reason = decision.reason;
}

/** The Unique Identifier of a request payload, or the ID Placeholder when the client left it out. */
export function uidOf(call: KmipCall, payload: TtlvItem | undefined): string {
  const item = payload === undefined ? undefined : read.text(payload, Tag.UniqueIdentifier);
  const uid = item ?? call.placeholder.value;
  if (uid === undefined) throw new KmipError('MissingData', 'Unique Identifier is required (no ID Placeholder from an earlier batch item)');
  if (uid.length > 200) throw new KmipError('InvalidField', 'Unique Identifier is too long');
  return uid;
}

/**
 * The policy resource of a KMIP item: a registered public key is a key resource named by its Unique
 * Identifier (`key:<uid>`, so `key:*` policies cover it); a Secret Data or Opaque Object is its secret
 * (`secret:kmip/<uid>`).
 */
export function itemResource(item: KmipItem): Resource {
  return item.kind === 'public_key' ? { kind: 'key', id: item.uid, name: null } : { kind: 'secret', path: kmipSecretPath(item.uid) };
}

/** The item a Unique Identifier names, if any, after authorizing `keyAction` (public keys) or `secretAction` (Secret Data, Opaque) on it. */
export async function itemFor(call: KmipCall, uid: string, keyAction: Action, secretAction: Action): Promise<KmipItem | undefined> {
  const item = await findKmipItem(call.ctx, uid);
  if (item === undefined) return undefined;
  await authorizeCall(call, item.kind === 'public_key' ? keyAction : secretAction, itemResource(item));
  return item;
}

/** The refusal of an operation that does not apply to a KMIP item's object type. */
export function invalidObjectType(item: KmipItem, what: string): KmipError {
  const type = item.kind === 'public_key' ? 'a Public Key' : item.kind === 'secret_data' ? 'Secret Data' : 'an Opaque Object';
  return new KmipError('InvalidObjectType', `${item.uid} is ${type}: ${what}`);
}

/**
 * The object a Unique Identifier names, after authorizing `action` on its key. An unknown id is
 * authorized against a resource named by the id itself, so a caller without the right learns nothing
 * (Permission Denied), and one with it gets Item Not Found. A KMIP item (public key, Secret Data, Opaque
 * Object) reaching here is not what the operation works on: authorized (`action` for a public key, a
 * read of the secret otherwise), then refused with Invalid Object Type.
 */
export async function objectFor(call: KmipCall, uid: string, action: Action): Promise<KmipObject> {
  const item = await itemFor(call, uid, action, 'secrets:read');
  if (item !== undefined) throw invalidObjectType(item, `${action.replace(/^keys:/, '')} needs a key`);
  const { keyId } = parseUid(uid);
  const { resource, record } = await keyResource(call.ctx, keyId);
  await authorizeCall(call, action, resource);
  if (record === undefined) throw new StrongboxError('KEY_NOT_FOUND', `no object has the Unique Identifier ${JSON.stringify(uid.slice(0, 80))}`);
  return loadKmipObject(call.ctx, uid, record);
}

export function assertUnsealed(call: KmipCall): void {
  if (call.ctx.barrier.sealed) throw new StrongboxError('SEALED');
}
