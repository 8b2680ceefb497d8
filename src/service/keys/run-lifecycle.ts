/**
 * The lifecycle sweep, run periodically while unsealed: destroy keys whose deletion date passed,
 * rotate aes256 keys whose rotation time came. Idempotent and safe to run on several nodes
 * (each step is a conditional update).
 */
import type { ServiceContext } from '../shared/context.js';
import { destroyKey } from './key-lifecycle.js';
import { rotateRecord } from './rotate-key.js';

export async function runLifecycle(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'now'>): Promise<{ destroyed: string[]; rotated: string[] }> {
  const { toDestroy, toRotate } = await ctx.store.listKeysDue(ctx.now().toISOString());
  const destroyed: string[] = [];
  const rotated: string[] = [];
  for (const id of toDestroy) {
    if (await destroyKey(ctx, id)) destroyed.push(id);
  }
  if (!ctx.barrier.sealed) {
    for (const id of toRotate) {
      const record = await ctx.store.getKey(id);
      if (record === undefined || record.state !== 'enabled' || record.type !== 'aes256') continue;
      try {
        await rotateRecord(ctx, record);
        rotated.push(id);
      } catch {
        // a concurrent rotation (another node) already did it; the next sweep re-checks
      }
    }
  }
  return { destroyed, rotated };
}
