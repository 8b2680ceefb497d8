/**
 * Create (AES and HMAC-SHA256 symmetric keys), Create Key Pair (EC P-256, secp256k1, Ed25519) and Register
 * (symmetric and private keys as Strongbox keys; public keys, Secret Data and Opaque Objects as KMIP items,
 * service/kmip/kmip-item.ts) — KMIP 1.4 §4.1-4.3, 2.1 §6.1.3-6.1.4, §6.1.40. Each answers the new Unique
 * Identifier and makes it the batch's ID Placeholder.
 */
import type { KeyType } from '../../protocol/types.js';
import { decide } from '../../service/access/authorize.js';
import { createKmipKey } from '../../service/kmip/create-kmip-key.js';
import { privateKeyFromDer, privateKeyFromRaw, scalarFromBigInteger } from '../../service/kmip/kmip-import.js';
import { emptyAttributes } from '../../service/kmip/kmip-object.js';
import { kmipSecretPath, newKmipItemUid, registerKmipPublicKey, registerKmipSecret } from '../../service/kmip/kmip-item.js';
import { publicKeyFromDer, publicKeyFromRaw, publicKeyFromRsaComponents } from '../../service/kmip/kmip-public-key.js';
import { is2x, mergeClientAttributes, readClientAttributes, type ClientAttributes } from '../attributes.js';
import { CryptographicAlgorithm, KeyFormatType, ObjectType, RecommendedCurve, SecretDataType } from '../enums.js';
import { child, enumeration, KmipError, read, required, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';
import { assertUnsealed, authorizeCall, type KmipCall, type KmipOperation } from './call.js';

function symmetricType(a: ClientAttributes): KeyType {
  const alg = a.algorithm;
  if (alg === CryptographicAlgorithm.AES) {
    if (a.length !== undefined && a.length !== 256) throw new KmipError('InvalidField', `AES keys are 256 bits in Strongbox, not ${a.length}`);
    return 'aes256';
  }
  if (alg === CryptographicAlgorithm.HMAC_SHA256) {
    if (a.length !== undefined && a.length !== 256) throw new KmipError('InvalidField', 'HMAC-SHA256 keys are 256 bits');
    return 'hmac256';
  }
  if (alg === undefined) throw new KmipError('MissingData', 'Cryptographic Algorithm is required');
  throw new KmipError('InvalidField', `Cryptographic Algorithm ${alg} is not supported for symmetric keys (AES, HMAC-SHA256)`);
}

function pairType(a: ClientAttributes): KeyType {
  if (a.algorithm === CryptographicAlgorithm.Ed25519) return 'ed25519';
  if (a.algorithm === CryptographicAlgorithm.EC || a.algorithm === CryptographicAlgorithm.ECDSA) {
    switch (a.curve) {
      case RecommendedCurve.P_256:
      case undefined:
        if (a.curve === undefined && a.length !== undefined && a.length !== 256) throw new KmipError('InvalidField', 'EC keys: P-256, secp256k1 or curve 25519');
        return 'p256';
      case RecommendedCurve.SECP256K1:
        return 'secp256k1';
      case RecommendedCurve.CURVE25519:
        return 'ed25519';
      default:
        throw new KmipError('InvalidField', `Recommended Curve ${a.curve} is not supported (P-256, secp256k1, curve 25519)`);
    }
  }
  if (a.algorithm === CryptographicAlgorithm.RSA) {
    switch (a.length) {
      case 2048:
        return 'rsa2048';
      case 3072:
        return 'rsa3072';
      case 4096:
        return 'rsa4096';
      default:
        throw new KmipError(a.length === undefined ? 'MissingData' : 'InvalidField', 'RSA key pairs are 2048, 3072 or 4096 bits (Cryptographic Length)');
    }
  }
  if (a.algorithm === undefined) throw new KmipError('MissingData', 'Cryptographic Algorithm is required');
  throw new KmipError('InvalidField', `Cryptographic Algorithm ${a.algorithm} is not supported for key pairs`);
}

/** Whether the new key may carry the plaintext-export mark: the creator holds keys:export-plaintext and did not opt out. */
async function plaintextMark(call: KmipCall, a: ClientAttributes): Promise<boolean> {
  if (a.extractable === false) return false;
  const d = await decide(call.ctx, call.principal, 'keys:export-plaintext', { kind: 'keys' }, call.clientIp);
  return d.allowed;
}

function templates(payload: TtlvItem | undefined, v: KmipCall['version'], ...which: ('common' | 'private' | 'public' | 'single')[]): (TtlvItem | undefined)[] {
  const two = is2x(v);
  return which.map((w) => {
    switch (w) {
      case 'single':
        return read.structure(payload, two ? Tag.Attributes : Tag.TemplateAttribute) ?? read.structure(payload, Tag.Attributes) ?? read.structure(payload, Tag.TemplateAttribute);
      case 'common':
        return read.structure(payload, two ? Tag.CommonAttributes : Tag.CommonTemplateAttribute) ?? read.structure(payload, Tag.CommonTemplateAttribute);
      case 'private':
        return read.structure(payload, two ? Tag.PrivateKeyAttributes : Tag.PrivateKeyTemplateAttribute) ?? read.structure(payload, Tag.PrivateKeyTemplateAttribute);
      case 'public':
        return read.structure(payload, two ? Tag.PublicKeyAttributes : Tag.PublicKeyTemplateAttribute) ?? read.structure(payload, Tag.PublicKeyTemplateAttribute);
    }
  });
}

export const create: KmipOperation = {
  name: 'Create',
  async run(call, payload) {
    assertUnsealed(call);
    const objectType = required(read.enum(payload, Tag.ObjectType), Tag.ObjectType);
    if (objectType !== ObjectType.SymmetricKey) throw new KmipError('InvalidField', 'Create makes Symmetric Keys; use Create Key Pair or Register');
    const a = readClientAttributes(templates(payload, call.version, 'single'));
    const type = symmetricType(a);
    await authorizeCall(call, 'keys:create', { kind: 'keys' });
    const o = await createKmipKey(call.ctx, { type, attributes: mergeClientAttributes(emptyAttributes(), a), plaintextExport: await plaintextMark(call, a) });
    call.audit.resource = `key:${o.record.id}`;
    call.placeholder.value = o.uid;
    return struct(Tag.ResponsePayload, enumeration(Tag.ObjectType, ObjectType.SymmetricKey), text(Tag.UniqueIdentifier, o.uid));
  },
};

export const createKeyPair: KmipOperation = {
  name: 'CreateKeyPair',
  async run(call, payload) {
    assertUnsealed(call);
    const [common, priv, pub] = templates(payload, call.version, 'common', 'private', 'public');
    const both = readClientAttributes([common, priv, pub]);
    const privateOnly = readClientAttributes([common, priv]);
    const publicOnly = readClientAttributes([pub]);
    const type = pairType(both);
    await authorizeCall(call, 'keys:create', { kind: 'keys' });
    const attributes = mergeClientAttributes(mergeClientAttributes(emptyAttributes(), privateOnly), { names: publicOnly.names, custom: [] }, true);
    const o = await createKmipKey(call.ctx, { type, attributes, plaintextExport: await plaintextMark(call, privateOnly) });
    call.audit.resource = `key:${o.record.id}`;
    call.placeholder.value = o.uid;
    return struct(Tag.ResponsePayload, text(Tag.PrivateKeyUniqueIdentifier, o.uid), text(Tag.PublicKeyUniqueIdentifier, `${o.uid}/public`));
  },
};

/** The key material of a registered Symmetric Key: Raw bytes, or Transparent Symmetric Key {Key}. */
function symmetricMaterial(object: TtlvItem): Uint8Array {
  const block = required(read.structure(object, Tag.KeyBlock), Tag.KeyBlock);
  const format = required(read.enum(block, Tag.KeyFormatType), Tag.KeyFormatType);
  if (child(block, Tag.KeyWrappingData) !== undefined) throw new KmipError('FeatureNotSupported', 'registering wrapped keys is not supported');
  const value = required(read.structure(block, Tag.KeyValue), Tag.KeyValue);
  const material = child(value, Tag.KeyMaterial);
  if (format === KeyFormatType.Raw && material?.type === 'ByteString') return material.value;
  if (format === KeyFormatType.TransparentSymmetricKey && material?.type === 'Structure') return required(read.bytes(material, Tag.Key), Tag.Key);
  throw new KmipError('InvalidField', 'a Symmetric Key is registered as Raw or Transparent Symmetric Key material');
}

/** The key material of a registered Private Key (docs/kmip.md, "Register"): its Strongbox type and secret. */
function privateMaterial(object: TtlvItem, a: ClientAttributes): { type: KeyType; secretKey: Uint8Array } {
  const block = required(read.structure(object, Tag.KeyBlock), Tag.KeyBlock);
  const format = required(read.enum(block, Tag.KeyFormatType), Tag.KeyFormatType);
  if (child(block, Tag.KeyWrappingData) !== undefined) throw new KmipError('FeatureNotSupported', 'registering wrapped keys is not supported');
  const value = required(read.structure(block, Tag.KeyValue), Tag.KeyValue);
  const material = child(value, Tag.KeyMaterial);
  let out: { type: KeyType; secretKey: Uint8Array };
  if (material?.type === 'ByteString' && (format === KeyFormatType.PKCS_8 || format === KeyFormatType.PKCS_1 || format === KeyFormatType.ECPrivateKey)) {
    out = privateKeyFromDer(format === KeyFormatType.PKCS_8 ? 'pkcs8' : format === KeyFormatType.PKCS_1 ? 'pkcs1' : 'sec1', material.value);
  } else if (material?.type === 'ByteString' && format === KeyFormatType.Raw) {
    const type = pairType(a);
    out = { type, secretKey: privateKeyFromRaw(type, material.value) };
  } else if (material?.type === 'Structure' && format === KeyFormatType.TransparentECPrivateKey) {
    const curve = required(read.enum(material, Tag.RecommendedCurve), Tag.RecommendedCurve);
    const d = child(material, Tag.D);
    if (d === undefined) throw new KmipError('MissingData', 'D is required');
    if (d.type !== 'BigInteger') throw new KmipError('InvalidField', 'D must be a Big Integer');
    const type = pairType({ ...a, algorithm: a.algorithm === CryptographicAlgorithm.Ed25519 ? a.algorithm : CryptographicAlgorithm.EC, curve });
    out = { type, secretKey: privateKeyFromRaw(type, scalarFromBigInteger(d.value)) };
  } else {
    throw new KmipError('KeyFormatTypeNotSupported', 'a Private Key is registered as PKCS#8, PKCS#1 (RSA), ECPrivateKey, Transparent EC Private Key or Raw (32-byte scalar or Ed25519 seed)');
  }
  // The material decides the type; an algorithm the client named must agree with it.
  if (a.algorithm !== undefined) {
    const want: number[] = out.type.startsWith('rsa') ? [CryptographicAlgorithm.RSA] : out.type === 'ed25519' ? [CryptographicAlgorithm.Ed25519, CryptographicAlgorithm.EC] : [CryptographicAlgorithm.EC, CryptographicAlgorithm.ECDSA];
    if (!want.includes(a.algorithm)) {
      out.secretKey.fill(0);
      throw new KmipError('InvalidField', `Cryptographic Algorithm ${a.algorithm} does not match the ${out.type} key in Key Material`);
    }
  }
  return out;
}

/** The key material of a registered Public Key (docs/kmip.md, "Register"): its Strongbox key type, native bytes and format. */
function publicMaterial(object: TtlvItem, a: ClientAttributes): { type: KeyType; publicKey: Uint8Array; format: number } {
  const block = required(read.structure(object, Tag.KeyBlock), Tag.KeyBlock);
  const format = required(read.enum(block, Tag.KeyFormatType), Tag.KeyFormatType);
  if (child(block, Tag.KeyWrappingData) !== undefined) throw new KmipError('FeatureNotSupported', 'registering wrapped keys is not supported');
  const value = required(read.structure(block, Tag.KeyValue), Tag.KeyValue);
  const material = child(value, Tag.KeyMaterial);
  let out: { type: KeyType; publicKey: Uint8Array };
  if (material?.type === 'ByteString' && (format === KeyFormatType.X_509 || format === KeyFormatType.PKCS_1)) {
    out = publicKeyFromDer(format === KeyFormatType.X_509 ? 'spki' : 'pkcs1', material.value);
  } else if (material?.type === 'ByteString' && format === KeyFormatType.Raw) {
    const type = pairType(a);
    out = { type, publicKey: publicKeyFromRaw(type, material.value) };
  } else if (material?.type === 'Structure' && format === KeyFormatType.TransparentECPublicKey) {
    const curve = required(read.enum(material, Tag.RecommendedCurve), Tag.RecommendedCurve);
    const q = required(read.bytes(material, Tag.QString), Tag.QString);
    const type = pairType({ ...a, algorithm: a.algorithm === CryptographicAlgorithm.Ed25519 ? a.algorithm : CryptographicAlgorithm.EC, curve });
    out = { type, publicKey: publicKeyFromRaw(type, q) };
  } else if (material?.type === 'Structure' && format === KeyFormatType.TransparentRSAPublicKey) {
    const n = child(material, Tag.Modulus);
    const e = child(material, Tag.PublicExponent);
    if (n === undefined || e === undefined) throw new KmipError('MissingData', 'Modulus and Public Exponent are required');
    if (n.type !== 'BigInteger' || e.type !== 'BigInteger') throw new KmipError('InvalidField', 'Modulus and Public Exponent must be Big Integers');
    out = publicKeyFromRsaComponents(n.value, e.value);
  } else {
    throw new KmipError('KeyFormatTypeNotSupported', 'a Public Key is registered as X.509 (SubjectPublicKeyInfo), PKCS#1 (RSA), Transparent RSA Public Key, Transparent EC Public Key or Raw (SEC1 point or Ed25519 key)');
  }
  if (a.algorithm !== undefined) {
    const want: number[] = out.type.startsWith('rsa') ? [CryptographicAlgorithm.RSA] : out.type === 'ed25519' ? [CryptographicAlgorithm.Ed25519, CryptographicAlgorithm.EC] : [CryptographicAlgorithm.EC, CryptographicAlgorithm.ECDSA];
    if (!want.includes(a.algorithm)) throw new KmipError('InvalidField', `Cryptographic Algorithm ${a.algorithm} does not match the ${out.type} key in Key Material`);
  }
  return { ...out, format };
}

/** The value and type of a registered Secret Data (Secret Data Type + a Key Block of Opaque or Raw bytes) or Opaque Object. */
function secretMaterial(object: TtlvItem, isSecretData: boolean): { value: Uint8Array; dataType: number } {
  if (!isSecretData) {
    const dataType = required(read.enum(object, Tag.OpaqueDataType), Tag.OpaqueDataType);
    const value = child(object, Tag.OpaqueDataValue);
    if (value === undefined) throw new KmipError('MissingData', 'Opaque Data Value is required');
    if (value.type !== 'ByteString') throw new KmipError('InvalidField', 'Opaque Data Value must be a Byte String');
    return { value: value.value, dataType };
  }
  const dataType = required(read.enum(object, Tag.SecretDataType), Tag.SecretDataType);
  if (dataType !== SecretDataType.Password && dataType !== SecretDataType.Seed) throw new KmipError('InvalidField', 'Secret Data Type must be Password or Seed');
  const block = required(read.structure(object, Tag.KeyBlock), Tag.KeyBlock);
  const format = required(read.enum(block, Tag.KeyFormatType), Tag.KeyFormatType);
  if (child(block, Tag.KeyWrappingData) !== undefined) throw new KmipError('FeatureNotSupported', 'registering wrapped Secret Data is not supported');
  if (format !== KeyFormatType.Opaque && format !== KeyFormatType.Raw) throw new KmipError('KeyFormatTypeNotSupported', 'Secret Data is registered with Key Format Type Opaque (or Raw)');
  const keyValue = required(read.structure(block, Tag.KeyValue), Tag.KeyValue);
  const material = child(keyValue, Tag.KeyMaterial);
  if (material === undefined) throw new KmipError('MissingData', 'Key Material is required');
  if (material.type !== 'ByteString') throw new KmipError('InvalidField', 'the Key Material of Secret Data must be a Byte String');
  return { value: material.value, dataType };
}

/** Register of a Public Key (keys:create), Secret Data or Opaque Object (secrets:write on secret:kmip/<uid>). */
async function registerItem(call: KmipCall, payload: TtlvItem | undefined, objectType: number): Promise<TtlvItem> {
  const a = readClientAttributes(templates(payload, call.version, 'single'));
  const attributes = mergeClientAttributes(emptyAttributes(), a);
  const uid = await newKmipItemUid(call.ctx);
  if (objectType === ObjectType.PublicKey) {
    const object = required(read.structure(payload, Tag.PublicKey), Tag.PublicKey);
    const block = read.structure(object, Tag.KeyBlock);
    const blockAlgorithm = read.enum(block, Tag.CryptographicAlgorithm);
    if (a.algorithm === undefined && blockAlgorithm !== undefined) a.algorithm = blockAlgorithm;
    const { type, publicKey, format } = publicMaterial(object, a);
    await authorizeCall(call, 'keys:create', { kind: 'keys' });
    await registerKmipPublicKey(call.ctx, { uid, keyType: type, publicKey, attributes: { ...attributes, keyFormatType: format } });
    call.audit.resource = `key:${uid}`;
  } else {
    const isSecretData = objectType === ObjectType.SecretData;
    const object = required(read.structure(payload, isSecretData ? Tag.SecretData : Tag.OpaqueObject), isSecretData ? Tag.SecretData : Tag.OpaqueObject);
    const { value, dataType } = secretMaterial(object, isSecretData);
    const secretValue = Uint8Array.from(value);
    value.fill(0);
    try {
      await authorizeCall(call, 'secrets:write', { kind: 'secret', path: kmipSecretPath(uid) });
      await registerKmipSecret(call.ctx, {
        uid,
        kind: isSecretData ? 'secret_data' : 'opaque',
        secretValue,
        attributes: { ...attributes, ...(isSecretData ? { secretDataType: dataType } : { opaqueDataType: dataType }) },
      });
    } finally {
      secretValue.fill(0);
    }
  }
  call.placeholder.value = uid;
  return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, uid));
}

