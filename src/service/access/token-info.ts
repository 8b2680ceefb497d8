/** The wire view of a token record: never the token or its hash. */
import type { TokenInfo } from '../../protocol/types.js';
import type { TokenRecord } from '../../storage/types.js';

export type { TokenInfo };

export function toTokenInfo(t: TokenRecord): TokenInfo {
  return {
    accessor: t.accessor,
    name: t.name,
    subject: t.subject,
    policies: t.policies,
    parentAccessor: t.parentAccessor,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    maxExpiresAt: t.maxExpiresAt,
    renewable: t.renewable,
    numUsesLeft: t.numUsesLeft,
    rateLimit: t.ratePerSecond === null ? null : { perSecond: t.ratePerSecond, burst: t.rateBurst ?? 1 },
    revoked: t.revokedAt !== null,
    bindCaller: t.bindCaller,
  };
}
