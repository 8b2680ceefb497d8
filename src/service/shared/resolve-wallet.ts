/**
 * Finding an HD wallet by id or unique name, its policy resource, and opening its sealed seed.
 * The record identity used as AAD for the seed ("wallet/<id>/seed") is defined in record-identity.ts.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { KEY_ID_PATTERN, type WalletInfo } from '../../protocol/types.js';
import type { Resource } from '../../policy/types.js';
import type { WalletRecord } from '../../storage/types.js';
import type { ServiceContext } from './context.js';
import { ensureTerm } from './keyring-refresh.js';
import { walletSeedContext } from './record-identity.js';

const ID = new RegExp(KEY_ID_PATTERN);

/** A wallet as callers name it (id or name), or its record when already resolved this request. */
export type WalletRef = string | ServiceWallet;

/** An HD wallet as the service layer hands it to interfaces (its seed sealed; interfaces never open it). */
export type ServiceWallet = WalletRecord;

function findWallet(ctx: Pick<ServiceContext, 'store'>, ref: string): Promise<WalletRecord | undefined> {
  return ID.test(ref) ? ctx.store.getWallet(ref) : ctx.store.getWalletByName(ref);
}

export async function resolveWallet(ctx: Pick<ServiceContext, 'store'>, ref: WalletRef): Promise<WalletRecord> {
  if (typeof ref !== 'string') return ref;
  const wallet = await findWallet(ctx, ref);
  if (wallet === undefined) throw new StrongboxError('WALLET_NOT_FOUND', `no wallet has the id or name ${JSON.stringify(ref.slice(0, 128))}`);
  return wallet;
}

/** Like keyResource: an unknown wallet yields a resource named by the reference (403 before 404, no existence oracle). */
export async function walletResource(ctx: Pick<ServiceContext, 'store'>, ref: string): Promise<{ resource: Resource; record: WalletRecord | undefined }> {
  const record = await findWallet(ctx, ref);
  if (record === undefined) return { resource: ID.test(ref) ? { kind: 'wallet', id: ref, name: null } : { kind: 'wallet', id: '?', name: ref }, record };
  return { resource: { kind: 'wallet', id: record.id, name: record.name }, record };
}

/** The wallet's 64-byte BIP39 seed, unwrapped; the caller wipes it. Requires an unsealed barrier. */
export async function openWalletSeed(ctx: Pick<ServiceContext, 'store' | 'barrier'>, wallet: WalletRecord): Promise<Uint8Array> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  await ensureTerm(ctx, wallet.sealedSeed);
  return ctx.barrier.decrypt(wallet.sealedSeed, walletSeedContext(wallet.id));
}

/** The wire view of a wallet: never its seed. */
export function toWalletInfo(wallet: WalletRecord): WalletInfo {
  return { id: wallet.id, name: wallet.name, origin: wallet.origin, createdAt: wallet.createdAt };
}
