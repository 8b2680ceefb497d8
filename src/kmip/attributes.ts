/**
 * KMIP attributes, per protocol version (docs/kmip.md, "Attributes"). KMIP 1.x carries attributes as
 * `Attribute {Attribute Name (text), Attribute Index?, Attribute Value}` inside Template-Attribute
 * structures (KMIP 1.4 §2.1.1, §2.1.8); KMIP 2.x as tagged items inside `Attributes` (KMIP 2.1 §2.1.1)
 * with Vendor Attributes for custom ones. Responses to a 1.x client hold only attributes 1.x defines, keep
 * Operation Policy Name when the client set it, and never put attributes inside a Key Value.
 *
 * KMIP 2.x Vendor Attribute (KMIP 2.1 §4.60 Table 150, 2.0 §4.56): no tag of its own — the 1.x `Attribute`
 * tag 0x420008 is reused as the Structure {Vendor Identification 0x42009D (Text String, [A-Za-z0-9_.]),
 * Attribute Name 0x42000A (Text String), Attribute Value 0x42000B (any type)}, and an Attribute Reference
 * 0x42013B names one as the Structure {Vendor Identification, Attribute Name} (2.1 §5.5 Table 161). The tag
 * table (2.1 §9.1.3.1) keeps 0x420008, 0x42000A, 0x42000B and 0x42009D and marks 0x420009 (Attribute
 * Index) and 0x42002D (Custom Attribute) reserved. Confirmed by sources that agree: the KMIP 2.1 OS
 * specification text; the OASIS KMIP 2.0/2.1 profile test cases (TL-M-2-21, TL-M-3-21, SKFF-M-9-21, copied
 * into test/vectors/kmip/); Cosmian KMS (`#[serde(rename = "Attribute")] vendor_attributes`,
 * crate/kmip/src/kmip_2_1/kmip_attributes.rs); PyKMIP 0.10 (enums.is_attribute lists Tags.ATTRIBUTE for
 * 2.0; objects.AttributeReference reads Vendor Identification then Attribute Name).
 *
 * Mapping to 1.x (docs/kmip.md): the spec reserves vendor identifications "x" and "y" for 1.x Custom
 * Attributes, and the OASIS test cases pair 1.4's `x-attribute1` with 2.1's (x, attribute1) — so a 1.x
 * custom attribute `x-foo` is the 2.x Vendor Attribute (x, foo), and `y-foo` is (y, foo). Other vendor
 * identifications have no 1.x name and are refused (Invalid Field).
 */
import { CryptographicAlgorithm, LinkType, NameType, ObjectType, RecommendedCurve, State } from './enums.js';
import { child, children, dateTime, enumeration, int, KmipError, read, struct, text, type ProtocolVersion } from './message.js';
import { Tag } from './tags.js';
import { hexToBytes, toHex } from '../protocol/hex.js';
import type { TtlvItem } from './ttlv.js';
import { MAX_KMIP_TEXT, type CustomAttribute, type CustomValueType, type KmipAttributes, type KmipObject, type KmipState } from '../service/kmip/kmip-object.js';
import type { KmipItem } from '../service/kmip/kmip-item.js';
import { keyLengthBits } from '../service/kmip/locate-kmip.js';

export const is2x = (v: ProtocolVersion): boolean => v.major >= 2;

/** What a client asked for in Create / Create Key Pair / Register / Locate / attribute operations. */
export interface ClientAttributes {
  algorithm?: number;
  length?: number;
  usageMask?: number;
  names: string[];
  operationPolicyName?: string;
  activationDate?: Date;
  curve?: number;
  custom: CustomAttribute[];
  objectType?: number;
  state?: number;
  /** 2.x Extractable, or the custom attribute x-strongbox-plaintext-export */
  extractable?: boolean;
}

export const PLAINTEXT_EXPORT_ATTRIBUTE = 'x-strongbox-plaintext-export';

