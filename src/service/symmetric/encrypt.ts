/** AES-256-GCM encryption under the current version of an aes256 key. */
import type { KeyRef } from '../shared/resolve-key.js';
import { parseHex, toHex } from '../../protocol/hex.js';
import { encryptWithKey } from '../../crypto/aes256.js';
import type { ServiceContext } from '../shared/context.js';
import { MAX_PLAINTEXT_BYTES, parseAad, resolveSymmetricKey, symmetricSecret } from './symmetric.js';

export interface EncryptParameters {
  key: KeyRef;
  plaintext: string;
  aad?: string;
}

export async function encrypt(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, params: EncryptParameters): Promise<{ ciphertext: `0x${string}`; keyVersion: number }> {
  const record = await resolveSymmetricKey(ctx, params.key, 'encrypt');
  const plaintext = parseHex(params.plaintext, { field: 'plaintext', maxBytes: MAX_PLAINTEXT_BYTES });
  const aad = parseAad(params.aad);
  const secretKey = await symmetricSecret(ctx, record, record.currentVersion);
  const ciphertext = encryptWithKey(secretKey, record.id, record.currentVersion, plaintext, aad);
  plaintext.fill(0);
  return { ciphertext: toHex(ciphertext), keyVersion: record.currentVersion };
}
