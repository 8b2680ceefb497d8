/**
 * Bitcoin addresses of a secp256k1 key: P2WPKH (BIP141 witness v0, HASH160 of the compressed key,
 * bech32 per BIP173) and P2TR key path (BIP341 witness v1 with the BIP86 tweak of the x-only key
 * and no script tree, bech32m per BIP350). Encoding by @scure/btc-signer.
 */
import { p2tr, p2wpkh } from '@scure/btc-signer';
import type { BitcoinAddressResponse, BitcoinAddressType } from '../../protocol/bitcoin.js';
import { networkParams, type BitcoinNetwork } from './network.js';

/** SEC1 compressed form (33 bytes) of a 33- or 65-byte secp256k1 public key. */
export function compressPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.byteLength === 33 && (publicKey[0] === 2 || publicKey[0] === 3)) return publicKey.slice();
  if (publicKey.byteLength !== 65 || publicKey[0] !== 4) throw new RangeError('expected a SEC1 secp256k1 public key');
  const out = new Uint8Array(33);
  out[0] = 2 + (publicKey[64]! & 1);
  out.set(publicKey.subarray(1, 33), 1);
  return out;
}

/** The 32-byte x-only key (BIP340) of a 33- or 65-byte secp256k1 public key. */
export function xOnlyPublicKey(publicKey: Uint8Array): Uint8Array {
  return compressPublicKey(publicKey).slice(1);
}

/** The output script and address of `publicKey` for one address type on one network. */
export function bitcoinPayment(publicKey: Uint8Array, type: BitcoinAddressType, network: BitcoinNetwork): { address: string; script: Uint8Array } {
  const params = networkParams(network);
  const payment = type === 'p2wpkh' ? p2wpkh(compressPublicKey(publicKey), params) : p2tr(xOnlyPublicKey(publicKey), undefined, params);
  if (payment.address === undefined) throw new RangeError('no address for this payment');
  return { address: payment.address, script: payment.script };
}

export function bitcoinAddress(publicKey: Uint8Array, type: BitcoinAddressType, network: BitcoinNetwork): BitcoinAddressResponse {
  const { address, script } = bitcoinPayment(publicKey, type, network);
  return { address, type, network, scriptPubKey: `0x${Buffer.from(script).toString('hex')}` };
}
