/**
 * Strongbox keys as PKCS#11 objects (PKCS#11 v3.0 base §4: storage, key, public/private/secret key
 * objects; current mechanisms §2.3 (EC), §2.3.5 (Edwards), §2.14 (AES), §2.18 (generic secret)).
 *
 * An ECDSA or Ed25519 key is two objects (CKO_PRIVATE_KEY, CKO_PUBLIC_KEY) with the same CKA_ID
 * (the key id's 16 bytes) and CKA_LABEL (the key name, or its id when unnamed); an aes256 or
 * hmac256 key is one CKO_SECRET_KEY. Private and secret keys are sensitive and never extractable:
 * CKA_VALUE of either is CKR_ATTRIBUTE_SENSITIVE. An RSA key (§2.1.2, §2.1.3) is a public-key object
 * with CKA_MODULUS, CKA_MODULUS_BITS and CKA_PUBLIC_EXPONENT and a private-key object with the
 * modulus and public exponent only (its private exponent and CRT values are sensitive).
 */
import { createPublicKey } from 'node:crypto';
import type { ServiceKey } from '../service/shared/resolve-key.js';
import { createHash } from 'node:crypto';
import { certificateFields } from './certificate-fields.js';
import { CKA, CKC, CKK, CKM, CKO } from './constants.js';
import { bool, bytesAttr, ulongAttr, type Attribute } from './rpc-calls.js';

export type ObjectClass = typeof CKO.PUBLIC_KEY | typeof CKO.PRIVATE_KEY | typeof CKO.SECRET_KEY | typeof CKO.CERTIFICATE;

/** DER-encoded curve OIDs (CKA_EC_PARAMS): prime256v1, secp256k1, id-Ed25519 (RFC 8410). */
export const EC_PARAMS: Readonly<Record<'p256' | 'secp256k1' | 'ed25519', string>> = {
  p256: '06082a8648ce3d030107',
  secp256k1: '06052b8104000a',
  ed25519: '06032b6570',
};
/** Ed25519 as PKCS#11 v3.0 also allows naming it: PrintableString "edwards25519". */
const EDWARDS25519_NAME = '130c656477617264733235353139';

export function curveOfParams(params: Uint8Array): 'p256' | 'secp256k1' | 'ed25519' | undefined {
  const hex = Buffer.from(params).toString('hex');
  if (hex === EDWARDS25519_NAME) return 'ed25519';
  for (const [k, v] of Object.entries(EC_PARAMS)) if (v === hex) return k as 'p256' | 'secp256k1' | 'ed25519';
  return undefined;
}

const isRsa = (key: ServiceKey) => key.type === 'rsa2048' || key.type === 'rsa3072' || key.type === 'rsa4096';

/** CKA_MODULUS and CKA_PUBLIC_EXPONENT (big-endian, no leading zeros) of an RSA SubjectPublicKeyInfo. */
export function rsaPublicNumbers(spki: Uint8Array): { modulus: Uint8Array; publicExponent: Uint8Array } {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return { modulus: new Uint8Array(Buffer.from(jwk.n!, 'base64url')), publicExponent: new Uint8Array(Buffer.from(jwk.e!, 'base64url')) };
}

/** The classes a key appears as. */
export function classesOf(key: ServiceKey): ObjectClass[] {
  return key.type === 'aes256' || key.type === 'hmac256' ? [CKO.SECRET_KEY] : [CKO.PRIVATE_KEY, CKO.PUBLIC_KEY];
}

/** The 16 bytes of a UUID key id (CKA_ID); pkcs11-tool's `--id` is its hex without dashes. */
export function keyIdBytes(id: string): Uint8Array {
  return new Uint8Array(Buffer.from(id.replace(/-/g, ''), 'hex'));
}

/** DER OCTET STRING around a point (CKA_EC_POINT is the DER encoding, PKCS#11 v3.0 §2.3.3). */
function octetString(bytes: Uint8Array): Uint8Array {
  const len = bytes.length < 128 ? [bytes.length] : [0x81, bytes.length];
  return new Uint8Array([0x04, ...len, ...bytes]);
}

