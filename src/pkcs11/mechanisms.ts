/**
 * The mechanisms the token offers, and each one's translation into one service call.
 *
 * ECDSA (P-256, secp256k1): CKM_ECDSA signs a hash the caller computed (PKCS#11 v3.0 §2.3.6: any
 * length; shorter hashes are left-padded with zeros and longer ones truncated to the curve's 256 bits,
 * which is exactly how ECDSA turns a hash into an integer), CKM_ECDSA_SHA256 hashes the message
 * here. Signatures are r‖s (64 bytes). Ed25519: CKM_EDDSA, PureEdDSA over the message (no
 * parameters). HMAC: CKM_SHA256_HMAC. AES: CKM_AES_GCM through Strongbox's own ciphertext format.
 *
 * RSA (rsa2048/3072/4096): CKM_RSA_PKCS signs a DER DigestInfo the caller built (SHA-256/384/512,
 * RFC 8017 §9.2) with PKCS#1 v1.5, CKM_SHA256_RSA_PKCS hashes the message here; CKM_RSA_PKCS_PSS
 * signs a digest the caller computed, CKM_SHA256_RSA_PKCS_PSS hashes here, both with MGF1 over the
 * same hash and a salt as long as it (the only PSS Strongbox makes: rsa-parameters.ts checks the
 * CK_RSA_PKCS_PSS_PARAMS); CKM_RSA_PKCS_OAEP encrypts and decrypts (SHA-256 or SHA-1, with the
 * label as source data); CKM_RSA_PKCS_KEY_PAIR_GEN makes a key of CKA_MODULUS_BITS with exponent 65537.
 */
import { createHash } from 'node:crypto';
import type { KeyType } from '../protocol/types.js';
import { CKF_MECHANISM as F, CKM } from './constants.js';

export type Operation = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'digest' | 'generate' | 'generateKeyPair';

export interface MechanismSpec {
  type: number;
  name: string;
  /** key types it works with (empty for digests) */
  keyTypes: readonly string[];
  operations: readonly Operation[];
  minKeySize: number;
  maxKeySize: number;
  flags: number;
  /** bytes of a signature / digest (for size queries before anything is computed) */
  outputBytes?: number;
}

const RSA_TYPES = ['rsa2048', 'rsa3072', 'rsa4096'] as const;

