/**
 * FROST threshold Schnorr signatures (RFC 9591) through @noble/curves' implementation: this module
 * only picks the ciphersuite and converts its packages to and from hex for the wire and the sealed
 * share. Every group operation, hash, nonce and proof of knowledge is noble's. What noble leaves to
 * the application — authenticated transport, sessions, the one-time use of nonces across crashes,
 * policy — is Strongbox's (service/threshold/, docs/threshold.md).
 *
 * Suites:
 * - `ed25519`: FROST(Ed25519, SHA-512), RFC 9591 §6.1; signatures are RFC 8032 Ed25519 signatures.
 * - `secp256k1-tr`: FROST(secp256k1, SHA-256) with BIP340/Taproot output (noble's schnorr_FROST, the
 *   frost-secp256k1-tr suite of the Zcash Foundation's implementation): even-Y group key and nonces,
 *   64-byte BIP340 signatures, and DKG output tweaked with the empty Taproot merkle root (BIP86).
 * - `secp256k1`: plain FROST(secp256k1, SHA-256), RFC 9591 §6.5 — only for the RFC's vectors.
 */
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js';
import type { DKG_Round1, DKG_Round2, DKG_Secret, FROST, FrostPublic, FrostSecret, NonceCommitments, Nonces } from '@noble/curves/abstract/frost.js';

export type { DKG_Round1, DKG_Round2, DKG_Secret, FrostPublic, FrostSecret, NonceCommitments, Nonces };

export type FrostSuiteName = 'ed25519' | 'secp256k1' | 'secp256k1-tr';

export function frostSuite(name: FrostSuiteName): FROST {
  switch (name) {
    case 'ed25519':
      return ed25519_FROST;
    case 'secp256k1':
      return secp256k1_FROST;
    case 'secp256k1-tr':
      return schnorr_FROST;
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array<ArrayBuffer> => Uint8Array.from(Buffer.from(h, 'hex'));

/** The public key package, hex-encoded (what every participant stores beside its share). */
export interface FrostPublicJson {
  min: number;
  max: number;
  commitments: string[];
  verifyingShares: Record<string, string>;
}

export function publicToJson(pub: FrostPublic): FrostPublicJson {
  const verifyingShares: Record<string, string> = Object.create(null);
  for (const [id, share] of Object.entries(pub.verifyingShares)) verifyingShares[id] = hex(share);
  return { min: pub.signers.min, max: pub.signers.max, commitments: pub.commitments.map(hex), verifyingShares };
}

export function publicFromJson(json: FrostPublicJson): FrostPublic {
  const verifyingShares: Record<string, Uint8Array<ArrayBuffer>> = Object.create(null);
  for (const [id, share] of Object.entries(json.verifyingShares)) verifyingShares[id] = bytes(share);
  return { signers: { min: json.min, max: json.max }, commitments: json.commitments.map(bytes), verifyingShares };
}

export interface Round1Json {
  identifier: string;
  commitment: string[];
  proofOfKnowledge: string;
}

export function round1ToJson(r: DKG_Round1): Round1Json {
  return { identifier: r.identifier, commitment: r.commitment.map(hex), proofOfKnowledge: hex(r.proofOfKnowledge) };
}

export function round1FromJson(r: Round1Json): DKG_Round1 {
  return { identifier: r.identifier, commitment: r.commitment.map(bytes), proofOfKnowledge: bytes(r.proofOfKnowledge) };
}

export interface CommitmentJson {
  identifier: string;
  hiding: string;
  binding: string;
}

export function commitmentToJson(c: NonceCommitments): CommitmentJson {
  return { identifier: c.identifier, hiding: hex(c.hiding), binding: hex(c.binding) };
}

export function commitmentFromJson(c: CommitmentJson): NonceCommitments {
  return { identifier: c.identifier, hiding: bytes(c.hiding), binding: bytes(c.binding) };
}

/**
 * The group's verifying key as the chain sees it: the 32-byte Ed25519 public key, or for Taproot the
 * 32-byte x-only output key Q (the DKG output is already BIP86-tweaked).
 */
export function groupVerifyingKey(suite: FrostSuiteName, pub: FrostPublic): Uint8Array {
  const key = pub.commitments[0]!;
  return suite === 'secp256k1-tr' ? key.subarray(key.byteLength - 32) : key;
}

/**
 * The untweaked Taproot internal key P of a DKG (uncompressed SEC1, even Y): the sum of every
 * participant's constant-term commitment, which noble tweaks into the output key Q = P + H(P)·G.
 * Strongbox stores P as the key's public key so that the ordinary BIP86 P2TR script of P is Q's.
 */
export function taprootInternalKey(round1: readonly DKG_Round1[]): Uint8Array {
  let sum = secp256k1.Point.ZERO;
  for (const r of round1) sum = sum.add(secp256k1.Point.fromBytes(r.commitment[0]!));
  const even = sum.y % 2n === 0n ? sum : sum.negate();
  return even.toBytes(false);
}

/** Independent of FROST's own verify: the chain's verification of the aggregate signature. */
export function verifyGroupSignature(suite: FrostSuiteName, signature: Uint8Array, message: Uint8Array, verifyingKey: Uint8Array): boolean {
  try {
    if (suite === 'ed25519') return ed25519.verify(signature, message, verifyingKey, { zip215: false });
    if (suite === 'secp256k1-tr') return schnorr.verify(signature, message, verifyingKey);
    return secp256k1_FROST.verify(signature, message, verifyingKey);
  } catch {
    return false;
  }
}

/** A verifying share (G·share) for a known signing share: used only to assemble the RFC vectors' packages. */
export function verifyingShareOf(suite: FrostSuiteName, signingShare: Uint8Array): Uint8Array {
  if (suite === 'ed25519') return ed25519.Point.BASE.multiply(ed25519.Point.Fn.fromBytes(signingShare)).toBytes();
  return secp256k1.Point.BASE.multiply(secp256k1.Point.Fn.fromBytes(signingShare)).toBytes(true);
}

export { hex as toHex, bytes as fromHex };
