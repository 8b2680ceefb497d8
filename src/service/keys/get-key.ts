/** Key metadata by id or name. */
import type { KeyRef } from '../shared/resolve-key.js';
import type { KeyInfo } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { resolveKey } from '../shared/resolve-key.js';

export async function getKey(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<KeyInfo> {
  return toKeyInfo(await resolveKey(ctx, params.key));
}
