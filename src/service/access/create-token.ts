/**
 * Mint a child token. A token can never mint one with more power than it has: its policies must be
 * a subset of the parent's, its expiry no later than the parent's, its use count and rate no higher.
 * Root tokens may mint anything, orphans (no parent, so they survive the root token's revocation)
 * and tokens for another subject.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { isBuiltinPolicy } from '../../policy/builtin.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { newToken } from '../shared/token-secret.js';
import { toTokenInfo, type TokenInfo } from './token-info.js';

export const DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const MAX_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

export interface CreateTokenParameters {
  policies: string[];
  /** seconds; default 30 days */
  ttl?: number;
  name?: string;
  numUses?: number;
  orphan?: boolean;
  subject?: string;
  rateLimit?: { perSecond: number; burst?: number };
}

export async function createToken(ctx: Pick<ServiceContext, 'store' | 'now'>, principal: Principal, params: CreateTokenParameters): Promise<TokenInfo & { token: string }> {
  const parent = principal.token;
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
  const ttl = params.ttl ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) throw new StrongboxError('INVALID_ARGUMENT', `ttl must be 1 to ${MAX_TOKEN_TTL_SECONDS} seconds`, { field: 'ttl' });
  let expiresMs = now.getTime() + ttl * 1000;
  if (parent.expiresAt !== null) expiresMs = Math.min(expiresMs, Date.parse(parent.expiresAt));

  let numUses = params.numUses ?? null;
  if (parent.numUsesLeft !== null) {
    const left = parent.numUsesLeft;
    if (numUses === null || numUses > left) {
      throw new StrongboxError('ESCALATION_DENIED', `numUses: the caller has ${left} uses left; a child may have at most that many`, { field: 'numUses' });
    }
  }
  if (numUses !== null && (!Number.isInteger(numUses) || numUses < 1)) throw new StrongboxError('INVALID_ARGUMENT', 'numUses must be a positive integer', { field: 'numUses' });

  let rate = params.rateLimit?.perSecond ?? parent.ratePerSecond;
  let burst = params.rateLimit?.burst ?? (params.rateLimit ? Math.max(1, Math.ceil(params.rateLimit.perSecond)) : parent.rateBurst);
  if (parent.ratePerSecond !== null && rate !== null && rate > parent.ratePerSecond) {
    throw new StrongboxError('ESCALATION_DENIED', `rateLimit.perSecond: at most the caller's ${parent.ratePerSecond}/s`, { field: 'rateLimit.perSecond' });
  }
  if (parent.rateBurst !== null && burst !== null && burst > parent.rateBurst) {
    throw new StrongboxError('ESCALATION_DENIED', `rateLimit.burst: at most the caller's ${parent.rateBurst}`, { field: 'rateLimit.burst' });
  }
  if (rate === undefined) rate = null;
  if (burst === undefined) burst = null;

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
    ttlSeconds: ttl,
    numUsesLeft: numUses,
    ratePerSecond: rate,
    rateBurst: burst,
    revokedAt: null,
  };
  await ctx.store.createToken(record);
  return { token: fresh.token, ...toTokenInfo(record) };
}
