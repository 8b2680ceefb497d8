/**
 * Bearer-token authentication. Tokens are 256-bit random strings; only their SHA-256 is stored
 * (a fast hash suffices for high-entropy secrets) and the lookup is by hash, so no token
 * comparison happens in JS at all; the accessor is a separate random, non-secret handle.
 * Token records are cached for at most TOKEN_CACHE_MS; revocation on this node clears the cache
 * at once, and other nodes see it within TOKEN_CACHE_MS.
 */
import { hash } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { TokenRecord } from '../../storage/types.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { RateLimiter } from './rate-limit.js';
import { hashToken } from '../shared/token-secret.js';
import type { CallerFacts } from '../../policy/types.js';
import { withCaller } from './caller-binding.js';

export const TOKEN_CACHE_MS = 1000;
export function isRootToken(t: Pick<TokenRecord, 'policies'>): boolean {
  return t.policies.includes('root');
}

export function toPrincipal(t: TokenRecord): Principal {
  return { accessor: t.accessor, subject: t.subject, policies: t.policies, token: t, isRoot: isRootToken(t) };
}

export interface Authenticator {
  /**
   * `caller`: the calling process, when the interface measured it (the HTTP API on the Unix socket). A
   * token bound to a caller measurement is refused without one, or when it differs (caller-binding.ts).
   */
  authenticate(authorization: string | undefined, caller?: CallerFacts): Promise<Principal>;
  /**
   * Charges one more unit of the principal's token limits (rate limit, use count) beyond the one its
   * request took: each item of a batch after the first (http/batch.ts), so limits count items, not
   * requests. Throws RATE_LIMITED or TOKEN_USES_EXHAUSTED; a token without limits costs nothing.
   */
  charge(principal: Principal): Promise<void>;
  /** forget cached token records (after revocation or renewal on this node) */
  invalidate(): void;
}

export function createAuthenticator(ctx: Pick<ServiceContext, 'store' | 'now' | 'metrics'>): Authenticator {
  const cache = new Map<string, { record: TokenRecord; at: number }>();
  const limiter = new RateLimiter();
  const takeRate = (t: TokenRecord, nowMs: number): void => {
    if (t.ratePerSecond === null) return;
    const retryAfterMs = limiter.take(t.accessor, t.ratePerSecond, t.rateBurst ?? Math.max(1, Math.ceil(t.ratePerSecond)), nowMs);
    if (retryAfterMs > 0) throw new StrongboxError('RATE_LIMITED', `rate limit of ${t.ratePerSecond}/s exceeded; retry after ${Math.ceil(retryAfterMs / 1000)} s`, { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });
  };
  return {
    async authenticate(authorization, caller) {
      if (authorization === undefined || !authorization.startsWith('Bearer ') || authorization.length > 512) {
        throw new StrongboxError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
      }
      // The cache key is the token's SHA-256 in base64 (one-shot hash: the request path's cheapest form).
      const key = hash('sha256', authorization.slice(7), 'base64');
      const nowMs = ctx.now().getTime();
      let record = cache.get(key);
      if (record === undefined || nowMs - record.at > TOKEN_CACHE_MS) {
        const fresh = await ctx.store.getTokenByHash(new Uint8Array(Buffer.from(key, 'base64')));
        if (fresh === undefined) throw new StrongboxError('UNAUTHENTICATED', 'the token is not valid');
        record = { record: fresh, at: nowMs };
        if (fresh.numUsesLeft === null) {
          if (cache.size > 10_000) cache.clear();
          cache.set(key, record);
        }
      }
      const t = record.record;
      if (t.revokedAt !== null) throw new StrongboxError('TOKEN_REVOKED', 'the token was revoked');
      if (t.expiresAt !== null && Date.parse(t.expiresAt) <= nowMs) throw new StrongboxError('TOKEN_EXPIRED', `the token expired at ${t.expiresAt}`);
      // Before the rate limit and the use count: a refused caller spends neither.
      const principal = withCaller(toPrincipal(t), caller, () => ctx.metrics.callerMismatches.inc());
      takeRate(t, nowMs);
      if (t.numUsesLeft !== null) {
        if (!(await ctx.store.consumeTokenUse(t.accessor))) throw new StrongboxError('TOKEN_USES_EXHAUSTED', 'the token has no uses left');
        // The principal reflects this request's use.
        return { ...principal, token: { ...t, numUsesLeft: t.numUsesLeft - 1 } };
      }
      return principal;
    },
    async charge(principal) {
      const t = principal.token;
      if (t.ratePerSecond === null && t.numUsesLeft === null) return;
      takeRate(t, ctx.now().getTime());
      if (t.numUsesLeft !== null && !(await ctx.store.consumeTokenUse(t.accessor))) throw new StrongboxError('TOKEN_USES_EXHAUSTED', 'the token has no uses left');
    },
    invalidate() {
      cache.clear();
    },
  };
}
