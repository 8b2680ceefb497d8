/** The shape every signing algorithm implements; crypto/signers/registry.ts is the one switch over them. */
import type { HashName, SignatureEncoding } from '../../protocol/types.js';
export type { HashName, SignatureEncoding };

/** What gets signed, after the boundary has validated it: a 32-byte digest or a message. */
export type SignPayload = { kind: 'digest'; digest: Uint8Array } | { kind: 'message'; message: Uint8Array };

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
  wipe(): void;
}

/** A signer that signs in the calling thread. */
export interface SyncSigner extends LoadedSigner {
  sign(payload: SignPayload, encoding: SignatureEncoding): SignatureResult;
}

export interface AsymmetricAlgorithm {
  readonly type: 'secp256k1' | 'p256' | 'ed25519';
  readonly hashes: readonly HashName[];
  readonly encodings: readonly SignatureEncoding[];
  readonly defaultEncoding: SignatureEncoding;
  /** whether a precomputed 32-byte digest may be signed (false for PureEdDSA) */
  readonly signsDigests: boolean;
  generateSecretKey(): Uint8Array;
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
