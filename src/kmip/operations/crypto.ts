/**
 * Encrypt / Decrypt (AES-GCM, AES-CBC with PKCS#5 or no padding, and RSAES-OAEP with RSA keys), Sign / Signature Verify (ECDSA
 * with SHA-256 on P-256 and secp256k1, DER signatures; Ed25519), MAC / MAC Verify (HMAC-SHA256) and RNG
 * Retrieve — KMIP 1.4 §4.29-4.35, 2.1 §6.1.18-19, §6.1.50-51, §6.1.29-30, §6.1.43. Signing and MACs go
 * through the same services as the REST API (verify-before-release included). A registered Public Key (a
 * KMIP item) verifies, and an RSA one encrypts with OAEP; Secret Data and Opaque Objects do neither
 * (Invalid Object Type), and every other operation refuses items the same way (call.ts objectFor).
 */
import { StrongboxError } from '../../protocol/errors.js';
import { hexToBytes, toHex } from '../../protocol/hex.js';
import { generateRandom, MAX_RANDOM_BYTES } from '../../service/keys/generate-random.js';
import { rsaDecrypt, rsaEncrypt } from '../../service/keys/rsa-encryption.js';
import { sign } from '../../service/keys/sign.js';
import { verify } from '../../service/keys/verify.js';
import { generateMac } from '../../service/symmetric/generate-mac.js';
import { verifyMac } from '../../service/symmetric/verify-mac.js';
import { kmipDecrypt, kmipEncrypt, type KmipCipherParameters } from '../../service/kmip/kmip-material.js';
import { encryptWithKmipItem, verifyWithKmipItem } from '../../service/kmip/kmip-public-key.js';
import type { KeyType } from '../../protocol/types.js';
import { BlockCipherMode, CryptographicAlgorithm, DigitalSignatureAlgorithm, HashingAlgorithm, PaddingMethod } from '../enums.js';
import { bytes, child, enumeration, KmipError, read, required, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';
import { assertUnsealed, invalidObjectType, itemFor, objectFor, uidOf, type KmipOperation } from './call.js';

/** Validity Indicator (KMIP 1.4 §9.1.3.2.24) */
const VALID = 1;
const INVALID = 2;

function cipherParameters(payload: TtlvItem | undefined, decrypting: boolean): KmipCipherParameters {
  const p = read.structure(payload, Tag.CryptographicParameters);
  const mode = read.enum(p, Tag.BlockCipherMode) ?? BlockCipherMode.GCM;
  const padding = read.enum(p, Tag.PaddingMethod);
  const algorithm = read.enum(p, Tag.CryptographicAlgorithm);
  if (algorithm !== undefined && algorithm !== CryptographicAlgorithm.AES) throw new KmipError('InvalidField', 'Encrypt and Decrypt use AES keys');
  const data = required(read.bytes(payload, Tag.Data), Tag.Data);
  const iv = read.bytes(payload, Tag.IVCounterNonce);
  const aad = read.bytes(payload, Tag.AuthenticatedEncryptionAdditionalData) ?? new Uint8Array();
  if (mode === BlockCipherMode.GCM) {
    if (padding !== undefined && padding !== PaddingMethod.None) throw new KmipError('InvalidField', 'GCM takes no padding');
    const tag = read.bytes(payload, Tag.AuthenticatedEncryptionTag);
    const tagBytes = read.int(p, Tag.TagLength) ?? 16;
    if (!decrypting && iv === undefined && read.bool(p, Tag.RandomIV) === false) throw new KmipError('MissingData', 'IV/Counter/Nonce is required when Random IV is false');
    return { mode: 'gcm', padded: false, iv, aad, tagBytes, data, ...(tag === undefined ? {} : { tag }) };
  }
  if (mode === BlockCipherMode.CBC) {
    if (padding !== undefined && padding !== PaddingMethod.PKCS5 && padding !== PaddingMethod.None) throw new KmipError('InvalidField', 'CBC takes PKCS5 padding or none');
    return { mode: 'cbc', padded: padding !== PaddingMethod.None, iv, aad, tagBytes: 0, data };
  }
  throw new KmipError('InvalidField', 'Block Cipher Mode must be GCM or CBC');
}

const isRsaType = (type: string): boolean => type === 'rsa2048' || type === 'rsa3072' || type === 'rsa4096';

/**
 * RSAES-OAEP parameters (KMIP 1.4 §3.6 Cryptographic Parameters; 2.1 adds Mask Generator and its hash):
 * Padding Method OAEP (the default for RSA keys), Hashing Algorithm SHA-256 (default) or SHA-1, MGF1 with
 * the same hash. PKCS#1 v1.5 encryption is refused (a padding oracle); a P Source (label) is not supported.
 */
function oaepParameters(payload: TtlvItem | undefined): { algorithm: 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1'; data: Uint8Array } {
  const p = read.structure(payload, Tag.CryptographicParameters);
  const algorithm = read.enum(p, Tag.CryptographicAlgorithm);
  if (algorithm !== undefined && algorithm !== CryptographicAlgorithm.RSA) throw new KmipError('InvalidField', 'this is an RSA key: Cryptographic Algorithm must be RSA');
  const padding = read.enum(p, Tag.PaddingMethod);
  if (padding !== undefined && padding !== PaddingMethod.OAEP) throw new KmipError('InvalidField', 'RSA encryption uses Padding Method OAEP (PKCS#1 v1.5 encryption is not offered)');
  const hash = read.enum(p, Tag.HashingAlgorithm) ?? HashingAlgorithm.SHA_256;
  if (hash !== HashingAlgorithm.SHA_256 && hash !== HashingAlgorithm.SHA_1) throw new KmipError('InvalidField', 'OAEP Hashing Algorithm must be SHA-256 or SHA-1');
  const mgf = read.enum(p, Tag.MaskGenerator);
  if (mgf !== undefined && mgf !== MGF1) throw new KmipError('InvalidField', 'Mask Generator must be MGF1');
  const mgfHash = read.enum(p, Tag.MaskGeneratorHashingAlgorithm);
  if (mgfHash !== undefined && mgfHash !== hash) throw new KmipError('InvalidField', 'Mask Generator Hashing Algorithm must equal the Hashing Algorithm');
  if (child(p, Tag.PSource) !== undefined) throw new KmipError('FeatureNotSupported', 'P Source (an OAEP label) is not supported');
  if (read.bytes(payload, Tag.IVCounterNonce) !== undefined) throw new KmipError('InvalidField', 'RSA encryption takes no IV/Counter/Nonce');
  return { algorithm: hash === HashingAlgorithm.SHA_1 ? 'RSAES_OAEP_SHA_1' : 'RSAES_OAEP_SHA_256', data: required(read.bytes(payload, Tag.Data), Tag.Data) };
}

/** Mask Generator MGF1 (KMIP 2.1 §11.34) */
const MGF1 = 1;

export const encrypt: KmipOperation = {
  name: 'Encrypt',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:encrypt', 'secrets:read');
    if (item !== undefined) {
      if (item.kind !== 'public_key') throw invalidObjectType(item, 'Encrypt needs a key');
      if (item.keyType === undefined || !isRsaType(item.keyType)) throw new KmipError('IllegalOperation', 'only RSA public keys encrypt');
      const p = oaepParameters(payload);
      const data = encryptWithKmipItem(item, p.data, { hash: p.algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256', label: new Uint8Array(0) });
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, item.uid), bytes(Tag.Data, data));
    }
    const o = await objectFor(call, uid, 'keys:encrypt');
    if (isRsaType(o.record.type)) {
      const p = oaepParameters(payload);
      const r = await rsaEncrypt(call.ctx, { key: o.record, algorithm: p.algorithm, plaintext: toHex(p.data) });
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), bytes(Tag.Data, hexToBytes(r.ciphertext)));
    }
    const p = cipherParameters(payload, false);
    const out = await kmipEncrypt(call.ctx, o, p);
    return struct(
      Tag.ResponsePayload,
      text(Tag.UniqueIdentifier, o.uid),
      bytes(Tag.Data, out.data),
      p.iv === undefined ? bytes(Tag.IVCounterNonce, out.iv) : undefined,
      out.tag === undefined ? undefined : bytes(Tag.AuthenticatedEncryptionTag, out.tag),
    );
  },
};

