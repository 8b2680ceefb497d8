/** Token metadata by accessor (tokens:read). */
import { StrongboxError } from '../../protocol/errors.js';
import type { ServiceContext } from '../shared/context.js';
import { toTokenInfo, type TokenInfo } from './token-info.js';

export async function lookupToken(ctx: Pick<ServiceContext, 'store'>, params: { accessor: string }): Promise<TokenInfo> {
  const t = await ctx.store.getTokenByAccessor(params.accessor);
  // The value is not echoed: callers sometimes paste the token itself where the accessor belongs.
  if (t === undefined) throw new StrongboxError('TOKEN_NOT_FOUND', 'no token has that accessor', { field: 'accessor' });
  return toTokenInfo(t);
}
