/**
 * A threshold key's sealed material on one participant: its FROST secret share, the group's public
 * package and the participants (ThresholdMaterial, JSON inside the key's envelope, identity
 * `key/<id>/v1/<type>` like every key). Opened per use and wiped after; never cached.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { isThresholdKeyType } from '../../protocol/types.js';
import type { KeyRecord } from '../../storage/types.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from './context.js';
import { openKeyMaterial } from './resolve-key.js';
import type { ThresholdMaterial } from './threshold-state.js';

export function assertThresholdKey(record: KeyRecord): void {
  if (!isThresholdKeyType(record.type)) throw new StrongboxError('UNSUPPORTED_OPERATION', `key ${record.id} is ${record.type}, not a threshold key`);
}

export async function openThresholdMaterial(ctx: Pick<ServiceContext, 'store' | 'barrier'>, record: KeyRecord): Promise<ThresholdMaterial> {
  assertThresholdKey(record);
  const plain = await openKeyMaterial(ctx, record);
  try {
    return JSON.parse(Buffer.from(plain).toString('utf8')) as ThresholdMaterial;
  } finally {
    wipe(plain);
  }
}