export const decrypt: KmipOperation = {
  name: 'Decrypt',
  async run(call, payload) {
    assertUnsealed(call);
    const o = await objectFor(call, uidOf(call, payload), 'keys:decrypt');
    if (isRsaType(o.record.type)) {
      if (o.kind === 'public') throw new KmipError('IllegalOperation', 'decrypt with the private key');
      const p = oaepParameters(payload);
      if (p.data.length === 0 || p.data.length > 512) throw new KmipError('InvalidField', 'Data has the wrong length for an RSA ciphertext');
      const r = await rsaDecrypt(call.ctx, { key: o.record, algorithm: p.algorithm, ciphertext: toHex(p.data) });
      const plaintext = hexToBytes(r.plaintext);
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), bytes(Tag.Data, plaintext));
    }
    const p = cipherParameters(payload, true);
    const data = await kmipDecrypt(call.ctx, o, p);
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), bytes(Tag.Data, data));
  },
};


type SignFields = { message?: `0x${string}`; digest?: `0x${string}`; hash?: 'sha256' | 'sha384' | 'sha512'; padding?: 'pss' | 'pkcs1'; encoding?: 'der' };

/**
 * The sign request fields for a key: ECDSA hashes the data with SHA-256 (or takes Digested Data) and
 * answers DER; RSA signs with PSS or PKCS#1 v1.5 over SHA-256/384/512 (Padding Method, or the Digital
 * Signature Algorithm); Ed25519 signs the data itself.
 */
