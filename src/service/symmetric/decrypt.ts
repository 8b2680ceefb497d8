/** AES-256-GCM decryption; the ciphertext names the key version that made it. */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex, toHex } from '../../protocol/hex.js';
import { ciphertextVersion, decryptWithKey } from '../../crypto/aes256.js';
import { GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../../crypto/aead.js';
import type { ServiceContext } from '../shared/context.js';
import { MAX_PLAINTEXT_BYTES, parseAad, resolveSymmetricKey, symmetricSecret } from './symmetric.js';

export interface DecryptParameters {
  key: KeyRef;
  ciphertext: string;
  aad?: string;
}

export async function decrypt(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, params: DecryptParameters): Promise<{ plaintext: `0x${string}`; keyVersion: number }> {
  const record = await resolveSymmetricKey(ctx, params.key, 'decrypt');
  const ciphertext = parseHex(params.ciphertext, { field: 'ciphertext', minBytes: 5 + GCM_NONCE_BYTES + GCM_TAG_BYTES, maxBytes: MAX_PLAINTEXT_BYTES + 64 });
  const aad = parseAad(params.aad);
  let version: number;
  try {
    version = ciphertextVersion(ciphertext);
  } catch {
    throw new StrongboxError('INVALID_ARGUMENT', 'ciphertext is not a Strongbox ciphertext', { field: 'ciphertext' });
  }
  if (version < 1 || version > record.currentVersion) throw new StrongboxError('KEY_VERSION_NOT_FOUND', `ciphertext names key version ${version}`, { field: 'ciphertext' });
  if (version < record.minDecryptionVersion) {
    throw new StrongboxError('KEY_VERSION_DISABLED', `ciphertext was made with key version ${version}; versions below ${record.minDecryptionVersion} no longer decrypt`, { field: 'ciphertext' });
  }
  const secretKey = await symmetricSecret(ctx, record, version);
  let plaintext: Uint8Array;
  try {
    plaintext = decryptWithKey(secretKey, record.id, ciphertext, aad);
  } catch {
    throw new StrongboxError('DECRYPTION_FAILED', 'ciphertext or aad failed authentication (altered, or made with another key)', { field: 'ciphertext' });
  }
  const out = { plaintext: toHex(plaintext), keyVersion: version };
  plaintext.fill(0);
  return out;
}
