/**
 * Shared by create-key and import-key: seal validated secret material under the barrier and
 * persist the key durably (the caller answers 201 only after this returns).
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseOptionalDuration, type Duration, type DurationSpec } from '../../protocol/duration.js';
import type { KeyInfo, KeyType } from '../../protocol/types.js';
import { signingAlgorithm } from '../../crypto/algorithms.js';
import { keyCheckValue } from '../../crypto/aes256.js';
import { randomId } from '../../crypto/random.js';
import { ethereumAddress } from '../../chains/ethereum/address.js';
import { ConflictError, type KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from './context.js';
import { toKeyInfo } from './key-info.js';
import { assertKeyName } from './validate.js';
import { keyMaterialContext } from './record-identity.js';

/** Optional metadata accepted by create and import. */
export interface KeyMetadataParameters {
  name?: string | undefined;
  description?: string;
  tags?: Record<string, string>;
  /** aes256 only: rotate automatically every N days (a number of days, or a duration in whole days such as "90d") */
  rotationPeriodDays?: Duration;
  /** irreversible: the material may later be exported, wrapped to a caller's key (default false) */
  exportable?: boolean;
}

/** The automatic rotation period of an aes256 key (create, import, POST /v1/keys/{id}/rotation). */
export const ROTATION_PERIOD: DurationSpec = { field: 'rotationPeriodDays', unit: 'days', min: 1, max: 3650 };

export function assertKeyMetadata(type: KeyType, params: KeyMetadataParameters): void {
  assertKeyName(params.name);
  parseOptionalDuration(params.rotationPeriodDays, ROTATION_PERIOD);
  if (params.exportable !== undefined && typeof params.exportable !== 'boolean') {
    throw new StrongboxError('INVALID_ARGUMENT', 'exportable must be true or false', { field: 'exportable' });
  }
  if (params.rotationPeriodDays !== undefined && type !== 'aes256') {
    throw new StrongboxError('UNSUPPORTED_OPERATION', 'rotationPeriodDays applies to aes256 keys only', { field: 'rotationPeriodDays' });
  }
}

export async function storeKey(
  ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>,
  params: KeyMetadataParameters & { type: KeyType; origin: KeyRecord['origin']; secretKey: Uint8Array; wallet?: string; path?: string; id?: string; publicKey?: Uint8Array },
): Promise<KeyInfo> {
  const { type, secretKey } = params;
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const rotationPeriodDays = parseOptionalDuration(params.rotationPeriodDays, ROTATION_PERIOD);
  const alg = signingAlgorithm(type);
  // Threshold keys bring the id every participant agreed on, and the group's public key (no secret here derives it).
  const id = params.id ?? randomId();
  const createdAt = ctx.now().toISOString();
  const record: KeyRecord = {
    id,
    name: params.name ?? null,
    type,
    origin: params.origin,
    state: 'enabled',
    exportable: params.exportable === true,
    publicKey: params.publicKey ?? (alg ? alg.publicKeyOf(secretKey) : null),
    // aes256 only: the X9.24 check value is defined for block-cipher keys; hmac256 keys have none.
    kcv: type === 'aes256' ? keyCheckValue(secretKey) : null,
    currentVersion: 1,
    createdAt,
    description: params.description ?? '',
    tags: params.tags ?? {},
    deletionDate: null,
    rotationPeriodDays: rotationPeriodDays ?? null,
    nextRotationAt: rotationPeriodDays === undefined ? null : new Date(Date.parse(createdAt) + rotationPeriodDays * 86_400_000).toISOString(),
    minDecryptionVersion: 1,
    aliases: [],
    wallet: params.wallet ?? null,
    path: params.path ?? null,
  };
  // Keccak-256 in JS is ≈ 10–20 µs per call: compute the EIP-55 address once, for the row and the answer.
  let address: `0x${string}` | undefined;
  if (type === 'secp256k1' && record.publicKey !== null) {
    address = ethereumAddress(record.publicKey);
    record.ethereumAddress = address.toLowerCase();
  }
  const sealedMaterial = ctx.barrier.encrypt(secretKey, keyMaterialContext(id, 1, type));
  try {
    await ctx.store.createKey(record, { keyId: id, version: 1, sealedMaterial, createdAt });
  } catch (err) {
    if (err instanceof ConflictError && err.constraint === 'key_name') {
      throw new StrongboxError('KEY_NAME_TAKEN', `a key named ${JSON.stringify(params.name)} already exists`, { field: 'name' });
    }
    throw err;
  }
  return toKeyInfo(record, address);
}
