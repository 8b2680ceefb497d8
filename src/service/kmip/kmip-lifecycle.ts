/**
 * KMIP Activate, Revoke and Destroy (KMIP 1.4 §4.19-4.21, state model §3.22) on Strongbox's lifecycle:
 *   Pre-Active → Active            key disabled → enabled
 *   Active|Pre-Active → Deactivated  (Revoke, any reason but Key Compromise) key → disabled
 *   any → Compromised              (Revoke with Key Compromise) key → disabled
 *   Pre-Active|Deactivated|Compromised → Destroyed   key → pending_deletion with the installation's
 *                                  minimum waiting period; the material is erased when it ends
 * Each key transition is one compare-and-set on the key record (as in service/keys/key-lifecycle.ts);
 * the KMIP state and dates are written after it.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { ConflictError, type KeyPatch, type KeyState } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertKmipAttributes, saveKmipObject, toKmipObject, type KmipObject, type KmipState } from './kmip-object.js';

type Ctx = Pick<ServiceContext, 'store' | 'keyCache' | 'now' | 'settings'>;

const DAY_MS = 86_400_000;
/** KMIP Revocation Reason Code "Key Compromise" (KMIP 1.4 §9.1.3.2.19) */
const KEY_COMPROMISE = 2;

function wrongState(o: KmipObject, what: string): StrongboxError {
  return new StrongboxError('KEY_STATE_CONFLICT', `cannot ${what} an object in KMIP state ${o.state}`);
}

async function move(ctx: Ctx, o: KmipObject, from: readonly KeyState[], patch: KeyPatch, state: KmipState, dates: Partial<KmipObject['attributes']>): Promise<KmipObject> {
  let record = o.record;
  if (patch.state !== undefined && patch.state !== record.state) {
    try {
      const updated = await ctx.store.updateKey(record.id, patch, from);
      if (updated === undefined) throw new StrongboxError('KEY_NOT_FOUND', `key ${record.id} no longer exists`);
      record = updated;
    } catch (err) {
      if (err instanceof ConflictError) throw new StrongboxError('KEY_STATE_CONFLICT', 'the key changed state meanwhile; read it again');
      throw err;
    }
    if (patch.state !== 'enabled') ctx.keyCache.evictKey(record.id);
  }
  const attributes = { ...o.attributes, ...dates };
  await saveKmipObject(ctx, record, state, attributes, o.plaintextExport);
  return toKmipObject(record, await ctx.store.getKmipObject(record.id), o.kind === 'public');
}

export function activateKmipObject(ctx: Ctx, o: KmipObject): Promise<KmipObject> {
  if (o.state !== 'pre_active') throw wrongState(o, 'activate');
  return move(ctx, o, ['disabled'], { state: 'enabled' }, 'active', { activationDate: ctx.now().toISOString() });
}

export function revokeKmipObject(ctx: Ctx, o: KmipObject, reason: { code: number; message?: string }): Promise<KmipObject> {
  const now = ctx.now().toISOString();
  if (reason.code === KEY_COMPROMISE) {
    if (o.state === 'destroyed' || o.state === 'destroyed_compromised') return move(ctx, o, [o.record.state], {}, 'compromised', { compromiseDate: now, revocation: reason });
    return move(ctx, o, ['enabled', 'disabled'], { state: 'disabled' }, 'compromised', { compromiseDate: now, revocation: reason });
  }
  if (o.state !== 'active' && o.state !== 'pre_active') throw wrongState(o, 'revoke');
  return move(ctx, o, ['enabled', 'disabled'], { state: 'disabled' }, 'deactivated', { deactivationDate: now, revocation: reason });
}

export function destroyKmipObject(ctx: Ctx, o: KmipObject): Promise<KmipObject> {
  if (o.state === 'active') throw wrongState(o, 'destroy (revoke it first)');
  if (o.state === 'destroyed' || o.state === 'destroyed_compromised') throw wrongState(o, 'destroy');
  const now = ctx.now();
  const deletionDate = new Date(now.getTime() + ctx.settings.minPendingDays * DAY_MS).toISOString();
  return move(ctx, o, ['disabled'], { state: 'pending_deletion', deletionDate }, o.state === 'compromised' ? 'compromised' : 'deactivated', { destroyDate: now.toISOString() });
}

/** Replaces the client-settable attributes (Add/Set/Modify/Delete Attribute), keeping the state. */
export async function updateKmipAttributes(ctx: Ctx, o: KmipObject, attributes: KmipObject['attributes']): Promise<KmipObject> {
  assertKmipAttributes(attributes);
  await saveKmipObject(ctx, o.record, o.state, attributes, o.plaintextExport);
  return toKmipObject(o.record, await ctx.store.getKmipObject(o.record.id), o.kind === 'public');
}