const STATE_VALUE: Record<KmipState, number> = {
  pre_active: State.PreActive,
  active: State.Active,
  deactivated: State.Deactivated,
  compromised: State.Compromised,
  destroyed: State.Destroyed,
  destroyed_compromised: State.DestroyedCompromised,
};
export const stateValue = (s: KmipState): number => STATE_VALUE[s];
export const stateFromValue = (v: number): KmipState | undefined => (Object.entries(STATE_VALUE) as [KmipState, number][]).find(([, n]) => n === v)?.[0];

function dateOf(item: TtlvItem): Date {
  if (item.type !== 'DateTime') throw new KmipError('InvalidField', 'a date attribute must be a Date-Time');
  return new Date(Number(item.value) * 1000);
}

function textOf(item: TtlvItem, what: string): string {
  if (item.type !== 'TextString') throw new KmipError('InvalidField', `${what} must be a Text String`);
  return item.value;
}

function nameOf(item: TtlvItem): string {
  const v = read.text(item, Tag.NameValue);
  if (v === undefined) throw new KmipError('InvalidField', 'Name needs a Name Value');
  return v;
}

function valueNumber(item: TtlvItem, what: string): number {
  if (item.type !== 'Enumeration' && item.type !== 'Integer') throw new KmipError('InvalidField', `${what} has the wrong type`);
  return item.value;
}

/** Applies one attribute, given by its 1.x name or its 2.x tag, to `out`. Unknown attributes are ignored. */
function apply(out: ClientAttributes, name: string, value: TtlvItem): void {
  switch (name) {
    case 'Cryptographic Algorithm':
      out.algorithm = valueNumber(value, name);
      return;
    case 'Cryptographic Length':
      out.length = valueNumber(value, name);
      return;
    case 'Cryptographic Usage Mask':
      out.usageMask = valueNumber(value, name);
      return;
    case 'Name':
      out.names.push(nameOf(value));
      return;
    case 'Operation Policy Name':
      out.operationPolicyName = textOf(value, name);
      return;
    case 'Activation Date':
      out.activationDate = dateOf(value);
      return;
    case 'Object Type':
      out.objectType = valueNumber(value, name);
      return;
    case 'State':
      out.state = valueNumber(value, name);
      return;
    case 'Cryptographic Domain Parameters': {
      const curve = read.enum(value, Tag.RecommendedCurve);
      if (curve !== undefined) out.curve = curve;
      return;
    }
    case 'Extractable':
      if (value.type !== 'Boolean') throw new KmipError('InvalidField', 'Extractable must be a Boolean');
      out.extractable = value.value;
      return;
    default:
      if (isCustomName(name)) {
        const v = customAttributeOf(name, value);
        if (name === PLAINTEXT_EXPORT_ATTRIBUTE) out.extractable = v[1] === 'true' || v[1] === '1';
        else out.custom.push(v);
      }
  }
}

/** A 1.x custom attribute name (`x-…` client-defined, `y-…` server-defined; KMIP 1.4 §3.39). */
export const isCustomName = (name: string): boolean => /^[xy]-/.test(name);

/**
 * What Strongbox keeps of a custom (1.x) or vendor (2.x) attribute: its value as text and its type, so it
 * is answered in the type the client sent (KMIP 1.4 §3.39 and 2.1 §4.60 allow any type). Numbers and
 * Date-Times (seconds) in decimal, Booleans true/false, Byte Strings in hex; a Structure is refused.
 */
export function customAttributeOf(name: string, value: TtlvItem): CustomAttribute {
  // 2.x cannot name (x, '') — an empty Attribute Name is refused there — so 1.x may not name `x-` either: the mapping stays one-to-one.
  if (name.length <= 2) throw new KmipError('InvalidField', `custom attribute ${name} needs a name after ${name.slice(0, 2)}`);
  switch (value.type) {
    case 'TextString':
      return [name, value.value];
    case 'Boolean':
    case 'Integer':
    case 'LongInteger':
    case 'BigInteger':
    case 'Enumeration':
    case 'Interval':
    case 'DateTime':
      return [name, String(value.value), value.type];
    case 'ByteString':
      return [name, toHex(value.value).slice(2), 'ByteString'];
    default:
      throw new KmipError('InvalidField', `custom attribute ${name} must be a single value, not a ${value.type}`);
  }
}

