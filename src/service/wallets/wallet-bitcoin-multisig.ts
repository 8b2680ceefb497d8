/**
 * The addresses of a multisig descriptor in which an HD wallet is a participant: the wallet checks that
 * (at least) one key expression of the descriptor is its own, by deriving the extended public key at
 * the expression's origin path (`[fingerprint/path]`) from its seed and comparing public key and chain
 * code, and returns each address with what a PSBT input spending it needs (witnessScript; or internal
 * key, leaf script and control block) and, per index, the wallet path of its own key there: the key to
 * derive (POST /v1/wallets/{id}/derive) and sign with (POST /v1/keys/{id}/bitcoin/sign-psbt).
 *
 * Nothing is stored: a descriptor is public, and the same descriptor always yields the same addresses,
 * so the caller keeps it (as every wallet coordinator does) and Strongbox recomputes. Signing does not
 * depend on it either: a PSBT input is judged by its own witnessScript / tapLeafScript
 * (chains/bitcoin/multisig.ts).
 */
import { HDKey } from '@scure/bip32';
import type { BitcoinMultisigAddressesResponse, BitcoinMultisigWalletKey } from '../../protocol/bitcoin.js';
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import { deriveDescriptorKey, deriveMultisigAddress, parseMultisigDescriptor, type DescriptorKey } from '../../chains/bitcoin/descriptor.js';
import { parseNetwork } from '../../chains/bitcoin/network.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveWallet, type WalletRef } from '../shared/resolve-wallet.js';
import { hdPathAndType } from './derive-wallet-key.js';
import { walletXpub } from './wallet-xpub.js';

export const MAX_MULTISIG_ADDRESSES = 100;

export interface WalletBitcoinMultisigParameters {
  wallet: WalletRef;
  descriptor: string;
  network?: string | undefined;
  from?: number | undefined;
  count?: number | undefined;
}

function argument(field: string, why: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${why}`, { field });
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

/** Whether the wallet's own key at the expression's origin path is the expression's key. */
async function isWalletKey(ctx: Pick<ServiceContext, 'store' | 'barrier'>, wallet: WalletRef, key: DescriptorKey): Promise<boolean> {
  if (key.origin === undefined) return false;
  const own = await walletXpub(ctx, { wallet, path: key.origin.path, type: 'secp256k1' });
  const node = HDKey.fromExtendedKey(own.xpub!);
  if (key.extended !== undefined) return equal(node.publicKey!, key.extended.node.publicKey!) && equal(node.chainCode!, key.extended.node.chainCode!);
  const fixed = key.publicKey!;
  return fixed.byteLength === 32 ? equal(node.publicKey!.subarray(1), fixed) : equal(node.publicKey!, fixed);
}

export async function walletBitcoinMultisig(ctx: Pick<ServiceContext, 'store' | 'barrier'>, params: WalletBitcoinMultisigParameters): Promise<BitcoinMultisigAddressesResponse> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const network = parseNetwork(params.network);
  const from = params.from ?? 0;
  const count = params.count ?? 1;
  if (!Number.isSafeInteger(from) || from < 0 || from >= 0x8000_0000) throw argument('from', 'must be an address index from 0 to 2^31-1');
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_MULTISIG_ADDRESSES) throw argument('count', `must be from 1 to ${MAX_MULTISIG_ADDRESSES}`);
  if (from + count > 0x8000_0000) throw argument('count', 'runs past the last unhardened index (2^31-1)');
  const descriptor = parseMultisigDescriptor(params.descriptor);
  const wallet = await resolveWallet(ctx, params.wallet);

  const candidates: [number, DescriptorKey][] = descriptor.keys.map((k, i) => [i, k]);
  if (descriptor.internalKey !== undefined) candidates.push([-1, descriptor.internalKey]);
  const walletKeys: (BitcoinMultisigWalletKey & { key: DescriptorKey })[] = [];
  for (const [position, key] of candidates) {
    if (await isWalletKey(ctx, wallet, key)) walletKeys.push({ position, originPath: hdPathAndType(key.origin!.path, 'secp256k1').path, key });
  }
  if (!walletKeys.some((k) => k.position >= 0)) {
    throw new StrongboxError('INVALID_DESCRIPTOR', `descriptor has no multisig key of wallet ${wallet.name ?? wallet.id}: a key is the wallet's when its origin [fingerprint/path] names a path at which this wallet derives that very xpub or public key`, { field: 'descriptor' });
  }

  const indexes = descriptor.ranged ? Array.from({ length: count }, (_, i) => from + i) : [0];
  const addresses = [];
  for (const index of indexes) {
    const out = deriveMultisigAddress(descriptor, index, network);
    const own = [];
    for (const k of walletKeys) {
      const { publicKey, steps } = deriveDescriptorKey(k.key, index);
      const path = hdPathAndType(steps.length === 0 ? k.originPath : `${k.originPath}/${steps.join('/')}`, 'secp256k1').path;
      const existing = await ctx.store.getKeyByWalletPath(wallet.id, path);
      own.push({ position: k.position, path, publicKey: toHex(publicKey), keyId: existing?.type === 'secp256k1' ? existing.id : null });
    }
    addresses.push({
      index: out.index,
      address: out.address,
      scriptPubKey: toHex(out.scriptPubKey),
      ...(out.witnessScript === undefined ? {} : { witnessScript: toHex(out.witnessScript) }),
      ...(out.internalKey === undefined ? {} : { internalKey: toHex(out.internalKey), leafScript: toHex(out.leafScript!), controlBlock: toHex(out.controlBlock!) }),
      walletKeys: own,
    });
  }
  return {
    descriptor: descriptor.descriptor,
    type: descriptor.type,
    threshold: descriptor.threshold,
    participants: descriptor.keys.length,
    network,
    ranged: descriptor.ranged,
    walletKeys: walletKeys.map(({ position, originPath }) => ({ position, originPath })),
    addresses,
  };
}
