/**
 * KMIP Re-key of a symmetric key (KMIP 1.4 §4.4, 2.1 §6.1.41): a new Strongbox key of the same type with
 * fresh material and the existing key's client attributes (Names, usage mask, Operation Policy Name,
 * custom attributes), linked both ways — the existing key gets a Replacement Object link to the new one,
 * the new key a Replaced Object link to the existing one.
 *
 * Why a new key and not a Strongbox rotation (a new version under the same id): KMIP gives the replacement
 * its own Unique Identifier and its own lifecycle (the client revokes and destroys the old key when it has
 * re-encrypted its data), and a KMIP Get must keep answering the old material under the old identifier.
 *
 * Dates: with an Offset, the new key's Activation Date is now + Offset (Active at once when the Offset is
 * 0); without one, it is Active when the existing key is Active, Pre-Active otherwise. The existing key
 * keeps its state.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { ServiceContext } from '../shared/context.js';
import { createKmipKey } from './create-kmip-key.js';
import { saveKmipObject, toKmipObject, type CustomAttribute, type KmipObject } from './kmip-object.js';

export interface RekeyKmipParameters {
  /** seconds between the Re-key and the new key's Activation Date */
  offsetSeconds?: number;
  /** whether the new key carries the plaintext-export mark (the caller decided it may) */
  plaintextExport: boolean;
}

export const MAX_REKEY_OFFSET_SECONDS = 10 * 365 * 86_400;

export async function rekeyKmipObject(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, o: KmipObject, params: RekeyKmipParameters): Promise<KmipObject> {
  if (o.kind !== 'symmetric') throw new StrongboxError('UNSUPPORTED_OPERATION', 'Re-key renews symmetric keys; make a new key pair with Create Key Pair');
  if (o.state === 'destroyed' || o.state === 'destroyed_compromised' || o.state === 'compromised') {
    throw new StrongboxError('KEY_STATE_CONFLICT', `cannot re-key an object in KMIP state ${o.state}`);
  }
  if (o.attributes.replacementId !== undefined) throw new StrongboxError('KEY_STATE_CONFLICT', `object ${o.uid} was already replaced by ${o.attributes.replacementId}`);
  const offset = params.offsetSeconds;
  if (offset !== undefined && (!Number.isInteger(offset) || offset < 0 || offset > MAX_REKEY_OFFSET_SECONDS)) {
    throw new StrongboxError('INVALID_ARGUMENT', `Offset must be 0 to ${MAX_REKEY_OFFSET_SECONDS} seconds`, { field: 'Offset' });
  }
  const now = ctx.now().getTime();
  const activationMs = offset !== undefined ? now + offset * 1000 : o.state === 'active' ? now : undefined;
  const { names, usageMask, operationPolicyName, custom } = o.attributes;
  const attributes = {
    names: [...names],
    custom: custom.map((c) => [...c] as CustomAttribute),
    replacedId: o.uid,
    ...(usageMask === undefined ? {} : { usageMask }),
    ...(operationPolicyName === undefined ? {} : { operationPolicyName }),
    ...(activationMs === undefined ? {} : { activationDate: new Date(activationMs).toISOString() }),
  };
  const created = await createKmipKey(ctx, { type: o.record.type, attributes, plaintextExport: params.plaintextExport && o.plaintextExport });
  // The existing key learns its replacement after the new key is durable: a crash in between leaves a
  // new key with a Replaced link and an existing key without one, which a retried Re-key does not mind.
  const stored = await ctx.store.getKmipObject(o.record.id);
  const current = toKmipObject(o.record, stored, false);
  await saveKmipObject(ctx, o.record, current.state, { ...current.attributes, replacementId: created.uid }, current.plaintextExport);
  return created;
}