function signFields(type: KeyType, payload: TtlvItem | undefined): SignFields {
  const p = read.structure(payload, Tag.CryptographicParameters);
  const hash = read.enum(p, Tag.HashingAlgorithm);
  const dsa = read.enum(p, Tag.DigitalSignatureAlgorithm);
  const data = read.bytes(payload, Tag.Data);
  const digested = read.bytes(payload, Tag.DigestedData);
  if ((data === undefined) === (digested === undefined)) throw new KmipError('MissingData', 'give exactly one of Data or Digested Data');
  if (type === 'ed25519') {
    if (digested !== undefined) throw new KmipError('InvalidField', 'Ed25519 signs the data itself, not a digest');
    return { message: toHex(data!) };
  }
  const input = digested !== undefined ? { digest: toHex(digested) } : { message: toHex(data!) };
  if (isRsaType(type)) {
    const hashName = hash === undefined || hash === HashingAlgorithm.SHA_256 ? 'sha256' : hash === HashingAlgorithm.SHA_384 ? 'sha384' : hash === HashingAlgorithm.SHA_512 ? 'sha512' : undefined;
    if (hashName === undefined) throw new KmipError('InvalidField', 'RSA signs with SHA-256, SHA-384 or SHA-512');
    const padding = read.enum(p, Tag.PaddingMethod);
    const pss = padding === PaddingMethod.PSS || dsa === DigitalSignatureAlgorithm.RSASSA_PSS;
    const pkcs1 = padding === PaddingMethod.PKCS1v1_5 || dsa === DigitalSignatureAlgorithm.SHA256WithRSAEncryption;
    if (pss && pkcs1) throw new KmipError('InvalidField', 'Padding Method and Digital Signature Algorithm disagree');
    if (dsa !== undefined && dsa !== DigitalSignatureAlgorithm.RSASSA_PSS && dsa !== DigitalSignatureAlgorithm.SHA256WithRSAEncryption) throw new KmipError('InvalidField', 'RSA: Digital Signature Algorithm SHA256-with-RSA or RSASSA-PSS');
    return { ...input, hash: hashName, padding: pkcs1 ? 'pkcs1' : 'pss' };
  }
  if (hash !== undefined && hash !== HashingAlgorithm.SHA_256) throw new KmipError('InvalidField', 'ECDSA signs with SHA-256');
  if (dsa !== undefined && dsa !== DigitalSignatureAlgorithm.ECDSAWithSHA256) throw new KmipError('InvalidField', 'Digital Signature Algorithm must be ECDSA with SHA-256');
  return digested !== undefined ? { ...input, encoding: 'der' } : { ...input, hash: 'sha256', encoding: 'der' };
}

