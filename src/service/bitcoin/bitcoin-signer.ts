/** What the Bitcoin operations share: the key must be a secp256k1 key with a public key. */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey, type KeyRef } from '../shared/resolve-key.js';

export type BitcoinKeyRecord = KeyRecord & { publicKey: Uint8Array };

/** Resolves `key` and refuses anything but a secp256k1 key (before any input is parsed). */
export async function resolveBitcoinKey(ctx: Pick<ServiceContext, 'store'>, key: KeyRef): Promise<BitcoinKeyRecord> {
  const record = await resolveKey(ctx, key);
  if (record.type !== 'secp256k1') throw new StrongboxError('UNSUPPORTED_OPERATION', `Bitcoin needs a secp256k1 key; key ${record.id} is ${record.type}`);
  if (record.publicKey === null) throw new StrongboxError('INTERNAL', 'secp256k1 key without a public key');
  return record as BitcoinKeyRecord;
}
