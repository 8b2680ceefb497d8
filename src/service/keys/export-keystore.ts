/**
 * Export of an exportable secp256k1 key as an Ethereum keystore v3 file (Web3 Secret Storage, scrypt
 * n=262144 r=8 p=1), which wallets import with the passphrase. The passphrase is a secret: it is
 * never logged or echoed, and the route lists it as sensitive so the audit record holds only its HMAC.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeystoreV3 } from '../../protocol/types.js';
import { encryptKeystoreV3 } from '../../chains/ethereum/keystore.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { openExportableMaterial } from './export-key.js';
import { resolveKey, type KeyRef } from '../shared/resolve-key.js';

export const MIN_PASSPHRASE_CHARS = 8;
export const MAX_PASSPHRASE_CHARS = 1024;

export interface ExportKeystoreParameters {
  key: KeyRef;
  passphrase: string;
}

export async function exportKeystore(ctx: Pick<ServiceContext, 'store' | 'barrier'>, params: ExportKeystoreParameters): Promise<KeystoreV3> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const { passphrase } = params;
  // The detail never contains the passphrase, only what is wrong with it.
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_CHARS || passphrase.length > MAX_PASSPHRASE_CHARS) {
    throw new StrongboxError('INVALID_ARGUMENT', `passphrase must be ${MIN_PASSPHRASE_CHARS}-${MAX_PASSPHRASE_CHARS} characters`, { field: 'passphrase' });
  }
  const record = await resolveKey(ctx, params.key);
  if (record.type !== 'secp256k1') throw new StrongboxError('UNSUPPORTED_OPERATION', `keystore v3 files hold Ethereum (secp256k1) keys, not ${record.type}; use export`);
  const secretKey = await openExportableMaterial(ctx, record);
  try {
    return await encryptKeystoreV3(secretKey, record.publicKey!, passphrase);
  } finally {
    wipe(secretKey);
  }
}
