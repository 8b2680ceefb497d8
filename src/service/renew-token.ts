/** Renew the calling token: its expiry moves to now + increment (default: its original TTL), never past its parent's. */
import { parseDuration, type Duration } from '../protocol/duration.js';
import type { Principal, ServiceContext } from './context.js';
import { MAX_TOKEN_TTL_SECONDS } from './create-token.js';
import { toTokenInfo, type TokenInfo } from './token-info.js';

export async function renewToken(ctx: Pick<ServiceContext, 'store' | 'now' | 'onTokensChanged'>, principal: Principal, params: { increment?: Duration }): Promise<TokenInfo> {
  const t = principal.token;
  if (t.expiresAt === null) return toTokenInfo(t);
  const increment = parseDuration(params.increment ?? t.ttlSeconds ?? 3600, { field: 'increment', unit: 'seconds', min: 1, max: MAX_TOKEN_TTL_SECONDS });
  // A token's whole lifetime is capped too, so renewing cannot keep it alive forever.
  let expiresMs = Math.min(ctx.now().getTime() + increment * 1000, Date.parse(t.createdAt) + MAX_TOKEN_TTL_SECONDS * 1000);
  if (t.parentAccessor !== null) {
    const parent = await ctx.store.getTokenByAccessor(t.parentAccessor);
    if (parent?.expiresAt) expiresMs = Math.min(expiresMs, Date.parse(parent.expiresAt));
  }
  const expiresAt = new Date(expiresMs).toISOString();
  await ctx.store.setTokenExpiry(t.accessor, expiresAt);
  ctx.onTokensChanged();
  return toTokenInfo({ ...t, expiresAt });
}
