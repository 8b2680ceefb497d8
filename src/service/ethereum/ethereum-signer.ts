/**
 * What the three Ethereum signing operations share: the key must be an enabled secp256k1 key, and a
 * 32-byte digest is signed recoverably (r‖s‖recoveryId) through the key cache. The signer verifies
 * its signature before returning; here the recovery id is checked too (recovering the public key
 * from the signature must give the key's own), since Ethereum identifies the signer by it (GUIDE §10).
 */
import { StrongboxError } from '../../protocol/errors.js';
import { ethereumAddress } from '../../chains/ethereum/address.js';
import { secp256k1 } from '../../crypto/signers/secp256k1.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey, type KeyRef } from '../shared/resolve-key.js';

export type EthereumSignContext = Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'signingPool'> & Partial<Pick<ServiceContext, 'metrics'>>;

/** Resolves `key` and refuses anything but an enabled secp256k1 key (before any input is parsed). */
export async function resolveEthereumKey(ctx: EthereumSignContext, key: KeyRef): Promise<KeyRecord & { publicKey: Uint8Array }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, key);
  if (record.type !== 'secp256k1') throw new StrongboxError('UNSUPPORTED_OPERATION', `Ethereum signing needs a secp256k1 key; key ${record.id} is ${record.type}`);
  assertUsable(record);
  if (record.publicKey === null) throw new StrongboxError('INTERNAL', 'secp256k1 key without a public key');
  return record as KeyRecord & { publicKey: Uint8Array };
}

/** The key's EIP-55 address. */
export function addressOf(record: KeyRecord & { publicKey: Uint8Array }): `0x${string}` {
  return ethereumAddress(record.publicKey);
}

/** Signs `digest` with the key: 65 bytes r‖s‖recoveryId (recoveryId ∈ {0, 1}), low-S, RFC 6979. */
export async function signDigestRecoverable(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, digest: Uint8Array): Promise<Uint8Array> {
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'signer') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  // The cache may hand back a pooled signer whose sign() is asynchronous: always await.
  const { signature } = await loaded.signer.sign({ kind: 'digest', digest }, 'recoverable');
  if (signature.byteLength !== 65 || !secp256k1.verify(record.publicKey, { kind: 'digest', digest }, signature, 'recoverable', { requireLowS: true })) {
    throw new StrongboxError('INTERNAL', 'recoverable signature failed self-verification');
  }
  ctx.metrics?.signatures.inc({ type: 'secp256k1', operation: 'ethereum' });
  return signature;
}

/** r‖s‖v with v = 27 + recoveryId, the form personal_sign and eth_signTypedData return. */
export function toEthereumSignature(recoverable: Uint8Array): Uint8Array {
  const out = recoverable.slice();
  out[64] = 27 + recoverable[64]!;
  return out;
}
