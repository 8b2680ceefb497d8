/**
 * Ethereum addresses: the last 20 bytes of keccak256 of the uncompressed public key (without
 * the 0x04 prefix), checksummed per EIP-55.
 */
import { keccak256 } from '../../crypto/hash.js';

export function toChecksumAddress(address20: Uint8Array): `0x${string}` {
  const lower = Buffer.from(address20).toString('hex');
  const hash = keccak256(Buffer.from(lower, 'ascii'));
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  }
  return out as `0x${string}`;
}

/** EIP-55 address of an uncompressed (65-byte, 0x04-prefixed) secp256k1 public key. */
export function ethereumAddress(uncompressedPublicKey: Uint8Array): `0x${string}` {
  if (uncompressedPublicKey.byteLength !== 65 || uncompressedPublicKey[0] !== 0x04) throw new RangeError('expected an uncompressed secp256k1 public key');
  return toChecksumAddress(keccak256(uncompressedPublicKey.subarray(1)).subarray(12));
}
