/** Wire types of the v1 REST API, shared by server, CLI and SDK (no Node-only imports). */
import type { Duration } from './duration.js';

export type { Duration };
export const keyTypes = ['secp256k1', 'p256', 'ed25519', 'aes256', 'hmac256', 'rsa2048', 'rsa3072', 'rsa4096'] as const;
/**
 * Threshold keys (docs/threshold.md): made by distributed key generation among Strongbox servers, never by
 * POST /v1/keys; each server holds one FROST share. They sign through the Solana and Bitcoin PSBT routes.
 */
export const thresholdKeyTypes = ['frost-ed25519', 'frost-secp256k1-tr'] as const;
export type ThresholdKeyType = (typeof thresholdKeyTypes)[number];
export function isThresholdKeyType(type: string): type is ThresholdKeyType {
  return (thresholdKeyTypes as readonly string[]).includes(type);
}
/** Every stored key's type; `keyTypes` are the ones POST /v1/keys creates and imports. */
export type KeyType = (typeof keyTypes)[number] | ThresholdKeyType;
export const rsaKeyTypes = ['rsa2048', 'rsa3072', 'rsa4096'] as const;
export type RsaKeyType = (typeof rsaKeyTypes)[number];
/** RSA keys sign (PSS, PKCS#1 v1.5) and decrypt (OAEP); the modulus size is in the type. */
export function isRsaKeyType(type: string): type is RsaKeyType {
  return (rsaKeyTypes as readonly string[]).includes(type);
}
export type Hex = `0x${string}`;
export const keyStates = ['enabled', 'disabled', 'pending_deletion', 'destroyed'] as const;
export type KeyState = (typeof keyStates)[number];

export const hashNames = ['sha256', 'keccak256', 'sha384', 'sha512'] as const;
export type HashName = (typeof hashNames)[number];
/** RSA signature schemes (RFC 8017): RSASSA-PSS (salt length = hash length, MGF1 with the same hash) or RSASSA-PKCS1-v1_5. */
export const rsaPaddings = ['pss', 'pkcs1'] as const;
export type RsaPadding = (typeof rsaPaddings)[number];
/** RSA encryption schemes (RFC 8017 §7.1 RSAES-OAEP, MGF1 with the same hash), named as AWS KMS names them. */
export const rsaEncryptionAlgorithms = ['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1'] as const;
export type RsaEncryptionAlgorithm = (typeof rsaEncryptionAlgorithms)[number];
export const signatureEncodings = ['der', 'raw', 'recoverable'] as const;
export type SignatureEncoding = (typeof signatureEncodings)[number];
export const publicKeyFormats = ['pem', 'der', 'hex', 'compressed', 'jwk'] as const;
export type PublicKeyFormat = (typeof publicKeyFormats)[number];

/** Key names: 1-128 of [A-Za-z0-9._-], starting with a letter or digit, and not shaped like a key id. */
export const KEY_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
export const KEY_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export interface KeyInfo {
  id: string;
  name: string | null;
  type: KeyType;
  origin: 'generated' | 'imported';
  state: KeyState;
  /** set at creation or import, never changed: whether POST /v1/keys/{id}/export may release the key material (wrapped) */
  exportable: boolean;
  version: number;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  /** pending_deletion: when the key material will be destroyed */
  deletionDate: string | null;
  /** aes256: automatic rotation period, and the oldest version still allowed to decrypt */
  rotationPeriodDays: number | null;
  nextRotationAt: string | null;
  minDecryptionVersion: number;
  /** raw public key: uncompressed SEC1 point for ECDSA keys, 32 bytes for Ed25519, SubjectPublicKeyInfo DER for RSA */
  publicKey?: Hex;
  /** EIP-55 checksummed Ethereum address (secp256k1 keys) */
  address?: string;
  /** key check value (aes256 keys; hmac256 keys have none) */
  kcv?: Hex;
  /** base58 Solana address: the 32-byte public key (ed25519 keys) */
  solanaAddress?: string;
  /** HD-derived keys: the wallet id and the canonical derivation path */
  wallet?: string;
  path?: string;
  createdAt: string;
}

/** An HD wallet (BIP39 seed held sealed); keys are derived from it by path. */
export interface WalletInfo {
  id: string;
  name: string | null;
  origin: 'generated' | 'imported';
  createdAt: string;
  /** the BIP39 mnemonic: only in the response to the creation that asked for revealMnemonic */
  mnemonic?: string;
}

export interface WalletPage {
  wallets: WalletInfo[];
  nextCursor: string | null;
}

/** GET /v1/wallets/{id}/xpub: the BIP32 extended public key (secp256k1), or the ed25519 public key. */
export interface WalletXpubResponse {
  path: string;
  type: 'secp256k1' | 'ed25519';
  /** secp256k1: the BIP32 extended public key (xpub, mainnet version bytes) */
  xpub?: string;
  /** the public key at the path: compressed SEC1 (secp256k1) or 32 bytes (ed25519) */
  publicKey: Hex;
  /** ed25519: the base58 Solana address */
  solanaAddress?: string;
}

/** POST /v1/keys/{id}/solana/sign-transaction */
export interface SolanaSignTransactionResponse {
  /** base64 wire transaction with this key's signature in its slot (when given a bare message: every other slot zero) */
  transaction: string;
  /** base58 Ed25519 signature (the transaction id when this key is the fee payer) */
  signature: string;
  /** base64 message that was signed */
  message: string;
}

/**
 * Key wrapping for export and import (AWS KMS / Google Cloud BYOK): a fresh AES-256 key
 * RSA-OAEP(SHA-256, MGF1-SHA-256)-encrypted to an RSA public key, followed by the key material
 * wrapped under that AES key with AES Key Wrap with Padding (RFC 5649).
 */