function keyType(key: ServiceKey): number {
  switch (key.type) {
    case 'p256':
    case 'secp256k1':
      return CKK.EC;
    case 'ed25519':
      return CKK.EC_EDWARDS;
    case 'aes256':
      return CKK.AES;
    case 'hmac256':
      return CKK.GENERIC_SECRET;
    default:
      // RSA key types (once they land) are CKK_RSA; until then no other type reaches here.
      return CKK.RSA;
  }
}

function genMechanism(key: ServiceKey): number {
  switch (key.type) {
    case 'p256':
    case 'secp256k1':
      return CKM.EC_KEY_PAIR_GEN;
    case 'ed25519':
      return CKM.EC_EDWARDS_KEY_PAIR_GEN;
    case 'aes256':
      return CKM.AES_KEY_GEN;
    case 'hmac256':
      return CKM.GENERIC_SECRET_KEY_GEN;
    default:
      return CKM.RSA_PKCS_KEY_PAIR_GEN;
  }
}

/**
 * Every attribute of one object, in a Map by type. `spki` is the key's DER SubjectPublicKeyInfo
 * (CKA_PUBLIC_KEY_INFO), absent for secret keys. Sensitive attributes are listed in `sensitive`.
 */
export function objectAttributes(key: ServiceKey, cls: ObjectClass, spki: Uint8Array | undefined): Map<number, Attribute> {
  const m = new Map<number, Attribute>();
  const put = (a: Attribute) => m.set(a.type, a);
  const label = new TextEncoder().encode(key.name ?? key.id);
  put(ulongAttr(CKA.CLASS, cls));
  put(bool(CKA.TOKEN, true));
  put(bool(CKA.PRIVATE, cls !== CKO.PUBLIC_KEY));
  put(bool(CKA.MODIFIABLE, false));
  put(bool(CKA.COPYABLE, false));
  put(bool(CKA.DESTROYABLE, true));
  put(bytesAttr(CKA.LABEL, label));
  put(bytesAttr(CKA.ID, keyIdBytes(key.id)));
  put(ulongAttr(CKA.KEY_TYPE, keyType(key)));
  put(bytesAttr(CKA.START_DATE, new Uint8Array(0)));
  put(bytesAttr(CKA.END_DATE, new Uint8Array(0)));
  put(bool(CKA.DERIVE, false));
  put(bool(CKA.LOCAL, key.origin === 'generated'));
  put(ulongAttr(CKA.KEY_GEN_MECHANISM, genMechanism(key)));
  const ec = key.type === 'p256' || key.type === 'secp256k1' || key.type === 'ed25519' ? key.type : undefined;
  if (ec !== undefined) put(bytesAttr(CKA.EC_PARAMS, new Uint8Array(Buffer.from(EC_PARAMS[ec], 'hex'))));
  const rsa = isRsa(key);
  if (rsa && spki !== undefined) {
    const { modulus, publicExponent } = rsaPublicNumbers(spki);
    put(bytesAttr(CKA.MODULUS, modulus));
    put(bytesAttr(CKA.PUBLIC_EXPONENT, publicExponent));
    if (cls === CKO.PUBLIC_KEY) put(ulongAttr(CKA.MODULUS_BITS, modulus.length * 8));
  }
  if (cls === CKO.PUBLIC_KEY) {
    put(bool(CKA.VERIFY, true));
    put(bool(CKA.ENCRYPT, rsa));
    put(bool(CKA.WRAP, false));
    put(bool(CKA.VERIFY_RECOVER, false));
    put(bool(CKA.TRUSTED, false));
    if (ec !== undefined && key.publicKey !== null) put(bytesAttr(CKA.EC_POINT, octetString(key.publicKey)));
    if (spki !== undefined) put(bytesAttr(CKA.PUBLIC_KEY_INFO, spki));
    put(bytesAttr(CKA.SUBJECT, new Uint8Array(0)));
  } else {
    const secret = cls === CKO.SECRET_KEY;
    const mac = key.type === 'hmac256';
    put(bool(CKA.SENSITIVE, true));
    put(bool(CKA.ALWAYS_SENSITIVE, true));
    put(bool(CKA.EXTRACTABLE, false));
    put(bool(CKA.NEVER_EXTRACTABLE, true));
    put(bool(CKA.SIGN, !secret || mac));
    put(bool(CKA.VERIFY, secret && mac));
    put(bool(CKA.ENCRYPT, secret && !mac));
    put(bool(CKA.DECRYPT, (secret && !mac) || rsa));
    put(bool(CKA.SIGN_RECOVER, false));
    put(bool(CKA.UNWRAP, false));
    put(bool(CKA.WRAP, false));
    put(bool(CKA.ALWAYS_AUTHENTICATE, false));
    put(bool(CKA.WRAP_WITH_TRUSTED, false));
    if (secret) put(ulongAttr(CKA.VALUE_LEN, 32));
    else {
      put(bytesAttr(CKA.SUBJECT, new Uint8Array(0)));
      if (spki !== undefined) put(bytesAttr(CKA.PUBLIC_KEY_INFO, spki));
    }
  }
  return m;
}

