/** Shared by encrypt, decrypt and data-key: resolve an aes256 key and unwrap a version of it. */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import { isSymmetric } from '../../crypto/algorithms.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey } from '../shared/resolve-key.js';

export const MAX_PLAINTEXT_BYTES = 256 * 1024;
export const MAX_AAD_BYTES = 8 * 1024;

export async function resolveSymmetricKey(ctx: Pick<ServiceContext, 'store' | 'barrier'>, key: KeyRef, operation: string): Promise<KeyRecord> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, key);
  if (!isSymmetric(record.type)) throw new StrongboxError('UNSUPPORTED_OPERATION', `${record.type} keys cannot ${operation}; use an aes256 key`);
  assertUsable(record);
  return record;
}

export async function symmetricSecret(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, record: KeyRecord, version: number): Promise<Uint8Array> {
  const loaded = await loadKey(ctx, record, version);
  if (loaded.kind !== 'secret') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  return loaded.secretKey;
}

export function parseAad(aad: string | undefined): Uint8Array {
  return aad === undefined ? new Uint8Array(0) : parseHex(aad, { field: 'aad', maxBytes: MAX_AAD_BYTES });
}
