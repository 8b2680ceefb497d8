/**
 * Turns the sign/verify request fields into what an algorithm signs: ECDSA keys sign a 32-byte
 * digest (given, or the message hashed with `hash`); Ed25519 signs the message itself (PureEdDSA).
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex } from '../../protocol/hex.js';
import type { HashName, SignatureEncoding } from '../../protocol/types.js';
import { keccak256, sha256 } from '../../crypto/hash.js';
import type { AsymmetricAlgorithm, SignPayload } from '../../crypto/signers/types.js';

export interface PayloadFields {
  digest?: string;
  message?: string;
  hash?: HashName;
  encoding?: SignatureEncoding;
}

/** Upper bound on a message to sign (the HTTP body limit is 1 MiB of hex). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export function toSignPayload(alg: AsymmetricAlgorithm, fields: PayloadFields): SignPayload {
  if ((fields.digest === undefined) === (fields.message === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of digest or message', { field: fields.digest === undefined ? 'message' : 'digest' });
  }
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
