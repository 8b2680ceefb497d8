/**
 * Envelope format v1 — the self-describing ciphertext every sealed record uses.
 *
 *   byte 0      format version (0x01)
 *   bytes 1-4   keyring term, uint32 big-endian (0 = sealed directly under the root or unseal key)
 *   bytes 5-16  96-bit AES-GCM nonce
 *   bytes 17-   ciphertext, then the 16-byte GCM tag
 *
 * AAD = the 5 header bytes || the record's identity (e.g. "key:<id>:v<version>:<type>"), so a
 * blob moved to another record, or a header edited to another term, fails authentication.
 * This layout is frozen: test/vectors/golden-envelope-v1.test.ts decrypts golden files forever.
 */
import { AeadAuthenticationError, aesGcmDecrypt, aesGcmEncrypt, GCM_NONCE_BYTES, GCM_TAG_BYTES } from '../crypto/aead.js';

export const ENVELOPE_V1 = 0x01;
const HEADER_BYTES = 5;
const MIN_BYTES = HEADER_BYTES + GCM_NONCE_BYTES + GCM_TAG_BYTES;

export class EnvelopeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeFormatError';
  }
}

export interface EnvelopeHeader {
  version: number;
  term: number;
}

export function readEnvelopeHeader(envelope: Uint8Array): EnvelopeHeader {
  if (envelope.byteLength < MIN_BYTES) throw new EnvelopeFormatError('envelope too short');
  const version = envelope[0]!;
  if (version !== ENVELOPE_V1) throw new EnvelopeFormatError(`unknown envelope version ${version}`);
  const term = new DataView(envelope.buffer, envelope.byteOffset + 1, 4).getUint32(0, false);
  return { version, term };
}

function aadFor(header: Uint8Array, context: string): Uint8Array {
  const ctx = Buffer.from(context, 'utf8');
  const aad = new Uint8Array(header.byteLength + ctx.byteLength);
  aad.set(header, 0);
  aad.set(ctx, header.byteLength);
  return aad;
}

export function sealEnvelope(key: Uint8Array, term: number, plaintext: Uint8Array, context: string): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = ENVELOPE_V1;
  new DataView(header.buffer).setUint32(1, term, false);
  const { nonce, ciphertext, tag } = aesGcmEncrypt(key, plaintext, aadFor(header, context));
  const out = new Uint8Array(HEADER_BYTES + nonce.byteLength + ciphertext.byteLength + tag.byteLength);
  out.set(header, 0);
  out.set(nonce, HEADER_BYTES);
  out.set(ciphertext, HEADER_BYTES + nonce.byteLength);
  out.set(tag, out.byteLength - GCM_TAG_BYTES);
  return out;
}

/** Throws EnvelopeFormatError or AeadAuthenticationError; the caller maps them to DATA_LOSS. */
export function openEnvelope(key: Uint8Array, envelope: Uint8Array, context: string): Uint8Array {
  readEnvelopeHeader(envelope);
  const header = envelope.subarray(0, HEADER_BYTES);
  const nonce = envelope.subarray(HEADER_BYTES, HEADER_BYTES + GCM_NONCE_BYTES);
  const ciphertext = envelope.subarray(HEADER_BYTES + GCM_NONCE_BYTES, envelope.byteLength - GCM_TAG_BYTES);
  const tag = envelope.subarray(envelope.byteLength - GCM_TAG_BYTES);
  return aesGcmDecrypt(key, { nonce, ciphertext, tag }, aadFor(header, context));
}

export { AeadAuthenticationError };
