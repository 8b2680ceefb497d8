/**
 * The inputs of the RSA mechanisms, checked before any key is used (PKCS#11 v3.0 current
 * mechanisms §2.1): the DigestInfo CKM_RSA_PKCS signs, CK_RSA_PKCS_PSS_PARAMS (§2.1.13) and
 * CK_RSA_PKCS_OAEP_PARAMS (§2.1.8). Pure functions: a malformed input is a Pkcs11Error carrying
 * the PKCS#11 return value, never another exception.
 *
 * Strongbox's RSA signer makes PSS signatures with MGF1 over the signing hash and a salt as long as
 * the hash (service/shared/sign-payload.ts), and OAEP with SHA-256 or SHA-1 for both the hash and
 * MGF1 (service/keys/rsa-encryption.ts): parameters naming anything else are refused.
 */
import type { RsaEncryptionAlgorithm } from '../protocol/types.js';
import { CKG, CKM, CKR, CKZ_DATA_SPECIFIED } from './constants.js';
import type { Mechanism, OaepParameters, PssParameters } from './rpc-calls.js';
import { Pkcs11Error } from './errors.js';
import { MAX_OAEP_LABEL_BYTES } from '../service/keys/rsa-encryption.js';

export type RsaSignHash = 'sha256' | 'sha384' | 'sha512';

/**
 * DER DigestInfo prefixes, RFC 8017 §9.2 note 1: SEQUENCE { AlgorithmIdentifier { OID, NULL },
 * OCTET STRING (digest) }. For a given hash the encoding is fixed up to the digest itself.
 */
const DIGEST_INFO_PREFIXES: ReadonlyArray<{ hash: RsaSignHash; prefix: string; bytes: number }> = [
  { hash: 'sha256', prefix: '3031300d060960864801650304020105000420', bytes: 32 },
  { hash: 'sha384', prefix: '3041300d060960864801650304020205000430', bytes: 48 },
  { hash: 'sha512', prefix: '3051300d060960864801650304020305000440', bytes: 64 },
];

/** CKM_RSA_PKCS input → the hash and digest it names; any other input is CKR_DATA_INVALID. */
export function parseDigestInfo(data: Uint8Array): { hash: RsaSignHash; digest: Uint8Array } {
  for (const { hash, prefix, bytes } of DIGEST_INFO_PREFIXES) {
    const p = Buffer.from(prefix, 'hex');
    if (data.length === p.length + bytes && Buffer.from(data.subarray(0, p.length)).equals(p)) return { hash, digest: data.slice(p.length) };
  }
  throw new Pkcs11Error(CKR.DATA_INVALID, 'CKM_RSA_PKCS signs a DER DigestInfo of SHA-256, SHA-384 or SHA-512 (RFC 8017 §9.2)');
}

/** The DigestInfo of a digest (for CKM_RSA_PKCS verification and tests). */
export function toDigestInfo(hash: RsaSignHash, digest: Uint8Array): Uint8Array {
  const entry = DIGEST_INFO_PREFIXES.find((e) => e.hash === hash)!;
  return new Uint8Array(Buffer.concat([Buffer.from(entry.prefix, 'hex'), digest]));
}

const PSS_HASHES = new Map<bigint, { hash: RsaSignHash; mgf: bigint; bytes: number }>([
  [BigInt(CKM.SHA256), { hash: 'sha256', mgf: BigInt(CKG.MGF1_SHA256), bytes: 32 }],
  [BigInt(CKM.SHA384), { hash: 'sha384', mgf: BigInt(CKG.MGF1_SHA384), bytes: 48 }],
  [BigInt(CKM.SHA512), { hash: 'sha512', mgf: BigInt(CKG.MGF1_SHA512), bytes: 64 }],
]);

const isObject = (p: Mechanism['parameter']): p is PssParameters | OaepParameters => p !== null && !(p instanceof Uint8Array);

/**
 * CK_RSA_PKCS_PSS_PARAMS → the hash. The p11-kit protocol decodes the structure for CKM_RSA_PKCS_PSS;
 * for CKM_SHA256_RSA_PKCS_PSS it is carried as the C structure's bytes (three CK_ULONGs, native
 * little-endian on the 64-bit platforms Strongbox runs on), read here the same way.
 */
export function pssParameters(mech: Mechanism): { hash: RsaSignHash; bytes: number } {
  const invalid = (why: string) => new Pkcs11Error(CKR.MECHANISM_PARAM_INVALID, `CK_RSA_PKCS_PSS_PARAMS: ${why}`);
  let p: { hashAlg: bigint; mgf: bigint; sLen: bigint };
  if (isObject(mech.parameter)) {
    if (mech.parameter.kind !== 'pss') throw invalid('not a PSS parameter');
    p = mech.parameter;
  } else if (mech.parameter instanceof Uint8Array && mech.parameter.length === 24) {
    const b = Buffer.from(mech.parameter);
    p = { hashAlg: b.readBigUInt64LE(0), mgf: b.readBigUInt64LE(8), sLen: b.readBigUInt64LE(16) };
  } else throw invalid('required (hashAlg, mgf, sLen)');
  const h = PSS_HASHES.get(p.hashAlg);
  if (h === undefined) throw invalid('hashAlg must be CKM_SHA256, CKM_SHA384 or CKM_SHA512');
  if (mech.type === CKM.SHA256_RSA_PKCS_PSS && h.hash !== 'sha256') throw invalid('CKM_SHA256_RSA_PKCS_PSS takes hashAlg CKM_SHA256');
  if (p.mgf !== h.mgf) throw invalid('mgf must be MGF1 with hashAlg');
  if (p.sLen !== BigInt(h.bytes)) throw invalid(`sLen must be the hash length (${h.bytes})`);
  return { hash: h.hash, bytes: h.bytes };
}

/** CK_RSA_PKCS_OAEP_PARAMS → the Strongbox algorithm and the label (hex, possibly empty). */
export function oaepParameters(mech: Mechanism): { algorithm: RsaEncryptionAlgorithm; label: Uint8Array } {
  const invalid = (why: string) => new Pkcs11Error(CKR.MECHANISM_PARAM_INVALID, `CK_RSA_PKCS_OAEP_PARAMS: ${why}`);
  const p = mech.parameter;
  if (!isObject(p) || p.kind !== 'oaep') throw invalid('required (hashAlg, mgf, source, pSourceData)');
  let algorithm: RsaEncryptionAlgorithm;
  if (p.hashAlg === BigInt(CKM.SHA256) && p.mgf === BigInt(CKG.MGF1_SHA256)) algorithm = 'RSAES_OAEP_SHA_256';
  else if (p.hashAlg === BigInt(CKM.SHA_1) && p.mgf === BigInt(CKG.MGF1_SHA1)) algorithm = 'RSAES_OAEP_SHA_1';
  else throw invalid('hashAlg must be CKM_SHA256 with CKG_MGF1_SHA256, or CKM_SHA_1 with CKG_MGF1_SHA1');
  const label = p.sourceData ?? new Uint8Array(0);
  if (label.length > MAX_OAEP_LABEL_BYTES) throw invalid(`the label (pSourceData) is at most ${MAX_OAEP_LABEL_BYTES} bytes`);
  // pkcs11-tool and others send source 0 when there is no label; a label needs CKZ_DATA_SPECIFIED.
  if (p.source !== BigInt(CKZ_DATA_SPECIFIED) && !(p.source === 0n && label.length === 0)) throw invalid('source must be CKZ_DATA_SPECIFIED');
  return { algorithm, label };
}
