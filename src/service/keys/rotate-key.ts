/**
 * aes256 rotation: a new version becomes current for encryption; older versions still decrypt
 * down to minDecryptionVersion. Signing keys are not rotated in place (a new key means a new
 * address); create a new key instead.
 */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseDuration, type Duration } from '../../protocol/duration.js';
import type { KeyInfo } from '../../protocol/types.js';
import { generateAesKey } from '../../crypto/aes256.js';
import { wipe } from '../../crypto/wipe.js';
import { ConflictError, type KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { assertUsable, resolveKey } from '../shared/resolve-key.js';
import { keyMaterialContext } from '../shared/record-identity.js';
import { ROTATION_PERIOD } from '../shared/store-key.js';

const DAY_MS = 86_400_000;

function requireAes(record: KeyRecord, field?: string): void {
  if (record.type !== 'aes256') throw new StrongboxError('UNSUPPORTED_OPERATION', `${record.type} keys are not rotated in place; create a new key`, field ? { field } : {});
}

export async function rotateRecord(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, record: KeyRecord): Promise<KeyRecord> {
  const version = record.currentVersion + 1;
  const secretKey = generateAesKey();
  const now = ctx.now();
  try {
    const sealedMaterial = ctx.barrier.encrypt(secretKey, keyMaterialContext(record.id, version, record.type));
    const next = record.rotationPeriodDays === null ? null : new Date(now.getTime() + record.rotationPeriodDays * DAY_MS).toISOString();
    await ctx.store.addKeyVersion({ keyId: record.id, version, sealedMaterial, createdAt: now.toISOString() }, next);
  } catch (err) {
    if (err instanceof ConflictError) throw new StrongboxError('KEY_STATE_CONFLICT', 'the key was rotated concurrently; retry');
    throw err;
  } finally {
    wipe(secretKey);
  }
  return (await ctx.store.getKey(record.id))!;
}

export async function rotateKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: { key: KeyRef }): Promise<KeyInfo> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, params.key);
  requireAes(record);
  assertUsable(record);
  return toKeyInfo(await rotateRecord(ctx, record));
}

export async function configureRotation(
  ctx: Pick<ServiceContext, 'store' | 'now'>,
  params: { key: KeyRef; rotationPeriodDays?: Duration | null; minDecryptionVersion?: number },
): Promise<KeyInfo> {
  const record = await resolveKey(ctx, params.key);
  requireAes(record, params.rotationPeriodDays !== undefined ? 'rotationPeriodDays' : 'minDecryptionVersion');
  if (params.minDecryptionVersion !== undefined && (params.minDecryptionVersion < 1 || params.minDecryptionVersion > record.currentVersion)) {
    throw new StrongboxError('INVALID_ARGUMENT', `minDecryptionVersion must be from 1 to the current version ${record.currentVersion}`, { field: 'minDecryptionVersion' });
  }
  const period = params.rotationPeriodDays === undefined || params.rotationPeriodDays === null ? params.rotationPeriodDays : parseDuration(params.rotationPeriodDays, ROTATION_PERIOD);
  const patch = {
    ...(params.minDecryptionVersion === undefined ? {} : { minDecryptionVersion: params.minDecryptionVersion }),
    ...(period === undefined ? {} : { rotationPeriodDays: period, nextRotationAt: period === null ? null : new Date(ctx.now().getTime() + period * DAY_MS).toISOString() }),
  };
  return toKeyInfo((await ctx.store.updateKey(record.id, patch))!);
}
