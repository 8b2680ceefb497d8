/**
 * A key's current version exactly as stored: the envelope v1 blob sealed under this installation's
 * keyring, bound to the record identity `key/<id>/v<version>/<type>`. Only this installation (or a
 * restore of it, with its root key) can open it, so it is a backup artifact, not an export: it is
 * available for every key, exportable or not, in any state that still has material.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { WrappedKeyResponse } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey, type KeyRef } from '../shared/resolve-key.js';

export async function getWrappedKey(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<WrappedKeyResponse> {
  const record = await resolveKey(ctx, params.key);
  if (record.state === 'destroyed') throw new StrongboxError('KEY_DESTROYED', `key ${record.id} was destroyed; no material is left`);
  const stored = await ctx.store.getKeyVersion(record.id, record.currentVersion);
  if (stored === undefined) throw new StrongboxError('KEY_VERSION_NOT_FOUND', `key ${record.id} has no version ${record.currentVersion}`);
  return { sealedMaterial: toHex(stored.sealedMaterial), version: stored.version, format: 'strongbox-envelope-v1' };
}
