/**
 * Strongbox key records in AWS terms: KeySpec, KeyUsage, KeyState and KeyMetadata.
 * An RSA key serves one AWS KeyUsage, chosen at CreateKey (ENCRYPT_DECRYPT by default, as in AWS) and
 * kept in the reserved tag `aws:kms:key-usage`; an RSA key created through the REST API has no such tag
 * and is SIGN_VERIFY here (on the REST API it both signs and decrypts).
 */
import { isRsaKeyType, type KeyInfo, type KeyType } from '../protocol/types.js';
import { AwsError } from './errors.js';
import { keyArn, ACCOUNT_ID } from './key-id.js';

export const keySpecOf: Record<KeyType, string> = {
  aes256: 'SYMMETRIC_DEFAULT',
  secp256k1: 'ECC_SECG_P256K1',
  p256: 'ECC_NIST_P256',
  ed25519: 'ECC_NIST_EDWARDS25519',
  hmac256: 'HMAC_256',
  rsa2048: 'RSA_2048',
  rsa3072: 'RSA_3072',
  rsa4096: 'RSA_4096',
  // threshold keys have no AWS counterpart (and the AWS endpoint cannot sign with them)
  'frost-ed25519': 'FROST_ED25519',
  'frost-secp256k1-tr': 'FROST_SECP256K1_TR',
};

export const keyTypeOfSpec: Readonly<Record<string, KeyType>> = {
  SYMMETRIC_DEFAULT: 'aes256',
  ECC_SECG_P256K1: 'secp256k1',
  ECC_NIST_P256: 'p256',
  ECC_NIST_EDWARDS25519: 'ed25519',
  HMAC_256: 'hmac256',
  RSA_2048: 'rsa2048',
  RSA_3072: 'rsa3072',
  RSA_4096: 'rsa4096',
};

/** The reserved tag holding an RSA key's AWS KeyUsage; hidden from ListResourceTags and refused by TagResource/UntagResource. */
export const KEY_USAGE_TAG = 'aws:kms:key-usage';

/** What keyUsageOf needs of a key: its type and (RSA) its tags. */
export interface UsageSource {
  type: KeyType;
  tags?: Readonly<Record<string, string>>;
}

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';

export function keyUsageOf(key: UsageSource): KeyUsage {
  if (key.type === 'aes256') return 'ENCRYPT_DECRYPT';
  if (key.type === 'hmac256') return 'GENERATE_VERIFY_MAC';
  if (isRsaKeyType(key.type) && key.tags !== undefined && Object.hasOwn(key.tags, KEY_USAGE_TAG) && key.tags[KEY_USAGE_TAG] === 'ENCRYPT_DECRYPT') return 'ENCRYPT_DECRYPT';
  return 'SIGN_VERIFY';
}

/** The KeyUsage values CreateKey accepts for a KeySpec, the default first (AWS: ENCRYPT_DECRYPT where valid). */
export function keyUsagesOfType(type: KeyType): KeyUsage[] {
  if (isRsaKeyType(type)) return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'];
  return [keyUsageOf({ type })];
}

/** The user's tags, without the reserved one. */
export function visibleTags(tags: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(tags).filter(([k]) => k !== KEY_USAGE_TAG);
}

/** The MacAlgorithms of an HMAC key (HMAC_256 keys: HMAC_SHA_256 only). */
export function macAlgorithmsOf(type: KeyType): string[] {
  return type === 'hmac256' ? ['HMAC_SHA_256'] : [];
}

/** The exception AWS raises when a key is used for an operation outside its KeyUsage. */
export function wrongUsage(keyId: string, key: UsageSource, operation: string): AwsError {
  return new AwsError('InvalidKeyUsageException', `${keyId} is a ${keyUsageOf(key)} key; it cannot ${operation}`, 'UNSUPPORTED_OPERATION');
}

/** RSA SigningAlgorithm → Strongbox padding and hash. */
export const rsaSigningAlgorithms: ReadonlyMap<string, { padding: 'pss' | 'pkcs1'; hash: 'sha256' | 'sha384' | 'sha512' }> = new Map([
  ['RSASSA_PSS_SHA_256', { padding: 'pss', hash: 'sha256' }],
  ['RSASSA_PSS_SHA_384', { padding: 'pss', hash: 'sha384' }],
  ['RSASSA_PSS_SHA_512', { padding: 'pss', hash: 'sha512' }],
  ['RSASSA_PKCS1_V1_5_SHA_256', { padding: 'pkcs1', hash: 'sha256' }],
  ['RSASSA_PKCS1_V1_5_SHA_384', { padding: 'pkcs1', hash: 'sha384' }],
  ['RSASSA_PKCS1_V1_5_SHA_512', { padding: 'pkcs1', hash: 'sha512' }],
]);

export function signingAlgorithmsOf(type: KeyType): string[] {
  if (isRsaKeyType(type)) return [...rsaSigningAlgorithms.keys()];
  return type === 'ed25519' ? ['ED25519_SHA_512'] : ['ECDSA_SHA_256'];
}

/** EncryptionAlgorithms of an ENCRYPT_DECRYPT key. */
export function encryptionAlgorithmsOf(type: KeyType): string[] {
  return isRsaKeyType(type) ? ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] : ['SYMMETRIC_DEFAULT'];
}

const keyStates = { enabled: 'Enabled', disabled: 'Disabled', pending_deletion: 'PendingDeletion', destroyed: 'Unavailable' } as const;

export function keyStateOf(state: KeyInfo['state']): string {
  return keyStates[state];
}

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

export function keyMetadata(region: string, key: KeyInfo): Record<string, unknown> {
  const usage = keyUsageOf(key);
  return {
    AWSAccountId: ACCOUNT_ID,
    KeyId: key.id,
    Arn: keyArn(region, key.id),
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.state === 'enabled',
    Description: key.description,
    KeyUsage: usage,
    KeyState: keyStateOf(key.state),
    ...(key.deletionDate === null ? {} : { DeletionDate: epochSeconds(key.deletionDate) }),
    Origin: key.origin === 'generated' ? 'AWS_KMS' : 'EXTERNAL',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: keySpecOf[key.type],
    KeySpec: keySpecOf[key.type],
    ...(usage === 'ENCRYPT_DECRYPT'
      ? { EncryptionAlgorithms: encryptionAlgorithmsOf(key.type) }
      : usage === 'GENERATE_VERIFY_MAC'
        ? { MacAlgorithms: macAlgorithmsOf(key.type) }
        : { SigningAlgorithms: signingAlgorithmsOf(key.type) }),
    MultiRegion: false,
  };
}
