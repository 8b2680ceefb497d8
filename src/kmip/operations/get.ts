/**
 * Get (KMIP 1.4 §4.11, 2.1 §6.1.22). Public keys are always available (X.509 SubjectPublicKeyInfo, or the
 * raw point as Transparent EC Public Key / Raw). A symmetric or private key's material is released:
 *  - wrapped, when the client gives a Key Wrapping Specification naming a Strongbox AES key it may
 *    encrypt with (AES Key Wrap with Padding, RFC 5649), for keys that are exportable or marked;
 *  - in plaintext, only for objects carrying the plaintext-export mark, and only to a caller allowed the
 *    explicit-only action keys:export-plaintext on that key;
 *  - otherwise not at all: Operation Failed, Permission Denied (docs/kmip.md explains the choice).
 * The Key Value holds only Key Material (no attributes inside it, which 1.x clients choke on).
 * KMIP items: a registered Public Key answers its material (X.509, PKCS#1 or Transparent RSA Public Key
 * for RSA, Raw or Transparent EC Public Key for EC and Ed25519; by default the format it was registered
 * in) under keys:read; Secret Data and Opaque Objects answer their value under secrets:read on their
 * secret (the same action as reading it through REST).
 */
import { createPublicKey } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import { kmipPublicKey, kmipRawPublicKey, releaseKmipPlaintext, wrapKmipMaterial } from '../../service/kmip/kmip-material.js';
import type { KmipObject } from '../../service/kmip/kmip-object.js';
import { assertNotDestroyed, readKmipSecret, type KmipItem } from '../../service/kmip/kmip-item.js';
import { itemPkcs1, itemRawPublicKey, itemSpki } from '../../service/kmip/kmip-public-key.js';
import { keyLengthBits } from '../../service/kmip/locate-kmip.js';
import { algorithmOf, curveOf } from '../attributes.js';
import { BlockCipherMode, KeyFormatType, ObjectType, SecretDataType, WrappingMethod } from '../enums.js';
import { big, bytes, enumeration, int, KmipError, read, required, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';
import { assertUnsealed, itemFor, objectFor, uidOf, type KmipCall, type KmipOperation } from './call.js';

function keyBlock(call: KmipCall, o: KmipObject, format: number, value: TtlvItem, wrapping?: TtlvItem): TtlvItem {
  return struct(Tag.KeyBlock, enumeration(Tag.KeyFormatType, format), value, enumeration(Tag.CryptographicAlgorithm, algorithmOf(o.record.type, call.version)), int(Tag.CryptographicLength, keyLengthBits(o.record.type)), wrapping);
}

function objectItem(o: KmipObject, block: TtlvItem): TtlvItem {
  return struct(o.kind === 'symmetric' ? Tag.SymmetricKey : o.kind === 'public' ? Tag.PublicKey : Tag.PrivateKey, block);
}

const objectTypeOf = (o: KmipObject): number => (o.kind === 'symmetric' ? ObjectType.SymmetricKey : o.kind === 'public' ? ObjectType.PublicKey : ObjectType.PrivateKey);

const bigOf = (b64url: string): bigint => BigInt(`0x${Buffer.from(b64url, 'base64url').toString('hex') || '0'}`);

/** A registered public key in the format asked (default: the format it was registered in). */
function publicItemBlock(call: KmipCall, item: KmipItem, requestedFormat: number | undefined): TtlvItem {
  const type = item.keyType!;
  const rsa = type.startsWith('rsa');
  const format = requestedFormat ?? item.attributes.keyFormatType ?? KeyFormatType.X_509;
  let value: TtlvItem;
  if (format === KeyFormatType.X_509) value = struct(Tag.KeyValue, bytes(Tag.KeyMaterial, itemSpki(item)));
  else if (rsa && format === KeyFormatType.PKCS_1) value = struct(Tag.KeyValue, bytes(Tag.KeyMaterial, itemPkcs1(item)));
  else if (rsa && format === KeyFormatType.TransparentRSAPublicKey) {
    const jwk = createPublicKey({ key: Buffer.from(itemSpki(item)), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    value = struct(Tag.KeyValue, struct(Tag.KeyMaterial, big(Tag.Modulus, bigOf(String(jwk.n))), big(Tag.PublicExponent, bigOf(String(jwk.e)))));
  } else if (!rsa && format === KeyFormatType.Raw) value = struct(Tag.KeyValue, bytes(Tag.KeyMaterial, itemRawPublicKey(item)));
  else if (!rsa && format === KeyFormatType.TransparentECPublicKey) value = struct(Tag.KeyValue, struct(Tag.KeyMaterial, enumeration(Tag.RecommendedCurve, curveOf(type)!), bytes(Tag.QString, itemRawPublicKey(item))));
  else throw new KmipError('KeyFormatTypeNotSupported', rsa ? 'RSA public keys: X.509, PKCS#1 or Transparent RSA Public Key' : 'EC and Ed25519 public keys: X.509, Raw or Transparent EC Public Key');
  return struct(Tag.KeyBlock, enumeration(Tag.KeyFormatType, format), value, enumeration(Tag.CryptographicAlgorithm, algorithmOf(type, call.version)), int(Tag.CryptographicLength, keyLengthBits(type)));
}

async function getItem(call: KmipCall, item: KmipItem, requestedFormat: number | undefined, wrapped: boolean): Promise<TtlvItem> {
  assertNotDestroyed(item);
  if (wrapped) throw new KmipError('FeatureNotSupported', 'public keys, Secret Data and Opaque Objects are answered unwrapped only');
  if (item.kind === 'public_key') {
    return struct(Tag.ResponsePayload, enumeration(Tag.ObjectType, ObjectType.PublicKey), text(Tag.UniqueIdentifier, item.uid), struct(Tag.PublicKey, publicItemBlock(call, item, requestedFormat)));
  }
  if (requestedFormat !== undefined && requestedFormat !== KeyFormatType.Opaque && item.kind === 'secret_data') throw new KmipError('KeyFormatTypeNotSupported', 'Secret Data is answered as Opaque');
  const secretValue = await readKmipSecret(call.ctx, item);
  try {
    const value = Uint8Array.from(secretValue);
    if (item.kind === 'opaque') {
      return struct(Tag.ResponsePayload, enumeration(Tag.ObjectType, ObjectType.OpaqueObject), text(Tag.UniqueIdentifier, item.uid), struct(Tag.OpaqueObject, enumeration(Tag.OpaqueDataType, item.attributes.opaqueDataType ?? 0x80000000), bytes(Tag.OpaqueDataValue, value)));
    }
    const block = struct(Tag.KeyBlock, enumeration(Tag.KeyFormatType, KeyFormatType.Opaque), struct(Tag.KeyValue, bytes(Tag.KeyMaterial, value)));
    return struct(Tag.ResponsePayload, enumeration(Tag.ObjectType, ObjectType.SecretData), text(Tag.UniqueIdentifier, item.uid), struct(Tag.SecretData, enumeration(Tag.SecretDataType, item.attributes.secretDataType ?? SecretDataType.Password), block));
  } finally {
    secretValue.fill(0);
  }
}

export const get: KmipOperation = {
  name: 'Get',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const requestedFormat = read.enum(payload, Tag.KeyFormatType);
    const wrapSpec = read.structure(payload, Tag.KeyWrappingSpecification);
    const item = await itemFor(call, uid, 'keys:read', 'secrets:read');
    if (item !== undefined) return getItem(call, item, requestedFormat, wrapSpec !== undefined);
    let o = await objectFor(call, uid, 'keys:read');
    if (o.state === 'destroyed' || o.state === 'destroyed_compromised') {
      if (o.kind !== 'public') throw new StrongboxError('KEY_DESTROYED', `object ${o.uid} was destroyed`);
    }
    let block: TtlvItem;
    if (o.kind === 'public') {
      const ec = curveOf(o.record.type) !== undefined;
      if (ec && requestedFormat === KeyFormatType.TransparentECPublicKey) {
        block = keyBlock(call, o, requestedFormat, struct(Tag.KeyValue, struct(Tag.KeyMaterial, enumeration(Tag.RecommendedCurve, curveOf(o.record.type)!), bytes(Tag.QString, kmipRawPublicKey(o)))));
      } else if (ec && requestedFormat === KeyFormatType.Raw) {
        block = keyBlock(call, o, requestedFormat, struct(Tag.KeyValue, bytes(Tag.KeyMaterial, kmipRawPublicKey(o))));
      } else if (requestedFormat === undefined || requestedFormat === KeyFormatType.X_509) {
        block = keyBlock(call, o, KeyFormatType.X_509, struct(Tag.KeyValue, bytes(Tag.KeyMaterial, kmipPublicKey(o))));
      } else throw new KmipError('KeyFormatTypeNotSupported', 'public keys: X.509 (EC keys also Raw or Transparent EC Public Key)');
    } else if (wrapSpec !== undefined) {
      const method = read.enum(wrapSpec, Tag.WrappingMethod);
      if (method !== undefined && method !== WrappingMethod.Encrypt) throw new KmipError('FeatureNotSupported', 'only the Encrypt wrapping method is supported');
      const info = required(read.structure(wrapSpec, Tag.EncryptionKeyInformation), Tag.EncryptionKeyInformation);
      const wrapUid = required(read.text(info, Tag.UniqueIdentifier), Tag.UniqueIdentifier);
      const mode = read.enum(read.structure(info, Tag.CryptographicParameters), Tag.BlockCipherMode);
      if (mode !== undefined && mode !== BlockCipherMode.AESKeyWrapPadding && mode !== BlockCipherMode.NISTKeyWrap) throw new KmipError('FeatureNotSupported', 'keys are wrapped with AES Key Wrap with Padding (RFC 5649)');
      const wrapping = await objectFor(call, wrapUid, 'keys:encrypt');
      o = await objectFor(call, uid, 'keys:read');
      const wrapped = await wrapKmipMaterial(call.ctx, o, wrapping);
      const wrappingData = struct(
        Tag.KeyWrappingData,
        enumeration(Tag.WrappingMethod, WrappingMethod.Encrypt),
        struct(Tag.EncryptionKeyInformation, text(Tag.UniqueIdentifier, wrapping.uid), struct(Tag.CryptographicParameters, enumeration(Tag.BlockCipherMode, BlockCipherMode.AESKeyWrapPadding))),
      );
      // A wrapped Key Value is a Byte String (KMIP 1.4 §2.1.4).
      block = keyBlock(call, o, o.kind === 'symmetric' ? KeyFormatType.Raw : KeyFormatType.PKCS_8, bytes(Tag.KeyValue, wrapped), wrappingData);
    } else {
      // Plaintext: the explicit-only action on this key, then the mark (checked again in the service).
      o = await objectFor(call, uid, 'keys:export-plaintext');
      if (!o.plaintextExport) throw new StrongboxError('KEY_NOT_EXPORTABLE', `object ${o.uid} is not marked for plaintext export; ask for it wrapped with a Key Wrapping Specification`);
      const { format, material } = await releaseKmipPlaintext(call.ctx, o);
      try {
        if (o.kind === 'symmetric') {
          if (requestedFormat !== undefined && requestedFormat !== KeyFormatType.Raw && requestedFormat !== KeyFormatType.TransparentSymmetricKey) throw new KmipError('KeyFormatTypeNotSupported', 'symmetric keys: Raw or Transparent Symmetric Key');
          const value =
            requestedFormat === KeyFormatType.TransparentSymmetricKey
              ? struct(Tag.KeyValue, struct(Tag.KeyMaterial, bytes(Tag.Key, Uint8Array.from(material))))
              : struct(Tag.KeyValue, bytes(Tag.KeyMaterial, Uint8Array.from(material)));
          block = keyBlock(call, o, requestedFormat ?? KeyFormatType.Raw, value);
        } else {
          if (requestedFormat !== undefined && requestedFormat !== KeyFormatType.PKCS_8) throw new KmipError('KeyFormatTypeNotSupported', 'private keys: PKCS#8');
          block = keyBlock(call, o, format === 'pkcs8' ? KeyFormatType.PKCS_8 : KeyFormatType.Raw, struct(Tag.KeyValue, bytes(Tag.KeyMaterial, Uint8Array.from(material))));
        }
      } finally {
        material.fill(0);
      }
    }
    return struct(Tag.ResponsePayload, enumeration(Tag.ObjectType, objectTypeOf(o)), text(Tag.UniqueIdentifier, o.uid), objectItem(o, block));
  },
};
