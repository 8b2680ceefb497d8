/**
 * Derive a key from an HD wallet: BIP32 for secp256k1, SLIP-10 (hardened only) for ed25519. The
 * child is stored as an ordinary sealed key record (own id, `wallet` and canonical `path` in its
 * metadata), so every key route, policy and audit applies to it unchanged. Idempotent: one key per
 * (wallet, path); deriving a path again returns the key already derived there.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyInfo } from '../../protocol/types.js';
import { deriveEd25519, deriveSecp256k1, formatPath, parsePath, type PathSegment } from '../../crypto/hd.js';
import { wipe } from '../../crypto/wipe.js';
import { ConflictError, type KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { openWalletSeed, resolveWallet, type WalletRef } from '../shared/resolve-wallet.js';
import { storeKey } from '../shared/store-key.js';

export type HdKeyType = 'secp256k1' | 'ed25519';

export interface DeriveWalletKeyParameters {
  wallet: WalletRef;
  /** e.g. m/44'/60'/0'/0/0; `h` or `H` also mark hardened indexes */
  path: string;
  /** default: ed25519 under m/44'/501' (Solana), secp256k1 otherwise */
  type?: HdKeyType;
}

/** SLIP-44 coin type 501 (Solana) uses ed25519; everything else defaults to secp256k1. */
export function defaultHdKeyType(segments: readonly PathSegment[]): HdKeyType {
  const [purpose, coin] = segments;
  return purpose?.index === 44 && purpose.hardened && coin?.index === 501 && coin.hardened ? 'ed25519' : 'secp256k1';
}

/** Parses the path and settles the type; the path comes back in canonical form. */
export function hdPathAndType(path: unknown, type: unknown): { path: string; type: HdKeyType } {
  if (type !== undefined && type !== 'secp256k1' && type !== 'ed25519') {
    throw new StrongboxError('UNSUPPORTED_OPERATION', 'HD derivation supports secp256k1 (BIP32) and ed25519 (SLIP-10) keys', { field: 'type' });
  }
  const segments = parsePath(path as string);
  const chosen = type ?? defaultHdKeyType(segments);
  if (chosen === 'ed25519') {
    const soft = segments.findIndex((s) => !s.hardened);
    if (soft !== -1) throw new StrongboxError('INVALID_DERIVATION_PATH', `path segment ${soft + 1} is not hardened, and ed25519 (SLIP-10) derivation is hardened only (write ${segments[soft]!.index}')`, { field: 'path' });
  }
  return { path: formatPath(segments), type: chosen };
}

function existingKey(existing: KeyRecord, type: HdKeyType): KeyInfo {
  if (existing.type !== type) throw new StrongboxError('WALLET_PATH_TYPE_MISMATCH', `this wallet already has a key of type ${existing.type} at ${existing.path}; one path holds one key`, { field: 'type' });
  return toKeyInfo(existing);
}

export async function deriveWalletKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: DeriveWalletKeyParameters): Promise<KeyInfo> {
  const { path, type } = hdPathAndType(params.path, params.type);
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const wallet = await resolveWallet(ctx, params.wallet);
  const existing = await ctx.store.getKeyByWalletPath(wallet.id, path);
  if (existing !== undefined) return existingKey(existing, type);

  const seed = await openWalletSeed(ctx, wallet);
  let secretKey: Uint8Array;
  try {
    const child = type === 'ed25519' ? deriveEd25519(seed, path) : deriveSecp256k1(seed, path);
    wipe(child.chainCode);
    secretKey = child.secretKey;
  } finally {
    wipe(seed);
  }
  try {
    return await storeKey(ctx, { type, origin: wallet.origin, secretKey, wallet: wallet.id, path });
  } catch (err) {
    // A concurrent derive of the same path won the race: answer with its key.
    if (err instanceof ConflictError && err.constraint === 'wallet_path') {
      const winner = await ctx.store.getKeyByWalletPath(wallet.id, path);
      if (winner !== undefined) return existingKey(winner, type);
    }
    throw err;
  } finally {
    wipe(secretKey);
  }
}
