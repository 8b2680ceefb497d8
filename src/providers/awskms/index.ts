/**
 * AWS KMS unseal provider (auto-unseal, like Vault's `awskms` seal): the root key is encrypted under a
 * customer-managed symmetric KMS key that never leaves AWS KMS (AWS KMS API Reference: Encrypt,
 * Decrypt, DescribeKey). The server unseals itself at start as long as the key is usable.
 *
 * Sealed format v1 (frozen: stored sealed root keys must open forever):
 *   byte 0      0x01 (AWSKMS_FORMAT_V1)
 *   bytes 1..   the CiphertextBlob returned by KMS Encrypt, bound to the encryption context
 *               {purpose: "strongbox/root-key"} (KMS authenticates it as AAD)
 * Bytes 1.. are a plain KMS ciphertext, so `aws kms decrypt --encryption-context purpose=strongbox/root-key`
 * recovers the root key without Strongbox (disaster recovery; checked by the contract test).
 *
 * Credentials and region come from the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 * profiles, SSO, web identity, ECS/EC2 roles); `endpoint` overrides the URL (VPC endpoint, moto_server).
 * IAM permissions needed on the key: kms:DescribeKey, kms:Encrypt, kms:Decrypt.
 *
 * Every operation first calls DescribeKey and refuses a key that is not Enabled or not a symmetric
 * encryption key, so the reason is exact ("disabled", "pending deletion") rather than inferred from a
 * failed Decrypt, and emulators that do not enforce key state (moto) behave like AWS. `protect`
 * decrypts its own result before returning it: a key policy that allows Encrypt but not Decrypt
 * would otherwise seal the root key for good. Errors are ProviderUnavailableError (server stays
 * sealed, reason shown in /v1/sys/health; the reason names the key and the AWS error, never
 * credentials or endpoint userinfo) or UnsealRejectedError (the sealed blob itself is wrong).
 */
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type DecryptCommandOutput,
  KMSClient,
  KMSServiceException,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { AES_KEY_BYTES } from '../../crypto/aead.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import type { ProviderOptions } from '../types.js';
import { ProviderUnavailableError, UnsealRejectedError, type ProtectResult, type UnsealProvider } from '../types.js';

export const AWSKMS_FORMAT_V1 = 0x01;
/** Part of format v1: changing it makes every stored sealed root key undecryptable. */
export const AWSKMS_ENCRYPTION_CONTEXT: Readonly<Record<string, string>> = Object.freeze({ purpose: 'strongbox/root-key' });
/** KMS ciphertext blobs are 1 to 6144 bytes (Decrypt API reference, CiphertextBlob). */
const MAX_CIPHERTEXT_BYTES = 6144;

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** One retry for a transient failure; an unreachable KMS fails within seconds, not minutes. */
export const DEFAULT_MAX_ATTEMPTS = 2;

/** The registry's settings plus timeouts (defaults suit production; tests shorten them). */
export type AwsKmsProviderOptions = NonNullable<ProviderOptions['awskms']> & {
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxAttempts?: number;
};

/** Setting names as operators know them (environment variables), for validation messages. */
export const AWSKMS_SETTINGS = {
  keyId: 'STRONGBOX_AWSKMS_KEY_ID',
  region: 'AWS_REGION',
  endpoint: 'STRONGBOX_AWSKMS_ENDPOINT',
} as const;

// Key id (UUID or mrk-…), key ARN, alias name (alias/…) or alias ARN: KMS KeyId, 1-2048 characters.
const KEY_ID_PATTERN = /^[A-Za-z0-9:/_.-]{1,2048}$/;
// us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, us-isob-east-1, …
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

interface Settings {
  keyId: string;
  region: string;
  endpoint: string | undefined;
  /** endpoint without userinfo, path or query: safe to show in a reason */
  where: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxAttempts: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`awskms ${name} must be a positive integer`);
  return value;
}

