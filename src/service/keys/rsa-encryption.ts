/**
 * RSAES-OAEP (RFC 8017 §7.1) with an RSA key: encryption to its public key (which any holder of the
 * public key can also do client-side) and decryption with its private key. The hash names both the
 * OAEP hash and MGF1's: RSAES_OAEP_SHA_256 (default) or RSAES_OAEP_SHA_1 (AWS KMS compatibility).
 * PKCS#1 v1.5 encryption is not offered: its decryption is a padding oracle (Bleichenbacher 1998).
 * Every decryption failure answers the same DECRYPTION_FAILED, whatever step failed.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseHex, toHex } from '../../protocol/hex.js';
import { rsaEncryptionAlgorithms, type RsaEncryptionAlgorithm } from '../../protocol/types.js';
import { requireDecryptingAlgorithm } from '../../crypto/algorithms.js';
import type { OaepParameters } from '../../crypto/signers/types.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey, type KeyRef } from '../shared/resolve-key.js';

/** An OAEP label longer than this is refused (labels are short context strings in practice). */
export const MAX_OAEP_LABEL_BYTES = 8 * 1024;

export interface RsaEncryptionFields {
  /** default RSAES_OAEP_SHA_256 */
  algorithm?: RsaEncryptionAlgorithm;
  /** 0x-hex OAEP label (default empty) */
  label?: string;
}

export interface RsaEncryptParameters extends RsaEncryptionFields {
  key: KeyRef;
  plaintext: string;
}

export interface RsaDecryptParameters extends RsaEncryptionFields {
  key: KeyRef;
  ciphertext: string;
}

function toOaep(fields: RsaEncryptionFields): { algorithm: RsaEncryptionAlgorithm; oaep: OaepParameters } {
  const algorithm = fields.algorithm ?? 'RSAES_OAEP_SHA_256';
  if (!rsaEncryptionAlgorithms.includes(algorithm)) {
    throw new StrongboxError('INVALID_ARGUMENT', `algorithm must be one of ${rsaEncryptionAlgorithms.join(', ')}`, { field: 'algorithm' });
  }
  const label = fields.label === undefined ? new Uint8Array(0) : parseHex(fields.label, { field: 'label', maxBytes: MAX_OAEP_LABEL_BYTES });
  return { algorithm, oaep: { hash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256', label } };
}

export async function rsaEncrypt(
  ctx: Pick<ServiceContext, 'store' | 'barrier'>,
  params: RsaEncryptParameters,
): Promise<{ ciphertext: `0x${string}`; keyVersion: number; algorithm: RsaEncryptionAlgorithm }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, params.key);
  const alg = requireDecryptingAlgorithm(record.type, 'encrypt');
  assertUsable(record);
  const { algorithm, oaep } = toOaep(params);
  const plaintext = parseHex(params.plaintext, { field: 'plaintext', maxBytes: 512 });
  const ciphertext = alg.encrypt(record.publicKey!, plaintext, oaep);
  plaintext.fill(0);
  return { ciphertext: toHex(ciphertext), keyVersion: record.currentVersion, algorithm };
}

export async function rsaDecrypt(
  ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'> & Partial<Pick<ServiceContext, 'metrics'>>,
  params: RsaDecryptParameters,
): Promise<{ plaintext: `0x${string}`; keyVersion: number; algorithm: RsaEncryptionAlgorithm }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, params.key);
  requireDecryptingAlgorithm(record.type, 'decrypt');
  assertUsable(record);
  const { algorithm, oaep } = toOaep(params);
  const ciphertext = parseHex(params.ciphertext, { field: 'ciphertext', minBytes: 1, maxBytes: 512 });
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'signer' || loaded.signer.decrypt === undefined) throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  const plaintext = loaded.signer.decrypt(ciphertext, oaep);
  const out = { plaintext: toHex(plaintext), keyVersion: record.currentVersion, algorithm };
  plaintext.fill(0);
  return out;
}
