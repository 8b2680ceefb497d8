/**
 * Create an HD wallet from a fresh BIP39 mnemonic (entropy from the OS CSPRNG), or import one with
 * an optional BIP39 passphrase. Only the 64-byte seed is kept, sealed by the barrier; the mnemonic is
 * never stored, and is returned once, at creation, only when the caller asks (revealMnemonic).
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { WalletInfo } from '../../protocol/types.js';
import { generateMnemonic, mnemonicToSeed } from '../../crypto/hd.js';
import { randomId } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { ConflictError, type WalletRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toWalletInfo } from '../shared/resolve-wallet.js';
import { assertKeyName } from '../shared/validate.js';
import { walletSeedContext } from '../shared/record-identity.js';

export interface CreateWalletParameters {
  name?: string;
  /** import: an English BIP39 mnemonic; omitted: a fresh one is generated */
  mnemonic?: string;
  /** the optional BIP39 passphrase ("25th word") */
  passphrase?: string;
  /** bits of entropy of a generated mnemonic: 128, 160, 192, 224 or 256 (default 256: 24 words) */
  strength?: number;
  /** return the generated mnemonic in this response (the only time it can ever be seen) */
  revealMnemonic?: boolean;
}

export const DEFAULT_MNEMONIC_STRENGTH = 256;
const MAX_PASSPHRASE_CHARS = 1024;

export async function createWallet(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: CreateWalletParameters): Promise<WalletInfo> {
  assertKeyName(params.name);
  const imported = params.mnemonic !== undefined;
  if (imported && params.strength !== undefined) throw new StrongboxError('INVALID_ARGUMENT', 'strength applies to a generated mnemonic, not an imported one', { field: 'strength' });
  if (imported && params.revealMnemonic !== undefined) throw new StrongboxError('INVALID_ARGUMENT', 'revealMnemonic applies to a generated mnemonic; the caller already has an imported one', { field: 'revealMnemonic' });
  if (params.passphrase !== undefined && (typeof params.passphrase !== 'string' || params.passphrase.length > MAX_PASSPHRASE_CHARS)) {
    throw new StrongboxError('INVALID_ARGUMENT', `passphrase must be a string of at most ${MAX_PASSPHRASE_CHARS} characters`, { field: 'passphrase' });
  }
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const mnemonic = params.mnemonic ?? generateMnemonic(params.strength ?? DEFAULT_MNEMONIC_STRENGTH);
  const seed = mnemonicToSeed(mnemonic, params.passphrase ?? '');
  const id = randomId();
  let wallet: WalletRecord;
  try {
    wallet = { id, name: params.name ?? null, origin: imported ? 'imported' : 'generated', sealedSeed: ctx.barrier.encrypt(seed, walletSeedContext(id)), createdAt: ctx.now().toISOString() };
  } finally {
    wipe(seed);
  }
  try {
    await ctx.store.createWallet(wallet);
  } catch (err) {
    if (err instanceof ConflictError && err.constraint === 'wallet_name') {
      throw new StrongboxError('WALLET_NAME_TAKEN', `a wallet named ${JSON.stringify(params.name)} already exists`, { field: 'name' });
    }
    throw err;
  }
  const info = toWalletInfo(wallet);
  if (!imported && params.revealMnemonic === true) info.mnemonic = mnemonic;
  return info;
}
