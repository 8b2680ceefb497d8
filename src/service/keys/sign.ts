/**
 * Sign with a stored key. The key is unwrapped through the key cache; the signer verifies its
 * own output against the public key before this returns (GUIDE §10).
 */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { SignResponse } from '../../protocol/types.js';
import { requireSigningAlgorithm } from '../../crypto/algorithms.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey } from '../shared/resolve-key.js';
import { toEncoding, toSignPayload, type PayloadFields } from '../shared/sign-payload.js';
import { assertBlindSigningAllowed } from '../shared/transaction-guard.js';

export interface SignParameters extends PayloadFields {
  key: KeyRef;
}

export async function sign(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'signingPool'> & Partial<Pick<ServiceContext, 'metrics'>>, params: SignParameters): Promise<SignResponse> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, params.key);
  const alg = requireSigningAlgorithm(record.type, 'sign');
  assertUsable(record);
  const payload = toSignPayload(alg, params);
  const encoding = toEncoding(alg, params.encoding);
  // Generic signing never goes through the transaction rules: a digest is any transaction's sighash,
  // and a message hashed here can be one too (keccak256 of an unsigned Ethereum transaction, sha256 of
  // a BIP143 preimage's hash, Solana message bytes). Keys whose rules forbid blind signing refuse both.
  await assertBlindSigningAllowed(ctx, record.id, record.wallet);
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'signer') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  const result = await loaded.signer.sign(payload, encoding);
  ctx.metrics?.signatures.inc({ type: record.type, operation: 'sign' });
  const out: SignResponse = { signature: toHex(result.signature), encoding, keyVersion: record.currentVersion };
  if (result.recoveryId !== undefined) out.recoveryId = result.recoveryId;
  return out;
}