const EC = ['p256', 'secp256k1'] as const;
const ALL: MechanismSpec[] = [
  { type: CKM.EC_KEY_PAIR_GEN, name: 'CKM_EC_KEY_PAIR_GEN', keyTypes: EC, operations: ['generateKeyPair'], minKeySize: 256, maxKeySize: 256, flags: F.HW | F.GENERATE_KEY_PAIR | F.EC_F_P | F.EC_NAMEDCURVE | F.EC_UNCOMPRESS },
  { type: CKM.ECDSA, name: 'CKM_ECDSA', keyTypes: EC, operations: ['sign', 'verify'], minKeySize: 256, maxKeySize: 256, flags: F.HW | F.SIGN | F.VERIFY | F.EC_F_P | F.EC_NAMEDCURVE | F.EC_UNCOMPRESS, outputBytes: 64 },
  { type: CKM.ECDSA_SHA256, name: 'CKM_ECDSA_SHA256', keyTypes: EC, operations: ['sign', 'verify'], minKeySize: 256, maxKeySize: 256, flags: F.HW | F.SIGN | F.VERIFY | F.EC_F_P | F.EC_NAMEDCURVE | F.EC_UNCOMPRESS, outputBytes: 64 },
  { type: CKM.EC_EDWARDS_KEY_PAIR_GEN, name: 'CKM_EC_EDWARDS_KEY_PAIR_GEN', keyTypes: ['ed25519'], operations: ['generateKeyPair'], minKeySize: 255, maxKeySize: 255, flags: F.HW | F.GENERATE_KEY_PAIR },
  { type: CKM.EDDSA, name: 'CKM_EDDSA', keyTypes: ['ed25519'], operations: ['sign', 'verify'], minKeySize: 255, maxKeySize: 255, flags: F.HW | F.SIGN | F.VERIFY, outputBytes: 64 },
  { type: CKM.AES_KEY_GEN, name: 'CKM_AES_KEY_GEN', keyTypes: ['aes256'], operations: ['generate'], minKeySize: 32, maxKeySize: 32, flags: F.HW | F.GENERATE },
  { type: CKM.AES_GCM, name: 'CKM_AES_GCM', keyTypes: ['aes256'], operations: ['encrypt', 'decrypt'], minKeySize: 32, maxKeySize: 32, flags: F.HW | F.ENCRYPT | F.DECRYPT },
  { type: CKM.GENERIC_SECRET_KEY_GEN, name: 'CKM_GENERIC_SECRET_KEY_GEN', keyTypes: ['hmac256'], operations: ['generate'], minKeySize: 32, maxKeySize: 32, flags: F.HW | F.GENERATE },
  { type: CKM.SHA256_HMAC, name: 'CKM_SHA256_HMAC', keyTypes: ['hmac256'], operations: ['sign', 'verify'], minKeySize: 32, maxKeySize: 32, flags: F.HW | F.SIGN | F.VERIFY, outputBytes: 32 },
  { type: CKM.SHA_1, name: 'CKM_SHA_1', keyTypes: [], operations: ['digest'], minKeySize: 0, maxKeySize: 0, flags: F.DIGEST, outputBytes: 20 },
  { type: CKM.SHA256, name: 'CKM_SHA256', keyTypes: [], operations: ['digest'], minKeySize: 0, maxKeySize: 0, flags: F.DIGEST, outputBytes: 32 },
  { type: CKM.SHA384, name: 'CKM_SHA384', keyTypes: [], operations: ['digest'], minKeySize: 0, maxKeySize: 0, flags: F.DIGEST, outputBytes: 48 },
  { type: CKM.SHA512, name: 'CKM_SHA512', keyTypes: [], operations: ['digest'], minKeySize: 0, maxKeySize: 0, flags: F.DIGEST, outputBytes: 64 },
  { type: CKM.RSA_PKCS_KEY_PAIR_GEN, name: 'CKM_RSA_PKCS_KEY_PAIR_GEN', keyTypes: RSA_TYPES, operations: ['generateKeyPair'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.GENERATE_KEY_PAIR },
  { type: CKM.RSA_PKCS, name: 'CKM_RSA_PKCS', keyTypes: RSA_TYPES, operations: ['sign', 'verify'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.SIGN | F.VERIFY },
  { type: CKM.SHA256_RSA_PKCS, name: 'CKM_SHA256_RSA_PKCS', keyTypes: RSA_TYPES, operations: ['sign', 'verify'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.SIGN | F.VERIFY },
  { type: CKM.RSA_PKCS_PSS, name: 'CKM_RSA_PKCS_PSS', keyTypes: RSA_TYPES, operations: ['sign', 'verify'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.SIGN | F.VERIFY },
  { type: CKM.SHA256_RSA_PKCS_PSS, name: 'CKM_SHA256_RSA_PKCS_PSS', keyTypes: RSA_TYPES, operations: ['sign', 'verify'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.SIGN | F.VERIFY },
  { type: CKM.RSA_PKCS_OAEP, name: 'CKM_RSA_PKCS_OAEP', keyTypes: RSA_TYPES, operations: ['encrypt', 'decrypt'], minKeySize: 2048, maxKeySize: 4096, flags: F.HW | F.ENCRYPT | F.DECRYPT },
];

/** The mechanisms offered (C_GetMechanismList), in a Map by type. */
export const mechanisms = new Map<number, MechanismSpec>(ALL.map((m) => [m.type, m]));

/** The mechanism, if offered, usable for `op` with a key of `type`. */
export function mechanismFor(type: number, op: Operation, keyType: KeyType | undefined): MechanismSpec | undefined {
  const m = mechanisms.get(type);
  if (m === undefined || !m.operations.includes(op)) return undefined;
  if (keyType !== undefined && !m.keyTypes.includes(keyType)) return undefined;
  return m;
}

const DIGESTS = new Map<number, string>([
  [CKM.SHA_1, 'sha1'],
  [CKM.SHA256, 'sha256'],
  [CKM.SHA384, 'sha384'],
  [CKM.SHA512, 'sha512'],
]);

/** A running digest (C_Digest*): hashing is not key use, so it runs here, not in a service. */
export function createDigest(type: number): { update(data: Uint8Array): void; final(): Uint8Array } {
  const h = createHash(DIGESTS.get(type)!);
  return { update: (d) => void h.update(d), final: () => new Uint8Array(h.digest()) };
}

/** CKM_ECDSA input → the 32-byte digest ECDSA on a 256-bit curve uses (SEC 1 §4.1.3 step 5). */
export function ecdsaDigest(hash: Uint8Array): Uint8Array {
  if (hash.length >= 32) return hash.slice(0, 32);
  const out = new Uint8Array(32);
  out.set(hash, 32 - hash.length);
  return out;
}