/** Validates the settings, naming the one that is wrong. */
export function parseAwsKmsOptions(options: AwsKmsProviderOptions): Settings {
  const { keyId, region, endpoint } = options;
  if (typeof keyId !== 'string' || keyId === '') {
    throw new Error(`${AWSKMS_SETTINGS.keyId}: set the id, ARN or alias of the customer-managed AWS KMS key`);
  }
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new Error(`${AWSKMS_SETTINGS.keyId}: not a KMS key id, key ARN, alias name or alias ARN`);
  }
  if (typeof region !== 'string' || region === '') throw new Error(`${AWSKMS_SETTINGS.region}: set the AWS region of the KMS key (e.g. eu-west-1)`);
  if (!REGION_PATTERN.test(region)) throw new Error(`${AWSKMS_SETTINGS.region}: ${JSON.stringify(region)} is not an AWS region name (e.g. eu-west-1)`);
  if (keyId.startsWith('arn:')) {
    const arnRegion = keyId.split(':')[3];
    if (arnRegion !== region) {
      throw new Error(`${AWSKMS_SETTINGS.keyId}: the key ARN is in region ${arnRegion ?? '(none)'} but ${AWSKMS_SETTINGS.region} is ${region}`);
    }
  }
  let where = `AWS KMS ${region}`;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error(`${AWSKMS_SETTINGS.endpoint}: not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${AWSKMS_SETTINGS.endpoint}: must be an http(s) URL`);
    if (url.username !== '' || url.password !== '') throw new Error(`${AWSKMS_SETTINGS.endpoint}: must not contain credentials`);
    where = url.origin;
  }
  return {
    keyId,
    region,
    endpoint,
    where,
    connectTimeoutMs: positiveInteger(options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs'),
    requestTimeoutMs: positiveInteger(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
    maxAttempts: positiveInteger(options.maxAttempts, DEFAULT_MAX_ATTEMPTS, 'maxAttempts'),
  };
}

/** Why a key in this KeyState cannot be used (KeyState values from the KeyMetadata reference). */
function keyStateProblem(state: string | undefined): string {
  switch (state) {
    case 'Disabled':
      return 'is disabled (enable it to unseal)';
    case 'PendingDeletion':
    case 'PendingReplicaDeletion':
      return 'is pending deletion (cancel the deletion and enable it to unseal)';
    case 'PendingImport':
      return 'has no key material (pending import)';
    case 'Unavailable':
      return 'is unavailable (its custom key store is disconnected)';
    case 'Creating':
    case 'Updating':
      return 'is being created or updated (retry shortly)';
    default:
      return 'is not in a usable state';
  }
}

function errorName(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Network failures surface as plain Errors carrying a socket error code (ECONNREFUSED, …).
    return err.name === 'Error' && typeof code === 'string' ? code : err.name;
  }
  return 'unknown error';
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
]);

