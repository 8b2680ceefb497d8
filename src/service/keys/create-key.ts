/** Generate a key inside Strongbox from the CSPRNG; the private part never leaves unwrapped. */
import type { KeyInfo, KeyType } from '../../protocol/types.js';
import { generateSecretKey } from '../../crypto/algorithms.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertKeyMetadata, storeKey, type KeyMetadataParameters } from '../shared/store-key.js';

export interface CreateKeyParameters extends KeyMetadataParameters {
  type: KeyType;
}

export async function createKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: CreateKeyParameters): Promise<KeyInfo> {
  assertKeyMetadata(params.type, params);
  const secretKey = await generateSecretKey(params.type);
  try {
    return await storeKey(ctx, { ...params, origin: 'generated', secretKey });
  } finally {
    wipe(secretKey);
  }
}
