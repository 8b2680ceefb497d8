/** Generate a key inside Strongbox from the CSPRNG; the private part never leaves unwrapped. */
import type { KeyInfo, KeyType } from '../protocol/types.js';
import { signingAlgorithm } from '../crypto/algorithms.js';
import { generateAesKey } from '../crypto/aes256.js';
import { wipe } from '../crypto/wipe.js';
import type { ServiceContext } from './context.js';
import { assertKeyMetadata, storeKey, type KeyMetadataParameters } from './store-key.js';

export interface CreateKeyParameters extends KeyMetadataParameters {
  type: KeyType;
}

export async function createKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: CreateKeyParameters): Promise<KeyInfo> {
  assertKeyMetadata(params.type, params);
  const alg = signingAlgorithm(params.type);
  const secretKey = alg ? alg.generateSecretKey() : generateAesKey();
  try {
    return await storeKey(ctx, { ...params, origin: 'generated', secretKey });
  } finally {
    wipe(secretKey);
  }
}
