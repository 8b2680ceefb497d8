/**
 * The public side of a wallet path without creating a key: the BIP32 extended public key (xpub) for
 * secp256k1, or the ed25519 public key (and Solana address) for SLIP-10 paths.
 */
import type { WalletXpubResponse } from '../../protocol/types.js';
import { toHex } from '../../protocol/hex.js';
import { solanaAddress } from '../../chains/solana/address.js';
import { bip32ExtendedPublicKey, deriveEd25519, parseExtendedKey } from '../../crypto/hd.js';
import { ed25519 } from '../../crypto/signers/ed25519.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { hdPathAndType, type HdKeyType } from './derive-wallet-key.js';
import { openWalletSeed, resolveWallet, type WalletRef } from '../shared/resolve-wallet.js';

export async function walletXpub(ctx: Pick<ServiceContext, 'store' | 'barrier'>, params: { wallet: WalletRef; path?: string; type?: HdKeyType }): Promise<WalletXpubResponse> {
  const { path, type } = hdPathAndType(params.path ?? 'm', params.type);
  const wallet = await resolveWallet(ctx, params.wallet);
  const seed = await openWalletSeed(ctx, wallet);
  try {
    if (type === 'secp256k1') {
      const xpub = bip32ExtendedPublicKey(seed, path);
      return { path, type, xpub, publicKey: toHex(parseExtendedKey(xpub).publicKey) };
    }
    const child = deriveEd25519(seed, path);
    try {
      const publicKey = ed25519.publicKeyOf(child.secretKey);
      return { path, type, publicKey: toHex(publicKey), solanaAddress: solanaAddress(publicKey) };
    } finally {
      wipe(child.secretKey, child.chainCode);
    }
  } finally {
    wipe(seed);
  }
}
