/**
 * Shamir unseal provider: a random 256-bit unseal key seals the root key (envelope v1, term 0,
 * AAD "strongbox/root-key"); the unseal key is split with Shamir's secret sharing over GF(2^8)
 * (the audited `shamir-secret-sharing` library) and only the shares leave the process.
 *
 * Share encoding: byte 0 = share format (0x01), byte 1 = threshold M, then the payload:
 * the library's share (secret bytes + x coordinate) when M ≥ 2, or the unseal key itself when
 * M = 1 (a degree-0 polynomial: every share is the secret; the library requires M ≥ 2).
 *
 * Share commitments (`commitShares`, `isCommittedShare`) let a ceremony refuse a share that is not one of
 * the set as soon as it is submitted, instead of learning it only when the quorum fails to combine.
 */
import { combine, split } from 'shamir-secret-sharing';
import { AES_KEY_BYTES } from '../../crypto/aead.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { hmacSha256 } from '../../crypto/hmac.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { openEnvelope, sealEnvelope } from '../../keyring/envelope.js';
import { DIRECT_TERM, ROOT_KEY_CONTEXT } from '../../keyring/barrier.js';
import { UnsealRejectedError, type ProtectResult, type SealConfig, type ShareCommitments, type UnsealInput, type UnsealProvider } from '../types.js';

export const SHARE_FORMAT_V1 = 0x01;
export const MAX_SHARES = 16;

export interface DecodedShare {
  threshold: number;
  payload: Uint8Array;
}

/** Validates a share's structure (not its value: only the combination can be checked). */
export function decodeShare(share: Uint8Array): DecodedShare {
  if (share.byteLength < 2 || share[0] !== SHARE_FORMAT_V1) throw new UnsealRejectedError('share has an unknown format');
  const threshold = share[1]!;
  const expected = threshold === 1 ? AES_KEY_BYTES : AES_KEY_BYTES + 1;
  if (threshold < 1 || threshold > MAX_SHARES || share.byteLength !== 2 + expected) {
    throw new UnsealRejectedError('share has the wrong length for its format');
  }
  return { threshold, payload: share.subarray(2) };
}

function encodeShare(threshold: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + payload.byteLength);
  out[0] = SHARE_FORMAT_V1;
  out[1] = threshold;
  out.set(payload, 2);
  return out;
}

/** Domain separation: these MACs can never collide with another use of HMAC-SHA-256 in Strongbox. */
const COMMITMENT_CONTEXT = Buffer.from('strongbox/share-commitment/v1\0', 'ascii');
const COMMITMENT_SALT_BYTES = 32;

function commitment(salt: Uint8Array, share: Uint8Array): Uint8Array {
  const message = new Uint8Array(COMMITMENT_CONTEXT.byteLength + share.byteLength);
  message.set(COMMITMENT_CONTEXT, 0);
  message.set(share, COMMITMENT_CONTEXT.byteLength);
  try {
    return hmacSha256(salt, message);
  } finally {
    wipe(message);
  }
}

/**
 * Commits to every share of a freshly made set (fresh salt per set). What a commitment reveals: each
 * share carries 256 bits of entropy (the y-values of random polynomials — any M − 1 of them are
 * uniform and independent of the secret — or, for M = 1, the random unseal key itself), and the hash
 * covers all of its bytes at once, so it offers only a 2^256 guessing target; the sealed root key in
 * the same table is already a verifier for the unseal key at that cost. The salt rules out
 * precomputation across installations and share sets.
 */
export function commitShares(shares: readonly Uint8Array[]): ShareCommitments {
  const salt = randomBytes(COMMITMENT_SALT_BYTES);
  const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
  return { version: 1, salt: hex(salt), hashes: shares.map((s) => hex(commitment(salt, s))) };
}

/** Whether `share` is one of the committed set (every commitment compared, in constant time). */
export function isCommittedShare(share: Uint8Array, commitments: ShareCommitments): boolean {
  const mine = commitment(Buffer.from(commitments.salt, 'hex'), share);
  let found = false;
  for (const h of commitments.hashes) found = constantTimeEqual(mine, Buffer.from(h, 'hex')) || found;
  return found;
}

export function assertShareCounts(shares: number, threshold: number): void {
  if (!Number.isInteger(shares) || !Number.isInteger(threshold) || threshold < 1 || shares < threshold || shares > MAX_SHARES) {
    throw new RangeError(`need 1 ≤ threshold ≤ shares ≤ ${MAX_SHARES}`);
  }
}

export function createShamirProvider(): UnsealProvider {
  return {
    type: 'shamir',
    autoUnseal: false,

    async protect(rootKey: Uint8Array, config: SealConfig): Promise<ProtectResult> {
      assertShareCounts(config.shares, config.threshold);
      const unsealKey = randomBytes(AES_KEY_BYTES);
      try {
        const sealedRootKey = sealEnvelope(unsealKey, DIRECT_TERM, rootKey, ROOT_KEY_CONTEXT);
        const raw = config.threshold === 1
          ? Array.from({ length: config.shares }, () => unsealKey.slice())
          : await split(unsealKey, config.shares, config.threshold);
        const shares = raw.map((payload) => encodeShare(config.threshold, payload));
        wipe(...raw);
        return { sealedRootKey, shares };
      } finally {
        wipe(unsealKey);
      }
    },

    async recover(sealedRootKey: Uint8Array, input: UnsealInput, config: SealConfig): Promise<Uint8Array> {
      const decoded = input.shares.map(decodeShare);
      if (decoded.some((s) => s.threshold !== config.threshold)) throw new UnsealRejectedError('share belongs to a different share set');
      if (decoded.length < config.threshold) throw new UnsealRejectedError('not enough shares');
      let unsealKey: Uint8Array | undefined;
      try {
        unsealKey = config.threshold === 1 ? decoded[0]!.payload.slice() : await combine(decoded.map((s) => s.payload));
        return openEnvelope(unsealKey, sealedRootKey, ROOT_KEY_CONTEXT);
      } catch {
        // A wrong or mistyped share yields a wrong unseal key; GCM authentication catches it.
        throw new UnsealRejectedError('the shares do not reconstruct the unseal key');
      } finally {
        wipe(unsealKey);
      }
    },
  };
}