/** The stored custom attribute value as a TTLV item of its type. */
export function customValueItem(tag: number, value: string, type: CustomValueType | undefined): TtlvItem {
  switch (type) {
    case undefined:
      return text(tag, value);
    case 'Boolean':
      return { tag, type, value: value === 'true' };
    case 'Integer':
    case 'Enumeration':
    case 'Interval':
      return { tag, type, value: Number(value) };
    case 'LongInteger':
    case 'BigInteger':
    case 'DateTime':
      return { tag, type, value: BigInt(value) };
    case 'ByteString':
      return { tag, type, value: hexToBytes(value) };
    default:
      return text(tag, value);
  }
}

const VENDOR_IDENTIFICATION = /^[A-Za-z0-9_.]+$/;
/** A vendor attribute's name is kept as `x-<name>`, within the stored text limit. */
export const MAX_VENDOR_ATTRIBUTE_NAME = MAX_KMIP_TEXT - 2;

/** The 1.x custom attribute name of the 2.x vendor attribute (vendor, name): (x, foo) ⇔ `x-foo`. */
export function vendorToCustomName(vendor: string | undefined, name: string | undefined): string {
  if (vendor === undefined) throw new KmipError('InvalidField', 'a Vendor Attribute needs a Vendor Identification');
  if (name === undefined) throw new KmipError('InvalidField', 'a Vendor Attribute needs an Attribute Name');
  if (!VENDOR_IDENTIFICATION.test(vendor)) throw new KmipError('InvalidField', 'Vendor Identification must be letters, digits, underscore or period');
  if (vendor !== 'x' && vendor !== 'y') throw new KmipError('InvalidField', `Vendor Identification ${vendor} is not supported: Strongbox keeps vendor attributes of vendor x (client) and y, the KMIP 1.x custom attributes`);
  if (name.length === 0) throw new KmipError('InvalidField', 'a Vendor Attribute needs a non-empty Attribute Name');
  if (name.length > MAX_VENDOR_ATTRIBUTE_NAME) throw new KmipError('InvalidField', `Vendor Attribute name longer than ${MAX_VENDOR_ATTRIBUTE_NAME} characters`);
  return `${vendor}-${name}`;
}

/** The 2.x (vendor, name) of a 1.x custom attribute name: `x-foo` ⇔ (x, foo). */
export function customNameToVendor(name: string): { vendor: string; name: string } {
  return { vendor: name.slice(0, 1), name: name.slice(2) };
}

/** Reads a 2.x Vendor Attribute (`Attribute` {Vendor Identification, Attribute Name, Attribute Value}). */
export function readVendorAttribute(item: TtlvItem): { name: string; value: TtlvItem | undefined } {
  if (item.type !== 'Structure') throw new KmipError('InvalidField', 'a Vendor Attribute (Attribute) must be a Structure');
  const name = vendorToCustomName(read.text(item, Tag.VendorIdentification), read.text(item, Tag.AttributeName));
  return { name, value: child(item, Tag.AttributeValue) };
}

/**
 * Reads a 2.x Attribute Reference naming a vendor attribute ({Vendor Identification, Attribute Name}) into
 * its 1.x name. A well-formed reference to another vendor's attribute names nothing Strongbox keeps
 * (undefined): Get Attributes answers without it, Delete Attribute answers Item Not Found.
 */
