/**
 * Key lifecycle transitions (AWS KMS semantics):
 *   enabled ⇄ disabled;  enabled|disabled → pending_deletion (waiting period) → destroyed;
 *   pending_deletion → disabled on cancel. Destroyed erases all sealed material (crypto-shredding)
 * and keeps metadata and the public key for audit. Each transition is one conditional update.
 */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseDuration, type Duration } from '../../protocol/duration.js';
import type { KeyInfo } from '../../protocol/types.js';
import { ConflictError, type KeyRecord, type KeyState } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { resolveKey } from '../shared/resolve-key.js';

export const MAX_PENDING_DAYS = 30;
export const DEFAULT_PENDING_DAYS = 30;
const DAY_MS = 86_400_000;

type Ctx = Pick<ServiceContext, 'store' | 'keyCache' | 'now' | 'settings'>;

async function transition(ctx: Ctx, key: KeyRef, from: readonly KeyState[], patch: Parameters<ServiceContext['store']['updateKey']>[1], what: string): Promise<KeyInfo> {
  const record = await resolveKey(ctx, key);
  if (!from.includes(record.state)) {
    throw new StrongboxError('KEY_STATE_CONFLICT', `cannot ${what} a key that is ${record.state} (allowed from: ${from.join(', ')})`);
  }
  let updated: KeyRecord | undefined;
  try {
    updated = await ctx.store.updateKey(record.id, patch, from);
  } catch (err) {
    if (err instanceof ConflictError) throw new StrongboxError('KEY_STATE_CONFLICT', `cannot ${what} the key: its state changed meanwhile; read it again`);
    throw err;
  }
  if (updated === undefined) throw new StrongboxError('KEY_NOT_FOUND', `key ${record.id} no longer exists`);
  if (patch.state !== 'enabled') ctx.keyCache.evictKey(record.id);
  return toKeyInfo(updated);
}

export function disableKey(ctx: Ctx, params: { key: KeyRef }): Promise<KeyInfo> {
  return transition(ctx, params.key, ['enabled', 'disabled'], { state: 'disabled' }, 'disable');
}

export function enableKey(ctx: Ctx, params: { key: KeyRef }): Promise<KeyInfo> {
  return transition(ctx, params.key, ['enabled', 'disabled'], { state: 'enabled' }, 'enable');
}

export async function scheduleKeyDeletion(ctx: Ctx, params: { key: KeyRef; pendingDays?: Duration }): Promise<KeyInfo> {
  const days = parseDuration(params.pendingDays ?? DEFAULT_PENDING_DAYS, { field: 'pendingDays', unit: 'days', min: ctx.settings.minPendingDays, max: MAX_PENDING_DAYS });
  const deletionDate = new Date(ctx.now().getTime() + days * DAY_MS).toISOString();
  return transition(ctx, params.key, ['enabled', 'disabled'], { state: 'pending_deletion', deletionDate }, 'schedule deletion of');
}

export function cancelKeyDeletion(ctx: Ctx, params: { key: KeyRef }): Promise<KeyInfo> {
  return transition(ctx, params.key, ['pending_deletion'], { state: 'disabled', deletionDate: null }, 'cancel deletion of');
}

/** Destroys one key whose waiting period is over: erases its sealed material, keeps metadata. */
export async function destroyKey(ctx: Pick<ServiceContext, 'store' | 'keyCache' | 'now'>, id: string): Promise<boolean> {
  // The store re-checks state and date in the same transaction, so a cancel that won the race wins.
  const destroyed = await ctx.store.destroyKeyMaterial(id, ctx.now().toISOString());
  if (destroyed) ctx.keyCache.evictKey(id);
  return destroyed;
}