export const signOperation: KmipOperation = {
  name: 'Sign',
  async run(call, payload) {
    assertUnsealed(call);
    const o = await objectFor(call, uidOf(call, payload), 'keys:sign');
    if (o.kind !== 'private') throw new KmipError('IllegalOperation', 'sign with a private key');
    const r = await sign(call.ctx, { key: o.record, ...signFields(o.record.type, payload) });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), bytes(Tag.SignatureData, hexToBytes(r.signature)));
  },
};

export const signatureVerify: KmipOperation = {
  name: 'SignatureVerify',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:verify', 'secrets:read');
    if (item !== undefined) {
      if (item.kind !== 'public_key' || item.keyType === undefined) throw invalidObjectType(item, 'Signature Verify needs a public key');
      const signature = required(read.bytes(payload, Tag.SignatureData), Tag.SignatureData);
      if (signature.length === 0 || signature.length > 512) throw new KmipError('InvalidField', 'Signature Data has the wrong length');
      const valid = verifyWithKmipItem(item, signFields(item.keyType, payload), signature);
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, item.uid), enumeration(Tag.ValidityIndicator, valid ? VALID : INVALID));
    }
    const o = await objectFor(call, uid, 'keys:verify');
    if (o.kind === 'symmetric') throw new KmipError('IllegalOperation', 'verify with a public (or private) key');
    const signature = required(read.bytes(payload, Tag.SignatureData), Tag.SignatureData);
    if (signature.length === 0 || signature.length > 512) throw new KmipError('InvalidField', 'Signature Data has the wrong length');
    const r = await verify(call.ctx, { key: o.record, ...signFields(o.record.type, payload), signature: toHex(signature) });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), enumeration(Tag.ValidityIndicator, r.valid ? VALID : INVALID));
  },
};

function macData(payload: TtlvItem | undefined): Uint8Array {
  const p = read.structure(payload, Tag.CryptographicParameters);
  const alg = read.enum(p, Tag.CryptographicAlgorithm);
  if (alg !== undefined && alg !== CryptographicAlgorithm.HMAC_SHA256) throw new KmipError('InvalidField', 'MACs are HMAC-SHA256');
  return required(read.bytes(payload, Tag.Data), Tag.Data);
}

export const mac: KmipOperation = {
  name: 'MAC',
  async run(call, payload) {
    assertUnsealed(call);
    const data = macData(payload);
    const o = await objectFor(call, uidOf(call, payload), 'keys:mac');
    const r = await generateMac(call.ctx, { key: o.record, message: toHex(data) });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), bytes(Tag.MACData, hexToBytes(r.mac)));
  },
};

export const macVerify: KmipOperation = {
  name: 'MACVerify',
  async run(call, payload) {
    assertUnsealed(call);
    const data = macData(payload);
    const given = required(read.bytes(payload, Tag.MACData), Tag.MACData);
    const o = await objectFor(call, uidOf(call, payload), 'keys:verify-mac');
    if (given.length !== 32) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), enumeration(Tag.ValidityIndicator, INVALID));
    const r = await verifyMac(call.ctx, { key: o.record, message: toHex(data), mac: toHex(given) });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), enumeration(Tag.ValidityIndicator, r.valid ? VALID : INVALID));
  },
};

export const rngRetrieve: KmipOperation = {
  name: 'RNGRetrieve',
  async run(call, payload) {
    const length = required(read.int(payload, Tag.DataLength), Tag.DataLength);
    if (length < 1 || length > MAX_RANDOM_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `Data Length must be 1 to ${MAX_RANDOM_BYTES}`, { field: 'DataLength' });
    // Like the AWS endpoint's GenerateRandom: any authenticated principal, no key involved.
    void call;
    return struct(Tag.ResponsePayload, bytes(Tag.Data, generateRandom(length)));
  },
};