export function readVendorReference(ref: TtlvItem): string | undefined {
  if (ref.type !== 'Structure') throw new KmipError('InvalidField', 'Attribute Reference must be an Enumeration or a Structure');
  const vendor = read.text(ref, Tag.VendorIdentification);
  const name = read.text(ref, Tag.AttributeName);
  if (vendor !== undefined && name !== undefined && vendor !== 'x' && vendor !== 'y' && VENDOR_IDENTIFICATION.test(vendor)) return undefined;
  return vendorToCustomName(vendor, name);
}

/** The 2.x Vendor Attribute for a stored custom attribute (its value an Attribute Value item). */
export function vendorAttribute(customName: string, value: TtlvItem): TtlvItem {
  const v = customNameToVendor(customName);
  return struct(Tag.Attribute, text(Tag.VendorIdentification, v.vendor), text(Tag.AttributeName, v.name), { ...value, tag: Tag.AttributeValue });
}

/** The 2.x Attribute Reference of a stored custom attribute. */
export function vendorReference(customName: string): TtlvItem {
  const v = customNameToVendor(customName);
  return struct(Tag.AttributeReference, text(Tag.VendorIdentification, v.vendor), text(Tag.AttributeName, v.name));
}

const TAG_ATTRIBUTE_NAMES = new Map<number, string>([
  [Tag.CryptographicAlgorithm, 'Cryptographic Algorithm'],
  [Tag.CryptographicLength, 'Cryptographic Length'],
  [Tag.CryptographicUsageMask, 'Cryptographic Usage Mask'],
  [Tag.Name, 'Name'],
  [Tag.ActivationDate, 'Activation Date'],
  [Tag.ObjectType, 'Object Type'],
  [Tag.State, 'State'],
  [Tag.CryptographicDomainParameters, 'Cryptographic Domain Parameters'],
  [Tag.Extractable, 'Extractable'],
  [Tag.OperationPolicyName, 'Operation Policy Name'],
]);

/** The 1.x name an attribute has (2.x: the tag's attribute, or a Vendor Attribute's name). */
export function attributeNameOfTag(tag: number): string | undefined {
  return TAG_ATTRIBUTE_NAMES.get(tag);
}

/** Reads a 1.x `Attribute` structure into (name, value). */
export function readAttribute1(a: TtlvItem): { name: string; index: number | undefined; value: TtlvItem | undefined } {
  const name = read.text(a, Tag.AttributeName);
  if (name === undefined) throw new KmipError('InvalidField', 'Attribute needs an Attribute Name');
  return { name, index: read.int(a, Tag.AttributeIndex), value: child(a, Tag.AttributeValue) };
}

/**
 * Reads one 2.x attribute item (tagged) into (name, value); attributes Strongbox does not keep have no name.
 * A Vendor Attribute (tag Attribute) becomes its 1.x custom attribute name; without an Attribute Value its
 * value is undefined.
 */
export function readAttribute2(item: TtlvItem): { name: string | undefined; value: TtlvItem | undefined } {
  if (item.tag === Tag.Attribute) return readVendorAttribute(item);
  return { name: TAG_ATTRIBUTE_NAMES.get(item.tag), value: item };
}

/**
 * The client's attributes from the given containers: 1.x Template-Attribute structures (and Common /
 * Private / Public Key Template-Attribute), or 2.x Attributes (and Common / Private / Public Key Attributes).
 */
export function readClientAttributes(containers: (TtlvItem | undefined)[]): ClientAttributes {
  const out: ClientAttributes = { names: [], custom: [] };
  for (const c of containers) {
    if (c === undefined) continue;
    if (c.type !== 'Structure') throw new KmipError('InvalidField', 'attributes must be a Structure');
    if (c.tag === Tag.Attributes || c.tag === Tag.CommonAttributes || c.tag === Tag.PrivateKeyAttributes || c.tag === Tag.PublicKeyAttributes) {
      for (const item of c.value) {
        const { name, value } = readAttribute2(item);
        if (name === undefined) continue;
        if (value === undefined) throw new KmipError('InvalidField', `Vendor Attribute ${name.slice(2)} has no Attribute Value`);
        apply(out, name, value);
      }
      continue;
    }
    if (children(c, Tag.Name).length > 0) throw new KmipError('FeatureNotSupported', 'templates (Name inside a Template-Attribute) are not supported');
    for (const a of children(c, Tag.Attribute)) {
      const { name, value } = readAttribute1(a);
      if (value === undefined) throw new KmipError('InvalidField', `attribute ${name} has no Attribute Value`);
      apply(out, name, value);
    }
  }
  return out;
}

