/**
 * Key material for KMIP Get (KMIP 1.4 §4.11) and the raw-mode Encrypt/Decrypt KMIP clients use
 * (§4.29-4.30). Releasing material is the exception, not the rule (docs/kmip.md, "The plaintext
 * question"): public keys are always available; a symmetric or private key's plaintext only when the
 * object carries the plaintext-export mark (and the caller was authorized for keys:export-plaintext by
 * the interface); otherwise only wrapped under another Strongbox AES key the caller may use (AES Key Wrap
 * with padding, RFC 5649). secp256k1 and Ed25519 keys can never carry the mark.
 */
import { createPrivateKey } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import { signingAlgorithm } from '../../crypto/algorithms.js';
import { aesKeyWrapPad, cbcDecrypt, cbcEncrypt, CipherInputError, gcmDecrypt, gcmEncrypt } from '../../crypto/aes-modes.js';
import { wipe } from '../../crypto/wipe.js';
import { randomBytes } from '../../crypto/random.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, openKeyMaterial } from '../shared/resolve-key.js';
import type { KmipObject } from './kmip-object.js';

type Ctx = Pick<ServiceContext, 'store' | 'barrier'>;

export const MAX_KMIP_DATA_BYTES = 256 * 1024;

/** The public key of an asymmetric object as SubjectPublicKeyInfo DER (Key Format Type X.509). */
export function kmipPublicKey(o: KmipObject): Uint8Array {
  const alg = signingAlgorithm(o.record.type);
  if (alg === undefined || o.record.publicKey === null) throw new StrongboxError('UNSUPPORTED_OPERATION', `${o.record.type} keys have no public key`);
  return alg.toSpki(o.record.publicKey);
}

/** The raw public key (uncompressed SEC1 point, or 32 bytes for Ed25519): Transparent EC Public Key's Q String. */
export function kmipRawPublicKey(o: KmipObject): Uint8Array {
  if (o.record.publicKey === null) throw new StrongboxError('UNSUPPORTED_OPERATION', `${o.record.type} keys have no public key`);
  return o.record.publicKey;
}

/**
 * The plaintext secret of a marked object (symmetric: raw bytes; P-256 and RSA: PKCS#8 DER). The caller has
 * already been authorized for keys:export-plaintext; this checks the mark and the key type again.
 */
export async function releaseKmipPlaintext(ctx: Ctx, o: KmipObject): Promise<{ format: 'raw' | 'pkcs8'; material: Uint8Array }> {
  if (!o.plaintextExport || o.record.type === 'secp256k1' || o.record.type === 'ed25519') {
    throw new StrongboxError('KEY_NOT_EXPORTABLE', `key ${o.record.id} is not marked for plaintext export to KMIP clients; ask for it wrapped (Key Wrapping Specification)`);
  }
  if (o.record.state === 'pending_deletion' || o.record.state === 'destroyed') assertUsable(o.record);
  const secret = await openKeyMaterial(ctx, o.record);
  // RSA secrets are stored as PKCS#8 DER already (crypto/signers/rsa.ts).
  if (o.record.type === 'rsa2048' || o.record.type === 'rsa3072' || o.record.type === 'rsa4096') return { format: 'pkcs8', material: secret };
  if (o.record.type !== 'p256') return { format: 'raw', material: secret };
  try {
    const alg = signingAlgorithm('p256')!;
    const jwk = { ...alg.toJwk(o.record.publicKey!), d: Buffer.from(secret).toString('base64url') };
    return { format: 'pkcs8', material: new Uint8Array(createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'der' })) };
  } finally {
    wipe(secret);
  }
}

/**
 * The secret of `o` wrapped under the AES key of `wrapping` (RFC 5649 AES Key Wrap with Padding; KMIP
 * Block Cipher Mode "AES Key Wrap Padding"). Both keys' records were authorized by the interface
 * (keys:read on `o`, keys:encrypt on `wrapping`). Digital-asset keys are never wrapped out either.
 */
