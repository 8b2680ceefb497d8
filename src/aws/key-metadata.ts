/** Strongbox key records in AWS terms: KeySpec, KeyUsage, KeyState and KeyMetadata. */
import type { KeyInfo, KeyType } from '../protocol/types.js';
import { AwsError } from './errors.js';
import { keyArn, ACCOUNT_ID } from './key-id.js';

export const keySpecOf: Record<KeyType, string> = {
  aes256: 'SYMMETRIC_DEFAULT',
  secp256k1: 'ECC_SECG_P256K1',
  p256: 'ECC_NIST_P256',
  ed25519: 'ECC_NIST_EDWARDS25519',
  hmac256: 'HMAC_256',
};

export const keyTypeOfSpec: Readonly<Record<string, KeyType>> = {
  SYMMETRIC_DEFAULT: 'aes256',
  ECC_SECG_P256K1: 'secp256k1',
  ECC_NIST_P256: 'p256',
  ECC_NIST_EDWARDS25519: 'ed25519',
  HMAC_256: 'hmac256',
};

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';

export function keyUsageOf(type: KeyType): KeyUsage {
  if (type === 'aes256') return 'ENCRYPT_DECRYPT';
  if (type === 'hmac256') return 'GENERATE_VERIFY_MAC';
  return 'SIGN_VERIFY';
}

/** The MacAlgorithms of an HMAC key (HMAC_256 keys: HMAC_SHA_256 only). */
export function macAlgorithmsOf(type: KeyType): string[] {
  return type === 'hmac256' ? ['HMAC_SHA_256'] : [];
}

/** The exception AWS raises when a key is used for an operation outside its KeyUsage. */
export function wrongUsage(keyId: string, type: KeyType, operation: string): AwsError {
  return new AwsError('InvalidKeyUsageException', `${keyId} is a ${keyUsageOf(type)} key; it cannot ${operation}`, 'UNSUPPORTED_OPERATION');
}

export function signingAlgorithmsOf(type: KeyType): string[] {
  return type === 'ed25519' ? ['ED25519_SHA_512'] : ['ECDSA_SHA_256'];
}

const keyStates = { enabled: 'Enabled', disabled: 'Disabled', pending_deletion: 'PendingDeletion', destroyed: 'Unavailable' } as const;

export function keyStateOf(state: KeyInfo['state']): string {
  return keyStates[state];
}

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

export function keyMetadata(region: string, key: KeyInfo): Record<string, unknown> {
  const usage = keyUsageOf(key.type);
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
      ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }
      : usage === 'GENERATE_VERIFY_MAC'
        ? { MacAlgorithms: macAlgorithmsOf(key.type) }
        : { SigningAlgorithms: signingAlgorithmsOf(key.type) }),
    MultiRegion: false,
  };
}