/** What Strongbox reports for an object, as (1.x name, value item) pairs. */
function objectAttributes(o: KmipObject, v: ProtocolVersion): [string, TtlvItem][] {
  const r = o.record;
  const out: [string, TtlvItem][] = [];
  const two = is2x(v);
  out.push(['Unique Identifier', text(Tag.UniqueIdentifier, o.uid)]);
  out.push(['Object Type', enumeration(Tag.ObjectType, o.kind === 'symmetric' ? ObjectType.SymmetricKey : o.kind === 'public' ? ObjectType.PublicKey : ObjectType.PrivateKey)]);
  const alg = algorithmOf(r.type, v);
  out.push(['Cryptographic Algorithm', enumeration(Tag.CryptographicAlgorithm, alg)]);
  out.push(['Cryptographic Length', int(Tag.CryptographicLength, keyLengthBits(r.type))]);
  const curve = curveOf(r.type);
  if (curve !== undefined) out.push(['Cryptographic Domain Parameters', struct(Tag.CryptographicDomainParameters, enumeration(Tag.RecommendedCurve, curve))]);
  out.push(['Cryptographic Usage Mask', int(Tag.CryptographicUsageMask, o.attributes.usageMask ?? defaultUsageMask(o))]);
  out.push(['State', enumeration(Tag.State, stateValue(o.state))]);
  out.push(['Initial Date', dateTime(Tag.InitialDate, new Date(r.createdAt))]);
  const a = o.attributes;
  if (a.activationDate) out.push(['Activation Date', dateTime(Tag.ActivationDate, new Date(a.activationDate))]);
  if (a.deactivationDate) out.push(['Deactivation Date', dateTime(Tag.DeactivationDate, new Date(a.deactivationDate))]);
  if (a.compromiseDate) out.push(['Compromise Date', dateTime(Tag.CompromiseDate, new Date(a.compromiseDate))]);
  if (a.destroyDate) out.push(['Destroy Date', dateTime(Tag.DestroyDate, new Date(a.destroyDate))]);
  if (a.revocation) out.push(['Revocation Reason', struct(Tag.RevocationReason, enumeration(Tag.RevocationReasonCode, a.revocation.code), a.revocation.message === undefined ? undefined : text(Tag.RevocationMessage, a.revocation.message))]);
  const names = o.kind === 'public' ? (a.publicNames ?? a.names) : a.names;
  for (const n of names) out.push(['Name', struct(Tag.Name, text(Tag.NameValue, n), enumeration(Tag.NameType, NameType.UninterpretedTextString))]);
  // Removed in KMIP 2.0; returned to 1.x clients that set it (PyKMIP, Percona send it), never invented.
  if (!two && a.operationPolicyName !== undefined) out.push(['Operation Policy Name', text(Tag.OperationPolicyName, a.operationPolicyName)]);
  if (o.kind === 'private') out.push(['Link', struct(Tag.Link, enumeration(Tag.LinkType, 0x102), text(Tag.LinkedObjectIdentifier, r.id + '/public'))]);
  if (o.kind === 'public') out.push(['Link', struct(Tag.Link, enumeration(Tag.LinkType, 0x103), text(Tag.LinkedObjectIdentifier, r.id))]);
  if (o.kind !== 'public' && a.replacementId !== undefined) out.push(['Link', struct(Tag.Link, enumeration(Tag.LinkType, LinkType.ReplacementObjectLink), text(Tag.LinkedObjectIdentifier, a.replacementId))]);
  if (o.kind !== 'public' && a.replacedId !== undefined) out.push(['Link', struct(Tag.Link, enumeration(Tag.LinkType, LinkType.ReplacedObjectLink), text(Tag.LinkedObjectIdentifier, a.replacedId))]);
  if (two && o.kind !== 'public') {
    out.push(['Sensitive', { tag: Tag.Sensitive, type: 'Boolean', value: !o.plaintextExport }]);
    out.push(['Extractable', { tag: Tag.Extractable, type: 'Boolean', value: o.plaintextExport }]);
  }
  if (!two && o.kind !== 'public') out.push([PLAINTEXT_EXPORT_ATTRIBUTE, text(Tag.AttributeValue, String(o.plaintextExport))]);
  for (const [name, value, type] of a.custom) out.push([name, customValueItem(Tag.AttributeValue, value, type)]);
  return out;
}

