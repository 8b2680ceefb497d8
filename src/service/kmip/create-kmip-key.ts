/**
 * KMIP Create, Create Key Pair and Register (KMIP 1.4 §4.1, §4.2, §4.3): a Strongbox key (generated
 * from the CSPRNG, or the client's validated material) plus its KMIP metadata. A key is born Pre-Active
 * (disabled) unless the client gave an Activation Date at or before now (KMIP 1.4 §3.19, §3.22).
 *
 * The plaintext-export mark (docs/kmip.md, "The plaintext question") is decided here and never changes:
 * only symmetric, P-256 and RSA keys can carry it — secp256k1 and Ed25519 keys (digital assets) never do —
 * and only when the creating principal holds `keys:export-plaintext` and did not ask otherwise.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyType } from '../../protocol/types.js';
import { generateSecretKey, signingAlgorithm, symmetricKeyBytes } from '../../crypto/algorithms.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { storeKey } from '../shared/store-key.js';
import { assertKmipAttributes, saveKmipObject, toKmipObject, type KmipAttributes, type KmipObject } from './kmip-object.js';

export const PLAINTEXT_EXPORTABLE_TYPES: ReadonlySet<KeyType> = new Set<KeyType>(['aes256', 'hmac256', 'p256', 'rsa2048', 'rsa3072', 'rsa4096']);

export interface CreateKmipKeyParameters {
  type: KeyType;
  attributes: KmipAttributes;
  /** the client's material (Register); absent: generated (Create, Create Key Pair) */
  secretKey?: Uint8Array;
  /** the creator may release plaintext (it holds keys:export-plaintext) and did not opt out */
  plaintextExport: boolean;
}

/** Validates registered material like any import: right size, scalar in range, seed of 32 bytes. */
function assertMaterial(type: KeyType, secretKey: Uint8Array): void {
  const alg = signingAlgorithm(type);
  if (alg !== undefined) return alg.assertSecretKey(secretKey);
  const size = symmetricKeyBytes(type);
  if (size !== undefined && (secretKey.length < size.min || secretKey.length > size.max)) {
    throw new StrongboxError('INVALID_KEY_MATERIAL', `a ${type} key is ${size.min === size.max ? size.min : `${size.min} to ${size.max}`} bytes`, { field: 'KeyMaterial' });
  }
}

export async function createKmipKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, params: CreateKmipKeyParameters): Promise<KmipObject> {
  assertKmipAttributes(params.attributes);
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const secretKey = params.secretKey ?? (await generateSecretKey(params.type));
  let info;
  try {
    assertMaterial(params.type, secretKey);
    info = await storeKey(ctx, { type: params.type, origin: params.secretKey === undefined ? 'generated' : 'imported', secretKey, description: 'created through KMIP' });
  } finally {
    wipe(secretKey);
  }
  const now = ctx.now();
  const activation = params.attributes.activationDate === undefined ? undefined : Date.parse(params.attributes.activationDate);
  const active = activation !== undefined && activation <= now.getTime();
  let record = (await ctx.store.getKey(info.id))!;
  if (!active) record = (await ctx.store.updateKey(record.id, { state: 'disabled' }, ['enabled']))!;
  const plaintextExport = params.plaintextExport && PLAINTEXT_EXPORTABLE_TYPES.has(params.type);
  await saveKmipObject(ctx, record, active ? 'active' : 'pre_active', params.attributes, plaintextExport);
  return toKmipObject(record, await ctx.store.getKmipObject(record.id), false);
}
