/** Paginated key listing, oldest first; the cursor is opaque to callers. */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyInfo } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../shared/validate.js';

export interface ListKeysParameters {
  limit?: number;
  cursor?: string;
}

export async function listKeys(ctx: Pick<ServiceContext, 'store'>, params: ListKeysParameters): Promise<{ keys: KeyInfo[]; nextCursor: string | null }> {
  const limit = params.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StrongboxError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, { field: 'limit' });
  }
  if (params.cursor !== undefined && !/^[0-9]{1,15}$/.test(params.cursor)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'cursor must be a value returned as nextCursor', { field: 'cursor' });
  }
  const page = await ctx.store.listKeys(params.cursor === undefined ? { limit } : { limit, after: params.cursor });
  return { keys: page.keys.map((record) => toKeyInfo(record)), nextCursor: page.nextCursor };
}
