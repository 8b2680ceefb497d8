/** Solana addresses: the base58 (Bitcoin alphabet) encoding of a 32-byte Ed25519 public key. */
import { base58 } from '@scure/base';
import { StrongboxError } from '../../protocol/errors.js';

export function solanaAddress(publicKey: Uint8Array): string {
  if (publicKey.byteLength !== 32) throw new StrongboxError('INTERNAL', 'a Solana address encodes a 32-byte public key');
  return base58.encode(publicKey);
}

/** Decodes a base58 address to its 32 bytes; INVALID_ARGUMENT naming `field` otherwise. */
export function parseSolanaAddress(address: string, field: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(address);
  } catch {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} is not base58`, { field });
  }
  if (bytes.byteLength !== 32) throw new StrongboxError('INVALID_ARGUMENT', `${field} must encode 32 bytes`, { field });
  return bytes;
}