export async function wrapKmipMaterial(ctx: Ctx, o: KmipObject, wrapping: KmipObject): Promise<Uint8Array> {
  if (o.record.type === 'secp256k1' || o.record.type === 'ed25519') throw new StrongboxError('KEY_NOT_EXPORTABLE', `${o.record.type} keys never leave Strongbox, wrapped or not`);
  if (!o.record.exportable && !o.plaintextExport) throw new StrongboxError('KEY_NOT_EXPORTABLE', `key ${o.record.id} is not exportable`);
  if (wrapping.record.type !== 'aes256') throw new StrongboxError('UNSUPPORTED_OPERATION', 'the wrapping key must be an AES key', { field: 'EncryptionKeyInformation' });
  assertUsable(wrapping.record);
  const kek = await openKeyMaterial(ctx, wrapping.record);
  const secret = await openKeyMaterial(ctx, o.record);
  try {
    return aesKeyWrapPad(kek, secret);
  } finally {
    wipe(kek, secret);
  }
}

export interface KmipCipherParameters {
  mode: 'gcm' | 'cbc';
  /** CBC: PKCS#5 padding (true) or none */
  padded: boolean;
  iv: Uint8Array | undefined;
  aad: Uint8Array;
  tagBytes: number;
  data: Uint8Array;
  /** Decrypt with GCM */
  tag?: Uint8Array;
}

async function aesKey(ctx: Ctx, o: KmipObject): Promise<Uint8Array> {
  if (o.record.type !== 'aes256') throw new StrongboxError('UNSUPPORTED_OPERATION', `${o.record.type} keys cannot encrypt`);
  assertUsable(o.record);
  return openKeyMaterial(ctx, o.record);
}

function cipherError(err: unknown): never {
  if (err instanceof CipherInputError) throw new StrongboxError('INVALID_ARGUMENT', err.message, { field: 'CryptographicParameters' });
  throw err;
}

/** Encrypt under the current version. Without an IV the server makes one (12 bytes GCM, 16 CBC) and returns it. */
export async function kmipEncrypt(ctx: Ctx, o: KmipObject, p: KmipCipherParameters): Promise<{ data: Uint8Array; iv: Uint8Array; tag?: Uint8Array }> {
  if (p.data.length > MAX_KMIP_DATA_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `Data is limited to ${MAX_KMIP_DATA_BYTES} bytes`, { field: 'Data' });
  const key = await aesKey(ctx, o);
  const iv = p.iv ?? randomBytes(p.mode === 'gcm' ? 12 : 16);
  try {
    if (p.mode === 'gcm') {
      const { ciphertext, tag } = gcmEncrypt(key, iv, p.aad, p.data, p.tagBytes);
      return { data: ciphertext, iv, tag };
    }
    return { data: cbcEncrypt(key, iv, p.data, p.padded), iv };
  } catch (err) {
    return cipherError(err);
  } finally {
    wipe(key);
  }
}

export async function kmipDecrypt(ctx: Ctx, o: KmipObject, p: KmipCipherParameters): Promise<Uint8Array> {
  if (p.data.length > MAX_KMIP_DATA_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `Data is limited to ${MAX_KMIP_DATA_BYTES} bytes`, { field: 'Data' });
  if (p.iv === undefined) throw new StrongboxError('INVALID_ARGUMENT', 'IV/Counter/Nonce is required to decrypt', { field: 'IVCounterNonce' });
  const key = await aesKey(ctx, o);
  let out: Uint8Array | undefined;
  try {
    if (p.mode === 'gcm') {
      if (p.tag === undefined) throw new StrongboxError('INVALID_ARGUMENT', 'Authenticated Encryption Tag is required for GCM', { field: 'AuthenticatedEncryptionTag' });
      out = gcmDecrypt(key, p.iv, p.aad, p.data, p.tag);
    } else {
      out = cbcDecrypt(key, p.iv, p.data, p.padded);
    }
  } catch (err) {
    return cipherError(err);
  } finally {
    wipe(key);
  }
  if (out === undefined) throw new StrongboxError('DECRYPTION_FAILED', 'the ciphertext did not decrypt under this key (wrong key, IV, tag, AAD or padding)', { field: 'Data' });
  return out;
}
