/**
 * Turns the sign/verify request fields into what an algorithm signs: ECDSA keys sign a 32-byte
 * digest (given, or the message hashed with `hash`); Ed25519 signs the message itself (PureEdDSA);
 * RSA keys sign a digest of the `hash` named (given, or the message hashed with it) with `padding`.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import { rsaPaddings, type HashName, type RsaPadding, type SignatureEncoding } from '../../protocol/types.js';
import { digestBytes, digestOf, keccak256, sha256 } from '../../crypto/hash.js';
import type { AsymmetricAlgorithm, SignPayload } from '../../crypto/signers/types.js';

export interface PayloadFields {
  digest?: string;
  message?: string;
  /** ECDSA: the hash applied to message; RSA: the hash of the digest (given or computed), sha256 by default */
  hash?: HashName;
  encoding?: SignatureEncoding;
  /** RSA only: pss (default; salt length = hash length, MGF1 with the same hash) or pkcs1 (v1.5) */
  padding?: RsaPadding;
}

/** RSA: digest + hash + padding, validated; the digest's length must be the hash's. */
function toRsaPayload(alg: AsymmetricAlgorithm, fields: PayloadFields): SignPayload {
  const hash = fields.hash ?? 'sha256';
  if (!alg.hashes.includes(hash)) throw new StrongboxError('INVALID_ARGUMENT', `${alg.type} supports hash ${alg.hashes.join(', ')}`, { field: 'hash' });
  const padding = fields.padding ?? alg.paddings![0]!;
  if (!rsaPaddings.includes(padding)) throw new StrongboxError('INVALID_ARGUMENT', `padding must be one of ${rsaPaddings.join(', ')}`, { field: 'padding' });
  if (fields.digest !== undefined) {
    const bytes = digestBytes(hash);
    return { kind: 'digest', digest: parseHex(fields.digest, { field: 'digest', bytes }), hash, padding };
  }
  const message = parseHex(fields.message, { field: 'message', maxBytes: MAX_MESSAGE_BYTES });
  return { kind: 'digest', digest: digestOf(hash, message), hash, padding };
}

/** Upper bound on a message to sign (the HTTP body limit is 1 MiB of hex). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export function toSignPayload(alg: AsymmetricAlgorithm, fields: PayloadFields): SignPayload {
  if ((fields.digest === undefined) === (fields.message === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of digest or message', { field: fields.digest === undefined ? 'message' : 'digest' });
  }
  if (alg.paddings !== undefined) return toRsaPayload(alg, fields);
  if (fields.padding !== undefined) throw new StrongboxError('INVALID_ARGUMENT', `padding applies to RSA keys, not ${alg.type}`, { field: 'padding' });
  if (fields.digest !== undefined) {
    if (!alg.signsDigests) throw new StrongboxError('UNSUPPORTED_OPERATION', `${alg.type} keys sign messages, not digests (PureEdDSA)`, { field: 'digest' });
    if (fields.hash !== undefined) throw new StrongboxError('INVALID_ARGUMENT', 'hash applies to message, not to a precomputed digest', { field: 'hash' });
    return { kind: 'digest', digest: parseHex(fields.digest, { field: 'digest', bytes: 32 }) };
  }
  const message = parseHex(fields.message, { field: 'message', maxBytes: MAX_MESSAGE_BYTES });
  if (!alg.signsDigests) {
    if (fields.hash !== undefined) throw new StrongboxError('INVALID_ARGUMENT', `${alg.type} signs the message itself; hash is not accepted`, { field: 'hash' });
    return { kind: 'message', message };
  }
  const hash = fields.hash ?? 'sha256';
  if (!alg.hashes.includes(hash)) throw new StrongboxError('INVALID_ARGUMENT', `${alg.type} supports hash ${alg.hashes.join(' or ')}`, { field: 'hash' });
  return { kind: 'digest', digest: hash === 'keccak256' ? keccak256(message) : sha256(message) };
}

export function toEncoding(alg: AsymmetricAlgorithm, encoding: SignatureEncoding | undefined): SignatureEncoding {
  const chosen = encoding ?? alg.defaultEncoding;
  if (!alg.encodings.includes(chosen)) {
    throw new StrongboxError('INVALID_ARGUMENT', `${alg.type} signatures support encoding ${alg.encodings.join(', ')}`, { field: 'encoding' });
  }
  return chosen;
}
