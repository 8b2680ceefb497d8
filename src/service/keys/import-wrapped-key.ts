/**
 * Import without plaintext in transit: the caller wraps the key material to this installation's
 * wrapping key (GET /v1/sys/wrapping-key) with RSA_AES_KEY_WRAP_SHA_256; Strongbox unwraps it
 * (RSA-OAEP, then RFC 5649) and from there on treats it exactly like POST /v1/keys/import: the same
 * type, metadata and range checks, then seal and store. A blob that does not unwrap (tampered, or
 * wrapped to another key) is 400 DECRYPTION_FAILED naming wrappedKey; one that unwraps to material
 * that is not a valid key of the type is 400 INVALID_KEY_MATERIAL naming wrappedKey.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import type { KeyInfo, KeyType } from '../../protocol/types.js';
import { KeyUnwrapError, unwrapRsaAes } from '../../crypto/key-wrap.js';
import type { ServiceContext } from '../shared/context.js';
import { assertImportedSecret, storeImportedKey } from './import-key.js';
import { assertKeyMetadata, type KeyMetadataParameters } from '../shared/store-key.js';
import { assertKeyType } from '../shared/validate.js';
import { loadWrappingPrivateKey } from './wrapping-key.js';

export interface ImportWrappedKeyParameters extends KeyMetadataParameters {
  type: KeyType;
  /** 0x-hex: RSA-OAEP ciphertext of an AES-256 key ‖ RFC 5649 wrap of the raw 32-byte material */
  wrappedKey: string;
}

/** Longest blob accepted: a 4096-bit RSA ciphertext and the wrap of 32 bytes, with room to spare. */
const MAX_WRAPPED_BYTES = 1024;

export async function importWrappedKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: ImportWrappedKeyParameters): Promise<KeyInfo> {
  assertKeyType(params.type);
  assertKeyMetadata(params.type, params);
  const blob = parseHex(params.wrappedKey, { field: 'wrappedKey', minBytes: 1, maxBytes: MAX_WRAPPED_BYTES });
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const privateKey = await loadWrappingPrivateKey(ctx);
  if (privateKey === undefined) {
    throw new StrongboxError('DECRYPTION_FAILED', 'wrappedKey was not wrapped to this installation (it has no wrapping key yet; fetch GET /v1/sys/wrapping-key)', { field: 'wrappedKey' });
  }
  let secretKey: Uint8Array;
  try {
    secretKey = unwrapRsaAes(privateKey, blob);
  } catch (err) {
    if (err instanceof KeyUnwrapError) throw new StrongboxError('DECRYPTION_FAILED', `wrappedKey does not unwrap with this installation's wrapping key: ${err.message}`, { field: 'wrappedKey' });
    throw err;
  }
  try {
    assertImportedSecret(params.type, secretKey);
  } catch (err) {
    if (err instanceof StrongboxError && err.code === 'INVALID_KEY_MATERIAL') {
      throw new StrongboxError('INVALID_KEY_MATERIAL', `the key material in wrappedKey is invalid: ${err.message.replace(/^privateKey /, '')}`, { field: 'wrappedKey' });
    }
    throw err;
  }
  const { wrappedKey: _wrappedKey, ...metadata } = params;
  return storeImportedKey(ctx, metadata, secretKey);
}