export async function createAwsKmsProvider(options: AwsKmsProviderOptions): Promise<UnsealProvider> {
  const settings = parseAwsKmsOptions(options);
  const { keyId } = settings;
  const client = new KMSClient({
    region: settings.region,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    maxAttempts: settings.maxAttempts,
    requestHandler: {
      connectionTimeout: settings.connectTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  let closed = false;

  /** Maps an SDK or network error to the reason the provider cannot be used. */
  function unavailable(op: string, err: unknown): ProviderUnavailableError {
    const name = errorName(err);
    const evidence = `${op}: ${name}`;
    let reason: string;
    if (err instanceof KMSServiceException) {
      if (name === 'DisabledException') reason = `AWS KMS key ${keyId} is disabled (${evidence})`;
      else if (name === 'KMSInvalidStateException') reason = `AWS KMS key ${keyId} is not in a usable state, e.g. pending deletion (${evidence})`;
      else if (name === 'NotFoundException') reason = `AWS KMS key ${keyId} was not found in ${settings.region} (${evidence})`;
      else if (name === 'AccessDeniedException') reason = `access to AWS KMS key ${keyId} was denied: check the key policy and IAM permissions (${evidence})`;
      else if (name === 'KeyUnavailableException') reason = `AWS KMS key ${keyId} is unavailable: its custom key store cannot be used (${evidence})`;
      else if (name === 'InvalidKeyUsageException') reason = `AWS KMS key ${keyId} is not a symmetric encryption key (${evidence})`;
      else if (CREDENTIAL_ERRORS.has(name)) reason = `AWS rejected the credentials used for KMS key ${keyId} (${evidence})`;
      else reason = `AWS KMS refused ${op} with key ${keyId} (${evidence})`;
    } else if (name === 'CredentialsProviderError') {
      reason = `no AWS credentials for KMS key ${keyId}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or give the host a role (${evidence})`;
    } else {
      reason = `${settings.where} is unreachable for KMS key ${keyId} (${evidence})`;
    }
    return new ProviderUnavailableError(reason, { cause: err });
  }

  function assertOpen(): void {
    if (closed) throw new ProviderUnavailableError(`AWS KMS provider for key ${keyId} is closed`);
  }

  /** DescribeKey: the key exists, is Enabled, and is a symmetric encryption key. */
  async function describeUsableKey(): Promise<KeyMetadata> {
    let meta: KeyMetadata | undefined;
    try {
      meta = (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (err) {
      throw unavailable('DescribeKey', err);
    }
    if (meta?.Arn === undefined) throw new ProviderUnavailableError(`AWS KMS returned no metadata for key ${keyId} (DescribeKey)`);
    if (meta.KeyState !== 'Enabled') {
      throw new ProviderUnavailableError(`AWS KMS key ${keyId} ${keyStateProblem(meta.KeyState)} (KeyState ${meta.KeyState ?? 'missing'})`);
    }
    // Absent fields are tolerated (emulators omit them); present ones must name a symmetric encryption key.
    if ((meta.KeyUsage !== undefined && meta.KeyUsage !== 'ENCRYPT_DECRYPT') || (meta.KeySpec !== undefined && meta.KeySpec !== 'SYMMETRIC_DEFAULT')) {
      throw new ProviderUnavailableError(
        `AWS KMS key ${keyId} is not a symmetric encryption key (KeySpec ${meta.KeySpec ?? 'missing'}, KeyUsage ${meta.KeyUsage ?? 'missing'})`,
      );
    }
    return meta;
  }

  async function encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    let blob: Uint8Array | undefined;
    try {
      blob = (await client.send(new EncryptCommand({
        KeyId: keyId,
        Plaintext: plaintext,
        EncryptionContext: { ...AWSKMS_ENCRYPTION_CONTEXT },
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      }))).CiphertextBlob;
    } catch (err) {
      throw unavailable('Encrypt', err);
    }
    if (blob === undefined || blob.byteLength === 0 || blob.byteLength > MAX_CIPHERTEXT_BYTES) {
      throw new ProviderUnavailableError(`AWS KMS returned no usable ciphertext for key ${keyId} (Encrypt)`);
    }
    return blob;
  }

  /**
   * Decrypt naming the key (KMS then refuses a ciphertext made under another key) and the context.
   * Returns the plaintext (caller wipes it) or the error as it should reach the caller.
   */
  async function decrypt(blob: Uint8Array, arn: string): Promise<Uint8Array> {
    let out: DecryptCommandOutput;
    try {
      out = await client.send(new DecryptCommand({
        KeyId: keyId,
        CiphertextBlob: blob,
        EncryptionContext: { ...AWSKMS_ENCRYPTION_CONTEXT },
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      }));
    } catch (err) {
      const name = errorName(err);
      if (err instanceof KMSServiceException && (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException')) {
        throw new UnsealRejectedError(`AWS KMS key ${keyId} cannot decrypt the sealed root key: it was altered or made under another key (${name})`);
      }
      throw unavailable('Decrypt', err);
    }
    const plaintext = out.Plaintext;
    if (out.KeyId !== undefined && out.KeyId !== arn) {
      wipe(plaintext);
      throw new UnsealRejectedError(`the sealed root key was decrypted by a different KMS key than ${keyId}`);
    }
    if (plaintext === undefined || plaintext.byteLength !== AES_KEY_BYTES) {
      wipe(plaintext);
      throw new UnsealRejectedError(`the sealed root key holds ${plaintext?.byteLength ?? 0} bytes, not a ${AES_KEY_BYTES}-byte root key`);
    }
    return plaintext;
  }

  /**
   * AWS answers AccessDeniedException both when our permissions are missing and when the ciphertext
   * names a key we cannot use (another account or region; moto answers so for any other key where
   * AWS says IncorrectKeyException). Telling them apart without reading error text: if the configured
   * key decrypts a fresh probe under the same context, the permissions are fine and the blob is foreign.
   */
  async function configuredKeyWorks(arn: string): Promise<boolean> {
    const probe = randomBytes(AES_KEY_BYTES);
    let back: Uint8Array | undefined;
    try {
      back = await decrypt(await encrypt(probe), arn);
      return constantTimeEqual(back, probe);
    } catch {
      return false;
    } finally {
      wipe(probe, back);
    }
  }

  return {
    type: 'awskms',
    autoUnseal: true,

    async protect(rootKey: Uint8Array): Promise<ProtectResult> {
      if (rootKey.byteLength !== AES_KEY_BYTES) throw new RangeError(`the root key must be ${AES_KEY_BYTES} bytes`);
      assertOpen();
      const meta = await describeUsableKey();
      const blob = await encrypt(rootKey);
      // Verify before release: the key must also decrypt what it encrypted.
      let back: Uint8Array | undefined;
      try {
        back = await decrypt(blob, meta.Arn!);
      } catch (err) {
        const cause = err instanceof Error ? err.message : String(err);
        throw new ProviderUnavailableError(`AWS KMS key ${keyId} encrypted the root key but cannot decrypt it back; check kms:Decrypt (${cause})`, { cause: err });
      }
      const same = constantTimeEqual(back, rootKey);
      wipe(back);
      if (!same) throw new ProviderUnavailableError(`AWS KMS key ${keyId} did not give back the root key it encrypted`);
      const sealedRootKey = new Uint8Array(1 + blob.byteLength);
      sealedRootKey[0] = AWSKMS_FORMAT_V1;
      sealedRootKey.set(blob, 1);
      return { sealedRootKey, shares: [] };
    },

    async recover(sealedRootKey: Uint8Array): Promise<Uint8Array> {
      if (sealedRootKey.byteLength < 2 || sealedRootKey[0] !== AWSKMS_FORMAT_V1) {
        throw new UnsealRejectedError('the sealed root key is not in the awskms format');
      }
      if (sealedRootKey.byteLength > 1 + MAX_CIPHERTEXT_BYTES) throw new UnsealRejectedError('the sealed root key is too long for a KMS ciphertext');
      assertOpen();
      const meta = await describeUsableKey();
      const blob = sealedRootKey.slice(1);
      try {
        const plaintext = await decrypt(blob, meta.Arn!);
        const rootKey = plaintext.slice();
        wipe(plaintext);
        return rootKey;
      } catch (err) {
        if (err instanceof ProviderUnavailableError && err.cause instanceof KMSServiceException
          && err.cause.name === 'AccessDeniedException' && (await configuredKeyWorks(meta.Arn!))) {
          throw new UnsealRejectedError(`the sealed root key was not made under AWS KMS key ${keyId}: KMS denies the key it names while ${keyId} works (Decrypt: AccessDeniedException)`);
        }
        throw err;
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      client.destroy();
    },
  };
}
