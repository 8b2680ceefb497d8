/**
 * Revoke a token and every token minted under it. The last root-or-admin capability cannot be
 * revoked away: a root or admin token is revocable only while another admin or root token outside
 * the revoked tree stays valid (otherwise only generate-root could bring administration back).
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { ServiceContext } from '../shared/context.js';
import { isRootToken } from './authenticate.js';

export async function revokeToken(ctx: Pick<ServiceContext, 'store' | 'now' | 'onTokensChanged'>, params: { accessor: string }): Promise<{ revoked: string[] }> {
  const target = await ctx.store.getTokenByAccessor(params.accessor);
  // The value is not echoed: callers sometimes paste the token itself where the accessor belongs.
  if (target === undefined) throw new StrongboxError('TOKEN_NOT_FOUND', 'no token has that accessor', { field: 'accessor' });
  const now = ctx.now();
  // Revoking a root or admin token must leave some root or admin token outside the revoked tree.
  if (isRootToken(target) || target.policies.includes('admin')) {
    const admins = await ctx.store.listTokensWithPolicies(['root', 'admin']);
    const survivors: string[] = [];
    for (const t of admins) {
      if (t.accessor === target.accessor || (t.expiresAt !== null && Date.parse(t.expiresAt) <= now.getTime()) || t.numUsesLeft === 0) continue;
      // a survivor must not descend from the target
      let cur: string | null = t.parentAccessor;
      let descends = false;
      while (cur !== null) {
        if (cur === target.accessor) {
          descends = true;
          break;
        }
        cur = (await ctx.store.getTokenByAccessor(cur))?.parentAccessor ?? null;
      }
      if (!descends) survivors.push(t.accessor);
    }
    if (survivors.length === 0) throw new StrongboxError('LAST_ROOT_TOKEN', 'no admin or root token would remain; create an orphan admin token first (POST /v1/tokens with orphan: true)', { field: 'accessor' });
  }
  const revoked = await ctx.store.revokeTokenTree(target.accessor, now.toISOString());
  ctx.onTokensChanged();
  return { revoked };
}
