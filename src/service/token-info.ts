/** The wire view of a token record: never the token or its hash. */
import type { TokenRecord } from '../storage/types.js';

export interface TokenInfo {
  accessor: string;
  name: string | null;
  subject: string;
  policies: string[];
  parentAccessor: string | null;
  createdAt: string;
  expiresAt: string | null;
  numUsesLeft: number | null;
  rateLimit: { perSecond: number; burst: number } | null;
  revoked: boolean;
}

export function toTokenInfo(t: TokenRecord): TokenInfo {
  return {
    accessor: t.accessor,
    name: t.name,
    subject: t.subject,
    policies: t.policies,
    parentAccessor: t.parentAccessor,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    numUsesLeft: t.numUsesLeft,
    rateLimit: t.ratePerSecond === null ? null : { perSecond: t.ratePerSecond, burst: t.rateBurst ?? 1 },
    revoked: t.revokedAt !== null,
  };
}
