/** The shape every signing algorithm implements; crypto/signers/registry.ts is the one switch over them. */
import type { HashName, RsaKeyType, RsaPadding, SignatureEncoding } from '../../protocol/types.js';
export type { HashName, RsaPadding, SignatureEncoding };

/**
 * What gets signed, after the boundary has validated it: a digest or a message. An RSA digest names the
 * hash that made it (its DigestInfo / PSS hash) and the padding; ECDSA digests are 32 bytes and need neither.
 */
export type SignPayload = { kind: 'digest'; digest: Uint8Array; hash?: HashName; padding?: RsaPadding } | { kind: 'message'; message: Uint8Array };

/** RSAES-OAEP parameters (RFC 8017 §7.1): the hash (also MGF1's) and the label (empty by default). */
export interface OaepParameters {
  hash: 'sha256' | 'sha1';
  label: Uint8Array;
}

export interface SignatureResult {
  signature: Uint8Array;
  /** secp256k1 only: the public-key recovery id (0 or 1) */
  recoveryId?: number;
}

export interface VerifyOptions {
  /** reject high-S ECDSA signatures (BIP 62 / Ethereum homestead rule) */
  requireLowS?: boolean;
}

/** An unwrapped private key, ready to sign; held in the key cache, wiped on eviction and on seal. */
export interface LoadedSigner {
  /** synchronous in-thread, or a promise when a signing worker does the work */
  sign(payload: SignPayload, encoding: SignatureEncoding): SignatureResult | Promise<SignatureResult>;
  /** RSA only: RSAES-OAEP decryption; throws DecryptionError when the ciphertext does not decode */
  decrypt?(ciphertext: Uint8Array, oaep: OaepParameters): Uint8Array;
  wipe(): void;
}

/** A signer that signs in the calling thread. */
export interface SyncSigner extends LoadedSigner {
  sign(payload: SignPayload, encoding: SignatureEncoding): SignatureResult;
}

export interface AsymmetricAlgorithm {
  readonly type: 'secp256k1' | 'p256' | 'ed25519' | RsaKeyType;
  readonly hashes: readonly HashName[];
  readonly encodings: readonly SignatureEncoding[];
  readonly defaultEncoding: SignatureEncoding;
  /** whether a precomputed 32-byte digest may be signed (false for PureEdDSA) */
  readonly signsDigests: boolean;
  /** RSA: a promise (generation runs on the libuv threadpool, off the event loop) */
  generateSecretKey(): Uint8Array | Promise<Uint8Array>;
  /** RSA only: PEM private key (PKCS#8 or PKCS#1) → the secret form; throws INVALID_KEY_MATERIAL naming pem */
  secretFromPem?(pem: string): Uint8Array;
  /** when the secret is not 32 bytes: the accepted length range of privateKey (RSA: PKCS#8 DER) */
  readonly secretKeyBytes?: { min: number; max: number };
  /** RSA only: the signature paddings it offers (the first is the default) */
  readonly paddings?: readonly RsaPadding[];
  /** RSA only: RSAES-OAEP encryption to the public key (anyone can do this; offered for convenience) */
  encrypt?(publicKey: Uint8Array, plaintext: Uint8Array, oaep: OaepParameters): Uint8Array;
  /** Throws INVALID_KEY_MATERIAL unless the scalar/seed is a valid private key. */
  assertSecretKey(secretKey: Uint8Array): void;
  publicKeyOf(secretKey: Uint8Array): Uint8Array;
  /** Throws INVALID_KEY_MATERIAL unless the public key is a valid point on the curve. */
  assertPublicKey(publicKey: Uint8Array): void;
  load(secretKey: Uint8Array, publicKey: Uint8Array): SyncSigner;
  verify(publicKey: Uint8Array, payload: SignPayload, signature: Uint8Array, encoding: SignatureEncoding, options?: VerifyOptions): boolean;
  /** SubjectPublicKeyInfo (RFC 5280) DER of the raw public key */
  toSpki(publicKey: Uint8Array): Uint8Array;
  /** JWK (RFC 7517/8037) of the public key */
  toJwk(publicKey: Uint8Array): Record<string, string>;
  compress?(publicKey: Uint8Array): Uint8Array;
}
