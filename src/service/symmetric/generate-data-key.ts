/**
 * Envelope encryption for callers: a fresh data key from the CSPRNG, returned in plaintext (unless
 * withoutPlaintext) and wrapped under the aes256 key, so the caller stores only the wrapped form.
 */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import { encryptWithKey } from '../../crypto/aes256.js';
import { randomBytes } from '../../crypto/random.js';
import type { ServiceContext } from '../shared/context.js';
import { parseAad, resolveSymmetricKey, symmetricSecret } from './symmetric.js';

export interface GenerateDataKeyParameters {
  key: KeyRef;
  bytes?: number;
  aad?: string;
  withoutPlaintext?: boolean;
}

export interface DataKeyResult {
  plaintext?: `0x${string}`;
  ciphertext: `0x${string}`;
  keyVersion: number;
}

export async function generateDataKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, params: GenerateDataKeyParameters): Promise<DataKeyResult> {
  const bytes = params.bytes ?? 32;
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 64) throw new StrongboxError('INVALID_ARGUMENT', 'bytes must be an integer from 16 to 64', { field: 'bytes' });
  const record = await resolveSymmetricKey(ctx, params.key, 'generate data keys');
  const aad = parseAad(params.aad);
  const secretKey = await symmetricSecret(ctx, record, record.currentVersion);
  const dataKey = randomBytes(bytes);
  const out: DataKeyResult = { ciphertext: toHex(encryptWithKey(secretKey, record.id, record.currentVersion, dataKey, aad)), keyVersion: record.currentVersion };
  if (params.withoutPlaintext !== true) out.plaintext = toHex(dataKey);
  dataKey.fill(0);
  return out;
}