export const keyWrapAlgorithms = ['RSA_AES_KEY_WRAP_SHA_256'] as const;
export type KeyWrapAlgorithm = (typeof keyWrapAlgorithms)[number];

export interface ExportKeyResponse {
  /** RSA-OAEP ciphertext of the AES key (modulus length) ‖ RFC 5649 wrap of the raw 32-byte key material */
  wrappedKey: Hex;
  algorithm: KeyWrapAlgorithm;
  /** the key version exported (the current one) */
  keyVersion: number;
}

/** Ethereum keystore v3 (Web3 Secret Storage) with scrypt and AES-128-CTR. */
export interface KeystoreV3 {
  version: 3;
  id: string;
  /** lowercase, without 0x */
  address: string;
  crypto: {
    cipher: 'aes-128-ctr';
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: 'scrypt';
    kdfparams: { dklen: number; n: number; r: number; p: number; salt: string };
    mac: string;
  };
}

export interface WrappedKeyResponse {
  /** the key version's material exactly as stored: envelope v1, sealed under this installation's keyring */
  sealedMaterial: Hex;
  version: number;
  format: 'strongbox-envelope-v1';
}

export interface WrappingKeyResponse {
  algorithm: KeyWrapAlgorithm;
  /** SubjectPublicKeyInfo PEM of this installation's RSA-4096 import wrapping key */
  publicKey: string;
}

export interface HealthResponse {
  initialized: boolean;
  sealed: boolean;
  version: string;
  sealType: string | null;
  /** when sealed: why (waiting for shares, HSM/KMS unavailable and its reason, sealed by an operator) */
  sealedReason?: string;
  /** when sealed and waiting for unseal shares: shares given so far on this node, of `threshold` (the web console polls it) */
  progress?: number;
  threshold?: number;
  /** a generate-root attempt in progress on this node: shares given so far (never its nonce) */
  generateRoot?: { progress: number; threshold: number };
  /** a rekey attempt in progress on this node: shares given so far, and the new share set asked for (never its nonce) */
  rekey?: { progress: number; threshold: number; newShares: number; newThreshold: number };
}

export interface InitResponse {
  shares: Hex[];
  threshold: number;
  rootToken: string;
  /** `unseal` (Shamir: the shares unseal) or `recovery` (HSM/KMS: they authorize generate-root and seal migration only) */
  sharesKind: 'unseal' | 'recovery';
}

export interface UnsealResponse {
  sealed: boolean;
  progress: number;
  threshold: number;
}

/**
 * POST /v1/tokens. TTLs are seconds or durations such as "1h", "30m", "7d", "1h30m" (protocol/duration.ts).
 * A token with numUses or a rate limit mints no children of its own.
 */
export interface CreateTokenRequest {
  policies: string[];
  /** lifetime (default 30 days, or maxTtl when that is shorter), capped by the parent's expiry */
  ttl?: Duration;
  /** the longest the token can live, renewals included, counted from creation (default: its ttl); never past the parent's maximum */
  maxTtl?: Duration;
  /** whether POST /v1/tokens/self/renew may extend it (default true; renewal never passes maxTtl) */
  renewable?: boolean;
  name?: string;
  numUses?: number;
  /** root only: no parent, so revoking the parent does not revoke it */
  orphan?: boolean;
  /** root only: whose data the token acts for */
  subject?: string;
  rateLimit?: { perSecond: number; burst?: number };
  /**
   * Bind the token to the calling application on the Unix socket (docs/attestation.md): a request whose
   * process does not have these attributes is refused (403 CALLER_MEASUREMENT_MISMATCH), and so is any
   * request over TCP. A bound token's children are bound at least as tightly.
   */
  bindCaller?: CallerBinding;
}

/** What a bound token's caller must be: the kernel's uid, the SHA-256 of its executable and of its entry script (lowercase hex). */
export interface CallerBinding {
  uid?: number;
  exeSha256?: string;
  scriptSha256?: string;
}

/** A token as the API shows it: never the token or its hash. */
export interface TokenInfo {
  accessor: string;
  name: string | null;
  subject: string;
  policies: string[];
  parentAccessor: string | null;
  createdAt: string;
  expiresAt: string | null;
  /** the latest expiresAt renewal can reach (createdAt + maxTtl, capped by the parent's); null = never expires */
  maxExpiresAt: string | null;
  /** whether the token may renew itself */
  renewable: boolean;
  numUsesLeft: number | null;
  rateLimit: { perSecond: number; burst: number } | null;
  revoked: boolean;
  /** the application the token is bound to (Unix socket only); null = any caller */
  bindCaller: CallerBinding | null;
}

/** POST /v1/keys/{id}/mac: HMAC-SHA-256 (RFC 2104) of the message under an hmac256 key. */
export interface MacResponse {
  mac: Hex;
  keyVersion: number;
}

/** An AWS SigV4 credential as the API lists it: never its secret. */
export interface AwsCredentialInfo {
  accessKeyId: string;
  policies: string[];
  subject: string;
  /** accessor of the token that created it (revoking that token revokes the credential) */
  parentAccessor: string | null;
  createdAt: string;
  /** never later than the creating token's expiry; null = never */
  expiresAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

export interface SignResponse {
  signature: Hex;
  encoding: SignatureEncoding;
  recoveryId?: number;
  keyVersion: number;
}

/** A key's X.509 certificate (PUT/GET /v1/keys/{id}/certificate): PEM, and what node:crypto parsed from it. */
export interface KeyCertificateResponse {
  keyId: string;
  /** PEM */
  certificate: string;
  subject: string;
  issuer: string;
  /** hex, as node:crypto prints it */
  serialNumber: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 of the DER, colon-separated hex */
  fingerprint256: string;
  updatedAt: string;
}
