/**
 * The Bitcoin address of a secp256k1 key: P2WPKH (bech32) or P2TR key path with the BIP86 tweak
 * (bech32m), on mainnet, testnet or regtest. Derived from the public key only, so it is readable
 * in every key state, like the public key itself.
 */
import type { BitcoinAddressResponse, BitcoinAddressType } from '../../protocol/bitcoin.js';
import { bitcoinAddress as deriveAddress } from '../../chains/bitcoin/address.js';
import { parseNetwork } from '../../chains/bitcoin/network.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { resolveBitcoinKey } from './bitcoin-signer.js';
import { resolveKey } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';

export interface BitcoinAddressParameters {
  key: KeyRef;
  /** mainnet (default), testnet or regtest */
  network?: string | undefined;
  /** p2wpkh (default) or p2tr */
  type?: string | undefined;
}

function parseType(value: string | undefined): BitcoinAddressType {
  if (value === undefined) return 'p2wpkh';
  if (value === 'p2wpkh' || value === 'p2tr') return value;
  throw new StrongboxError('INVALID_ARGUMENT', 'type must be p2wpkh or p2tr', { field: 'type' });
}

export async function bitcoinAddress(ctx: Pick<ServiceContext, 'store'>, params: BitcoinAddressParameters): Promise<BitcoinAddressResponse> {
  const resolved = typeof params.key === 'string' ? await resolveKey(ctx, params.key) : params.key;
  if (resolved.type === 'frost-secp256k1-tr' && resolved.publicKey !== null) {
    // A threshold key signs Taproot key-path inputs only: its address is the BIP86 address of its internal key.
    const type = parseType(params.type ?? 'p2tr');
    if (type !== 'p2tr') throw new StrongboxError('UNSUPPORTED_OPERATION', 'a frost-secp256k1-tr key has only a P2TR (Taproot key-path) address', { field: 'type' });
    return deriveAddress(resolved.publicKey, type, parseNetwork(params.network));
  }
  const record = await resolveBitcoinKey(ctx, resolved);
  return deriveAddress(record.publicKey, parseType(params.type), parseNetwork(params.network));
}