export const register: KmipOperation = {
  name: 'Register',
  async run(call, payload) {
    assertUnsealed(call);
    const objectType = required(read.enum(payload, Tag.ObjectType), Tag.ObjectType);
    if (objectType === ObjectType.PublicKey || objectType === ObjectType.SecretData || objectType === ObjectType.OpaqueObject) return registerItem(call, payload, objectType);
    if (objectType !== ObjectType.SymmetricKey && objectType !== ObjectType.PrivateKey) {
      throw new KmipError('InvalidObjectType', 'Register accepts Symmetric Keys, Private Keys, Public Keys, Secret Data and Opaque Objects');
    }
    const isPrivate = objectType === ObjectType.PrivateKey;
    const object = required(read.structure(payload, isPrivate ? Tag.PrivateKey : Tag.SymmetricKey), isPrivate ? Tag.PrivateKey : Tag.SymmetricKey);
    const block = read.structure(object, Tag.KeyBlock);
    const a = readClientAttributes(templates(payload, call.version, 'single'));
    const blockAlgorithm = read.enum(block, Tag.CryptographicAlgorithm);
    const blockLength = read.int(block, Tag.CryptographicLength);
    if (a.algorithm === undefined && blockAlgorithm !== undefined) a.algorithm = blockAlgorithm;
    if (a.length === undefined && blockLength !== undefined) a.length = blockLength;
    let type: KeyType;
    let secretKey: Uint8Array;
    if (isPrivate) ({ type, secretKey } = privateMaterial(object, a));
    else {
      type = symmetricType(a);
      secretKey = Uint8Array.from(symmetricMaterial(object));
    }
    try {
      await authorizeCall(call, 'keys:create', { kind: 'keys' });
    } catch (err) {
      secretKey.fill(0);
      throw err;
    }
    const o = await createKmipKey(call.ctx, { type, secretKey, attributes: mergeClientAttributes(emptyAttributes(), a), plaintextExport: await plaintextMark(call, a) });
    call.audit.resource = `key:${o.record.id}`;
    call.placeholder.value = o.uid;
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};