/** What Strongbox reports for a KMIP item (a registered public key, Secret Data, Opaque Object). */
function itemAttributes(o: KmipItem, v: ProtocolVersion): [string, TtlvItem][] {
  const out: [string, TtlvItem][] = [];
  const two = is2x(v);
  out.push(['Unique Identifier', text(Tag.UniqueIdentifier, o.uid)]);
  out.push(['Object Type', enumeration(Tag.ObjectType, o.kind === 'public_key' ? ObjectType.PublicKey : o.kind === 'secret_data' ? ObjectType.SecretData : ObjectType.OpaqueObject)]);
  const a = o.attributes;
  if (o.keyType !== undefined) {
    out.push(['Cryptographic Algorithm', enumeration(Tag.CryptographicAlgorithm, algorithmOf(o.keyType, v))]);
    out.push(['Cryptographic Length', int(Tag.CryptographicLength, keyLengthBits(o.keyType))]);
    const curve = curveOf(o.keyType);
    if (curve !== undefined) out.push(['Cryptographic Domain Parameters', struct(Tag.CryptographicDomainParameters, enumeration(Tag.RecommendedCurve, curve))]);
  }
  // A public key verifies (RSA: and encrypts); a secret's usage mask is only what the client set.
  const usage = a.usageMask ?? (o.keyType === undefined ? undefined : o.keyType.startsWith('rsa') ? 0x2 | 0x4 : 0x2);
  if (usage !== undefined) out.push(['Cryptographic Usage Mask', int(Tag.CryptographicUsageMask, usage)]);
  out.push(['State', enumeration(Tag.State, stateValue(o.state))]);
  out.push(['Initial Date', dateTime(Tag.InitialDate, new Date(o.createdAt))]);
  if (a.activationDate) out.push(['Activation Date', dateTime(Tag.ActivationDate, new Date(a.activationDate))]);
  if (a.deactivationDate) out.push(['Deactivation Date', dateTime(Tag.DeactivationDate, new Date(a.deactivationDate))]);
  if (a.compromiseDate) out.push(['Compromise Date', dateTime(Tag.CompromiseDate, new Date(a.compromiseDate))]);
  if (a.destroyDate) out.push(['Destroy Date', dateTime(Tag.DestroyDate, new Date(a.destroyDate))]);
  if (a.revocation) out.push(['Revocation Reason', struct(Tag.RevocationReason, enumeration(Tag.RevocationReasonCode, a.revocation.code), a.revocation.message === undefined ? undefined : text(Tag.RevocationMessage, a.revocation.message))]);
  for (const n of a.names) out.push(['Name', struct(Tag.Name, text(Tag.NameValue, n), enumeration(Tag.NameType, NameType.UninterpretedTextString))]);
  if (!two && a.operationPolicyName !== undefined) out.push(['Operation Policy Name', text(Tag.OperationPolicyName, a.operationPolicyName)]);
  for (const [name, value, type] of a.custom) out.push([name, customValueItem(Tag.AttributeValue, value, type)]);
  return out;
}

