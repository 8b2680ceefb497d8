/** Verify an HMAC-SHA-256 under an hmac256 key: recomputed and compared in constant time. */
import type { KeyRef } from '../shared/resolve-key.js';
import { parseHex } from '../../protocol/hex.js';
import { HMAC_SHA256_BYTES, verifyHmacSha256 } from '../../crypto/hmac.js';
import type { ServiceContext } from '../shared/context.js';
import { macKeySecret, parseMacMessage } from './generate-mac.js';

export interface VerifyMacParameters {
  key: KeyRef;
  message: string;
  /** 0x-hex, the 32-byte HMAC-SHA-256 */
  mac: string;
}

export async function verifyMac(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, params: VerifyMacParameters): Promise<{ valid: boolean }> {
  const { secretKey } = await macKeySecret(ctx, params.key, 'verify MACs');
  const message = parseMacMessage(params.message);
  const mac = parseHex(params.mac, { field: 'mac', bytes: HMAC_SHA256_BYTES });
  const valid = verifyHmacSha256(secretKey, message, mac);
  message.fill(0);
  return { valid };
}
