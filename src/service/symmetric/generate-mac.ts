/**
 * HMAC-SHA-256 (RFC 2104) of a message under an hmac256 key. hmac256 keys have one version: they
 * are not rotated in place (a MAC does not name the key version that made it, so verification
 * could not pick one), exactly as AWS KMS HMAC keys.
 */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex, toHex } from '../../protocol/hex.js';
import type { MacResponse } from '../../protocol/types.js';
import { isMacKey } from '../../crypto/algorithms.js';
import { hmacSha256 } from '../../crypto/hmac.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey } from '../shared/resolve-key.js';

export const MAX_MAC_MESSAGE_BYTES = 256 * 1024;

export interface GenerateMacParameters {
  key: KeyRef;
  /** 0x-hex, 0 to 256 KiB */
  message: string;
}

type MacCtx = Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>;

/** The enabled hmac256 key and its secret (from the key cache: not to be wiped by the caller). */
export async function macKeySecret(ctx: MacCtx, ref: KeyRef, operation: string): Promise<{ record: KeyRecord; secretKey: Uint8Array }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, ref);
  if (!isMacKey(record.type)) throw new StrongboxError('UNSUPPORTED_OPERATION', `${record.type} keys cannot ${operation}; use an hmac256 key`);
  assertUsable(record);
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'secret') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  return { record, secretKey: loaded.secretKey };
}

export function parseMacMessage(message: unknown): Uint8Array {
  return parseHex(message, { field: 'message', maxBytes: MAX_MAC_MESSAGE_BYTES });
}

export async function generateMac(ctx: MacCtx, params: GenerateMacParameters): Promise<MacResponse> {
  const { record, secretKey } = await macKeySecret(ctx, params.key, 'compute MACs');
  const message = parseMacMessage(params.message);
  const mac = hmacSha256(secretKey, message);
  message.fill(0);
  return { mac: toHex(mac), keyVersion: record.currentVersion };
}
