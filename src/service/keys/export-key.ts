/**
 * Export of an exportable key without plaintext in transit: the current version's material (the
 * raw 32-byte scalar, Ed25519 seed or AES-256 key) wrapped to the caller's RSA public key with
 * RSA_AES_KEY_WRAP_SHA_256 (crypto/key-wrap.ts), so only the holder of the RSA private key can open it.
 * Only keys created or imported with `exportable: true` (fixed forever at that moment) and enabled
 * may be exported.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { ExportKeyResponse, KeyWrapAlgorithm } from '../../protocol/types.js';
import { keyWrapAlgorithms } from '../../protocol/types.js';
import { signingAlgorithm } from '../../crypto/algorithms.js';
import { keyCheckValue } from '../../crypto/aes256.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { parseRsaWrappingKey, WrappingKeyError, wrapRsaAes } from '../../crypto/key-wrap.js';
import { wipe } from '../../crypto/wipe.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, openKeyMaterial, resolveKey, type KeyRef } from '../shared/resolve-key.js';

export interface ExportKeyParameters {
  key: KeyRef;
  /** PEM RSA public key (SPKI or PKCS#1), 2048-4096 bits */
  wrappingKey: string;
  algorithm: KeyWrapAlgorithm;
}

export function assertExportable(record: KeyRecord): void {
  if (!record.exportable) throw new StrongboxError('KEY_NOT_EXPORTABLE', `key ${record.id} was not created exportable; its material cannot leave Strongbox`);
  assertUsable(record);
}

/**
 * The current version's secret of an exportable, enabled key, checked against the record's public
 * key (or key check value) before it is released in any form. The caller wipes it.
 */
export async function openExportableMaterial(ctx: Pick<ServiceContext, 'store' | 'barrier'>, record: KeyRecord): Promise<Uint8Array> {
  assertExportable(record);
  const secretKey = await openKeyMaterial(ctx, record);
  const alg = signingAlgorithm(record.type);
  let matches = true;
  if (alg !== undefined) {
    const publicKey = alg.publicKeyOf(secretKey);
    matches = record.publicKey !== null && constantTimeEqual(publicKey, record.publicKey);
  } else if (record.currentVersion === 1 && record.kcv !== null) {
    // The key check value describes version 1 (later aes256 versions have none of their own).
    matches = constantTimeEqual(keyCheckValue(secretKey), record.kcv);
  }
  if (!matches) {
    wipe(secretKey);
    throw new StrongboxError('INTEGRITY_CHECK_FAILED', `stored material of key ${record.id} does not match its public key`);
  }
  return secretKey;
}

export async function exportKey(ctx: Pick<ServiceContext, 'store' | 'barrier'>, params: ExportKeyParameters): Promise<ExportKeyResponse> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  if (!keyWrapAlgorithms.includes(params.algorithm)) {
    throw new StrongboxError('INVALID_ARGUMENT', `algorithm must be one of ${keyWrapAlgorithms.join(', ')}`, { field: 'algorithm' });
  }
  let publicKey;
  try {
    publicKey = parseRsaWrappingKey(params.wrappingKey);
  } catch (err) {
    if (err instanceof WrappingKeyError) throw new StrongboxError('INVALID_ARGUMENT', `wrappingKey ${err.message}`, { field: 'wrappingKey' });
    throw err;
  }
  const record = await resolveKey(ctx, params.key);
  const secretKey = await openExportableMaterial(ctx, record);
  try {
    return { wrappedKey: toHex(wrapRsaAes(publicKey, secretKey)), algorithm: params.algorithm, keyVersion: record.currentVersion };
  } finally {
    wipe(secretKey);
  }
}