/**
 * The X.509 certificate object of a key with an attached certificate (PKCS#11 v3.0 §4.6.3): public,
 * CKA_ID and CKA_LABEL of its key (SunPKCS11's KeyStore pairs a private key with the certificate of
 * the same CKA_ID), CKA_VALUE the certificate's DER.
 */
export function certificateAttributes(key: ServiceKey, der: Uint8Array): Map<number, Attribute> {
  const m = new Map<number, Attribute>();
  const put = (a: Attribute) => m.set(a.type, a);
  const { subject, issuer, serialNumber } = certificateFields(der);
  put(ulongAttr(CKA.CLASS, CKO.CERTIFICATE));
  put(bool(CKA.TOKEN, true));
  put(bool(CKA.PRIVATE, false));
  put(bool(CKA.MODIFIABLE, false));
  put(bool(CKA.COPYABLE, false));
  put(bool(CKA.DESTROYABLE, true));
  put(bytesAttr(CKA.LABEL, new TextEncoder().encode(key.name ?? key.id)));
  put(ulongAttr(CKA.CERTIFICATE_TYPE, CKC.X_509));
  put(bool(CKA.TRUSTED, false));
  // 0: unspecified (§4.6.2); the token asserts nothing about who the certificate belongs to.
  put(ulongAttr(CKA.CERTIFICATE_CATEGORY, 0));
  // §4.6.2: the first three bytes of the SHA-1 of the DER.
  put(bytesAttr(CKA.CHECK_VALUE, new Uint8Array(createHash('sha1').update(der).digest().subarray(0, 3))));
  put(bytesAttr(CKA.START_DATE, new Uint8Array(0)));
  put(bytesAttr(CKA.END_DATE, new Uint8Array(0)));
  put(bytesAttr(CKA.SUBJECT, subject));
  put(bytesAttr(CKA.ID, keyIdBytes(key.id)));
  put(bytesAttr(CKA.ISSUER, issuer));
  put(bytesAttr(CKA.SERIAL_NUMBER, serialNumber));
  put(bytesAttr(CKA.VALUE, der));
  put(bytesAttr(CKA.URL, new Uint8Array(0)));
  put(bytesAttr(CKA.HASH_OF_SUBJECT_PUBLIC_KEY, new Uint8Array(0)));
  put(bytesAttr(CKA.HASH_OF_ISSUER_PUBLIC_KEY, new Uint8Array(0)));
  put(ulongAttr(CKA.JAVA_MIDP_SECURITY_DOMAIN, 0));
  return m;
}

/** Attributes that exist but are never revealed (key material). */
export const SENSITIVE_ATTRIBUTES = new Set<number>([CKA.VALUE, 0x123 /* PRIVATE_EXPONENT */, 0x124, 0x125, 0x126, 0x127, 0x128]);

/** Whether an attribute of a template matches the object's (same encoded value). */
export function matches(attrs: Map<number, Attribute>, template: readonly Attribute[]): boolean {
  for (const t of template) {
    const a = attrs.get(t.type);
    if (a === undefined || a.value === null || t.value === null) return false;
    if (!sameValue(a, t)) return false;
  }
  return true;
}

function sameValue(a: Attribute, b: Attribute): boolean {
  const x = a.value!;
  const y = b.value!;
  if ((x.kind === 'byte' || x.kind === 'ulong') && x.kind === y.kind) return BigInt(x.value) === BigInt(y.value);
  if ((x.kind === 'bytes' || x.kind === 'date') && (y.kind === 'bytes' || y.kind === 'date')) {
    const p = x.value ?? new Uint8Array(0);
    const q = y.value ?? new Uint8Array(0);
    return Buffer.from(p).equals(Buffer.from(q));
  }
  return false;
}
