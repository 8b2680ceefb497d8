/** Minting a root token: at init, and from a quorum of unseal shares (generate-root). */
import { hashToken, newToken } from '../shared/token-secret.js';
import type { ServiceContext } from '../shared/context.js';

export async function mintRootToken(ctx: Pick<ServiceContext, 'store' | 'now'>, fixedToken?: string): Promise<{ token: string; accessor: string }> {
  const fresh = newToken();
  const token = fixedToken ?? fresh.token;
  await ctx.store.createToken({
    accessor: fresh.accessor,
    tokenHash: fixedToken === undefined ? fresh.tokenHash : hashToken(fixedToken),
    name: 'root',
    subject: 'root',
    policies: ['root'],
    parentAccessor: null,
    createdAt: ctx.now().toISOString(),
    expiresAt: null,
    maxExpiresAt: null,
    renewable: false,
    ttlSeconds: null,
    numUsesLeft: null,
    ratePerSecond: null,
    rateBurst: null,
    revokedAt: null,
    bindCaller: null,
  });
  return { token, accessor: fresh.accessor };
}
