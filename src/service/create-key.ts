/** Generate a key inside Strongbox from the CSPRNG; the private part never leaves unwrapped. */
import type { KeyInfo, KeyType } from '../protocol/types.js';
import { signingAlgorithm } from '../crypto/algorithms.js';
import { generateAesKey } from '../crypto/aes256.js';
import { wipe } from '../crypto/wipe.js';
import type { ServiceContext } from './context.js';
import { storeKey } from './store-key.js';
import { assertKeyName } from './validate.js';

export interface CreateKeyParameters {
  type: KeyType;
  name?: string;
}

export async function createKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: CreateKeyParameters): Promise<KeyInfo> {
  assertKeyName(params.name);
  const alg = signingAlgorithm(params.type);
  const secretKey = alg ? alg.generateSecretKey() : generateAesKey();
  try {
    return await storeKey(ctx, { type: params.type, name: params.name, origin: 'generated', secretKey });
  } finally {
    wipe(secretKey);
  }
}