const attributesOf = (o: KmipObject | KmipItem, v: ProtocolVersion): [string, TtlvItem][] => ('record' in o ? objectAttributes(o, v) : itemAttributes(o, v));

function defaultUsageMask(o: KmipObject): number {
  switch (o.record.type) {
    case 'aes256':
      return 0x4 | 0x8 | 0x10 | 0x20;
    case 'hmac256':
      return 0x80 | 0x100;
    default:
      return o.kind === 'public' ? 0x2 : 0x1;
  }
}

export function algorithmOf(type: string, v: ProtocolVersion): number {
  switch (type) {
    case 'aes256':
      return CryptographicAlgorithm.AES;
    case 'hmac256':
      return CryptographicAlgorithm.HMAC_SHA256;
    case 'rsa2048':
    case 'rsa3072':
    case 'rsa4096':
      return CryptographicAlgorithm.RSA;
    case 'ed25519':
      // KMIP 1.x has no Ed25519 algorithm: EC with curve 25519 is the nearest it can name.
      return is2x(v) ? CryptographicAlgorithm.Ed25519 : CryptographicAlgorithm.EC;
    default:
      return is2x(v) ? CryptographicAlgorithm.EC : CryptographicAlgorithm.ECDSA;
  }
}

export function curveOf(type: string): number | undefined {
  switch (type) {
    case 'p256':
      return RecommendedCurve.P_256;
    case 'secp256k1':
      return RecommendedCurve.SECP256K1;
    case 'ed25519':
      return RecommendedCurve.CURVE25519;
    default:
      return undefined;
  }
}

/** 1.x attribute names Strongbox reports (Get Attribute List, and the default of Get Attributes). */
export function attributeNames(o: KmipObject | KmipItem, v: ProtocolVersion): string[] {
  return [...new Set(attributesOf(o, v).map(([n]) => n))];
}

/**
 * Get Attributes' answer: 1.x a list of `Attribute` structures (indexed per name), 2.x one `Attributes`
 * structure (custom attributes as Vendor Attributes). `wanted` filters by 1.x name; empty = all.
 */
export function encodeAttributes(o: KmipObject | KmipItem, v: ProtocolVersion, wanted: string[]): TtlvItem[] {
  const all = attributesOf(o, v).filter(([n]) => wanted.length === 0 || wanted.includes(n));
  if (is2x(v)) {
    // Custom attributes travel as Vendor Attributes (x, foo).
    return [struct(Tag.Attributes, ...all.map(([n, item]) => (isCustomName(n) ? vendorAttribute(n, item) : item)))];
  }
  const index = new Map<string, number>();
  return all.map(([n, item]) => {
    const i = index.get(n) ?? 0;
    index.set(n, i + 1);
    return struct(Tag.Attribute, text(Tag.AttributeName, n), i > 0 ? int(Tag.AttributeIndex, i) : undefined, { ...item, tag: Tag.AttributeValue });
  });
}

/** The KmipAttributes after applying client attributes (Create/Register and the attribute operations). */
export function mergeClientAttributes(base: KmipAttributes, c: ClientAttributes, forPublic = false): KmipAttributes {
  const out: KmipAttributes = { ...base, names: [...base.names], custom: [...base.custom] };
  if (forPublic) out.publicNames = [...(base.publicNames ?? []), ...c.names];
  else out.names.push(...c.names);
  if (c.usageMask !== undefined) out.usageMask = c.usageMask;
  if (c.operationPolicyName !== undefined) out.operationPolicyName = c.operationPolicyName;
  if (c.activationDate !== undefined) out.activationDate = c.activationDate.toISOString();
  for (const entry of c.custom) {
    const i = out.custom.findIndex(([n]) => n === entry[0]);
    if (i >= 0) out.custom[i] = entry;
    else out.custom.push(entry);
  }
  return out;
}
