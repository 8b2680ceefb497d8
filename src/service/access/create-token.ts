/**
 * Mint a child token. A token can never mint one with more power than it has: its policies must be
 * a subset of the parent's, its expiry no later than the parent's, its maximum lifetime (`maxTtl`,
 * the bound renewal never passes; by default the creation `ttl`, so a token is not renewable past it
 * unless asked) no later than the parent's maximum. A token with a use or rate limit
 * mints no children at all: a child's uses and rate would be its own, so minting would multiply the
 * parent's budget (a parent with 5 uses minting 15 children of 1 use each signs 15 times). Refusing
 * at mint time needs no shared state, so it holds across nodes, and whether a token is limited never
 * changes after it is created. Root tokens may mint anything, orphans (no parent, so they survive the
 * root token's revocation) and tokens for another subject.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { formatDuration, parseDuration } from '../../protocol/duration.js';
import type { CreateTokenRequest } from '../../protocol/types.js';
import { isBuiltinPolicy } from '../../policy/builtin.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { newToken } from '../shared/token-secret.js';
import { toTokenInfo, type TokenInfo } from './token-info.js';
import { childBinding } from './caller-binding.js';

export const DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** The request (protocol/types.ts); TTLs are seconds or durations such as "1h" (protocol/duration.ts). */
export type CreateTokenParameters = CreateTokenRequest;

export async function createToken(ctx: Pick<ServiceContext, 'store' | 'now'>, principal: Principal, params: CreateTokenParameters): Promise<TokenInfo & { token: string }> {
  const parent = principal.token;
  // Checked first, even for root-policy tokens: a limited token's budget must not grow by minting.
  if (parent.numUsesLeft !== null || parent.ratePerSecond !== null) {
    const limits = [parent.numUsesLeft !== null ? 'a use limit (numUses)' : undefined, parent.ratePerSecond !== null ? 'a rate limit' : undefined].filter(Boolean).join(' and ');
    throw new StrongboxError('ESCALATION_DENIED', `a token with ${limits} cannot mint child tokens (each child would have uses and a rate of its own, multiplying the caller's); mint them with a token without limits`);
  }
  const policies = [...new Set(params.policies)];
  for (const [i, name] of policies.entries()) {
    if (name === 'root' && !principal.isRoot) throw new StrongboxError('ESCALATION_DENIED', 'only a root token can mint a root token', { field: `policies.${i}` });
    if (!principal.isRoot && !parent.policies.includes(name)) {
      throw new StrongboxError('ESCALATION_DENIED', `policies.${i}: "${name}" is not one of the caller's policies (${parent.policies.join(', ')})`, { field: `policies.${i}` });
    }
    if (!isBuiltinPolicy(name) && (await ctx.store.getPolicy(name)) === undefined) {
      throw new StrongboxError('POLICY_NOT_FOUND', `policies.${i}: no policy named "${name}"`, { field: `policies.${i}` });
    }
  }
  if (params.orphan && !principal.isRoot) throw new StrongboxError('ESCALATION_DENIED', 'orphan: only a root token can mint orphan tokens', { field: 'orphan' });
  if (params.subject !== undefined && !principal.isRoot) throw new StrongboxError('ESCALATION_DENIED', 'subject: only a root token can mint a token for another subject', { field: 'subject' });

  const now = ctx.now();
  const maxTtl = params.maxTtl === undefined ? undefined : parseDuration(params.maxTtl, { field: 'maxTtl', unit: 'seconds', min: 1, max: MAX_TOKEN_TTL_SECONDS });
  const ttl = params.ttl === undefined ? Math.min(DEFAULT_TOKEN_TTL_SECONDS, maxTtl ?? DEFAULT_TOKEN_TTL_SECONDS) : parseDuration(params.ttl, { field: 'ttl', unit: 'seconds', min: 1, max: MAX_TOKEN_TTL_SECONDS });
  if (maxTtl !== undefined && ttl > maxTtl) throw new StrongboxError('INVALID_ARGUMENT', `ttl (${formatDuration(ttl)}) must not exceed maxTtl (${formatDuration(maxTtl)})`, { field: 'ttl' });
  if (params.renewable !== undefined && typeof params.renewable !== 'boolean') throw new StrongboxError('INVALID_ARGUMENT', 'renewable must be true or false', { field: 'renewable' });
  // The maximum lifetime counts from creation and never passes the parent's: a child cannot be renewed
  // past the time its parent must be gone by. The expiry never passes the maximum or the parent's expiry.
  let maxExpiresMs = now.getTime() + (maxTtl ?? ttl) * 1000;
  if (parent.maxExpiresAt !== null) maxExpiresMs = Math.min(maxExpiresMs, Date.parse(parent.maxExpiresAt));
  let expiresMs = Math.min(now.getTime() + ttl * 1000, maxExpiresMs);
  if (parent.expiresAt !== null) expiresMs = Math.min(expiresMs, Date.parse(parent.expiresAt));

  const numUses = params.numUses ?? null;
  if (numUses !== null && (!Number.isInteger(numUses) || numUses < 1)) throw new StrongboxError('INVALID_ARGUMENT', 'numUses must be a positive integer', { field: 'numUses' });
  const rate = params.rateLimit?.perSecond ?? null;
  const burst = params.rateLimit === undefined ? null : (params.rateLimit.burst ?? Math.max(1, Math.ceil(params.rateLimit.perSecond)));

  const bindCaller = childBinding(parent.bindCaller, params.bindCaller);

  const fresh = newToken();
  const record = {
    accessor: fresh.accessor,
    tokenHash: fresh.tokenHash,
    name: params.name ?? null,
    subject: params.subject ?? (principal.isRoot ? fresh.accessor : principal.subject),
    policies,
    parentAccessor: params.orphan ? null : parent.accessor,
    createdAt: now.toISOString(),
    expiresAt: new Date(expiresMs).toISOString(),
    maxExpiresAt: new Date(maxExpiresMs).toISOString(),
    renewable: params.renewable ?? true,
    ttlSeconds: ttl,
    numUsesLeft: numUses,
    ratePerSecond: rate,
    rateBurst: burst,
    revokedAt: null,
    bindCaller,
  };
  await ctx.store.createToken(record);
  return { token: fresh.token, ...toTokenInfo(record) };
}
