/** Wallet metadata by id or name, and the paginated wallet list (never a mnemonic or seed). */
import { StrongboxError } from '../../protocol/errors.js';
import type { WalletInfo, WalletPage } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../shared/validate.js';
import { resolveWallet, toWalletInfo, type WalletRef } from '../shared/resolve-wallet.js';

export async function getWallet(ctx: Pick<ServiceContext, 'store'>, params: { wallet: WalletRef }): Promise<WalletInfo> {
  return toWalletInfo(await resolveWallet(ctx, params.wallet));
}

export async function listWallets(ctx: Pick<ServiceContext, 'store'>, params: { limit?: number; after?: string }): Promise<WalletPage> {
  const limit = params.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StrongboxError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, { field: 'limit' });
  }
  if (params.after !== undefined && !/^[0-9]{1,15}$/.test(params.after)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'cursor must be a value returned as nextCursor', { field: 'cursor' });
  }
  const page = await ctx.store.listWallets(params.after === undefined ? { limit } : { limit, after: params.after });
  return { wallets: page.wallets.map(toWalletInfo), nextCursor: page.nextCursor };
}
