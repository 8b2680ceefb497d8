/**
 * Renew the calling token: its expiry moves to now + increment (default: its creation TTL), never past
 * its maximum lifetime (`maxExpiresAt`: creation + maxTtl, by default + ttl) nor its parent's expiry.
 * A token minted with `renewable: false` is refused (TOKEN_NOT_RENEWABLE). Renewal may also bring the
 * expiry forward (a shorter increment). Tokens that never expire (root) are returned unchanged.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseDuration, type Duration } from '../../protocol/duration.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { MAX_TOKEN_TTL_SECONDS } from './create-token.js';
import { toTokenInfo, type TokenInfo } from './token-info.js';

export async function renewToken(ctx: Pick<ServiceContext, 'store' | 'now' | 'onTokensChanged'>, principal: Principal, params: { increment?: Duration }): Promise<TokenInfo> {
  const t = principal.token;
  if (t.expiresAt === null) return toTokenInfo(t);
  if (!t.renewable) throw new StrongboxError('TOKEN_NOT_RENEWABLE', 'the token was minted with renewable: false; mint a new token instead');
  const increment = parseDuration(params.increment ?? t.ttlSeconds ?? 3600, { field: 'increment', unit: 'seconds', min: 1, max: MAX_TOKEN_TTL_SECONDS });
  // The maximum lifetime bounds every renewal (and 365 days after creation bounds any token, whatever its record says).
  let expiresMs = Math.min(ctx.now().getTime() + increment * 1000, Date.parse(t.createdAt) + MAX_TOKEN_TTL_SECONDS * 1000);
  if (t.maxExpiresAt !== null) expiresMs = Math.min(expiresMs, Date.parse(t.maxExpiresAt));
  if (t.parentAccessor !== null) {
    const parent = await ctx.store.getTokenByAccessor(t.parentAccessor);
    if (parent?.expiresAt) expiresMs = Math.min(expiresMs, Date.parse(parent.expiresAt));
  }
  const expiresAt = new Date(expiresMs).toISOString();
  await ctx.store.setTokenExpiry(t.accessor, expiresAt);
  ctx.onTokensChanged();
  return toTokenInfo({ ...t, expiresAt });
}
