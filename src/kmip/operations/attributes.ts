/**
 * Get Attributes, Get Attribute List, Add / Set / Modify / Delete Attribute (KMIP 1.4 §4.12-4.15; 2.1
 * §6.1.23-24, §6.1.2, §6.1.48, §6.1.31, §6.1.16). Clients may set Name, Cryptographic Usage Mask,
 * Operation Policy Name and custom attributes (1.x `x-…`, the 2.x Vendor Attributes (x, …); see
 * ../attributes.ts); the others are derived from the key and read-only.
 * KMIP items (a registered public key: keys:read / keys:update; Secret Data and Opaque Objects:
 * secrets:read / secrets:write on their secret) answer the same way.
 */
import type { CustomAttribute, KmipAttributes, KmipObject } from '../../service/kmip/kmip-object.js';
import { updateKmipAttributes } from '../../service/kmip/kmip-lifecycle.js';
import { updateKmipItemAttributes } from '../../service/kmip/kmip-item.js';
import { attributeNames, customAttributeOf, encodeAttributes, is2x, isCustomName, PLAINTEXT_EXPORT_ATTRIBUTE, readAttribute1, readAttribute2, readVendorReference, vendorReference } from '../attributes.js';
import { child, children, enumeration, KmipError, read, struct, text } from '../message.js';
import { Tag, tagByName } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';
import { assertUnsealed, itemFor, objectFor, uidOf, type KmipCall, type KmipOperation } from './call.js';

const WRITABLE = new Set(['Name', 'Cryptographic Usage Mask', 'Operation Policy Name']);

/**
 * The 1.x name a 2.x Attribute Reference stands for: an Enumeration of a tag, or a Vendor Attribute
 * reference {Vendor Identification, Attribute Name} (KMIP 2.1 §5.5), (x, foo) being `x-foo`.
 */
function referenceName(ref: TtlvItem): string | undefined {
  if (ref.type === 'Enumeration') {
    for (const [name, tag] of Object.entries(Tag)) if (tag === ref.value) return name.replace(/([a-z])([A-Z])/g, '$1 $2');
    throw new KmipError('InvalidField', 'unknown Attribute Reference');
  }
  return readVendorReference(ref);
}

export const getAttributes: KmipOperation = {
  name: 'GetAttributes',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const o = (await itemFor(call, uid, 'keys:read', 'secrets:read')) ?? (await objectFor(call, uid, 'keys:read'));
    // Another vendor's attribute is never kept: its reference selects nothing ('' is no attribute's name).
    const wanted = is2x(call.version) ? children(payload, Tag.AttributeReference).map((r) => referenceName(r) ?? '') : children(payload, Tag.AttributeName).map((n) => (n.type === 'TextString' ? n.value : ''));
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), ...encodeAttributes(o, call.version, wanted));
  },
};

export const getAttributeList: KmipOperation = {
  name: 'GetAttributeList',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const o = (await itemFor(call, uid, 'keys:read', 'secrets:read')) ?? (await objectFor(call, uid, 'keys:read'));
    const names = attributeNames(o, call.version);
    if (!is2x(call.version)) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), ...names.map((n) => text(Tag.AttributeName, n)));
    // 2.x Attribute References name standard attributes by tag, custom attributes as Vendor Attribute references.
    const refs = names.map((n) => {
      if (isCustomName(n)) return vendorReference(n);
      const tag = tagByName(n.replaceAll(' ', ''));
      return tag === undefined ? undefined : enumeration(Tag.AttributeReference, tag);
    });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), ...refs);
  },
};

interface Change {
  name: string;
  index: number | undefined;
  value: TtlvItem | undefined;
}

/** The attribute an Add/Set/Modify names: 1.x `Attribute`, 2.x `New Attribute` (or `Current Attribute`). */
function changeOf(call: KmipCall, payload: TtlvItem | undefined, tag2x: number): Change {
  if (!is2x(call.version)) {
    const a = read.structure(payload, Tag.Attribute);
    if (a === undefined) throw new KmipError('MissingData', 'Attribute is required');
    return readAttribute1(a);
  }
  const holder = read.structure(payload, tag2x);
  const what = tag2x === Tag.NewAttribute ? 'New Attribute' : 'Current Attribute';
  const item = holder?.type === 'Structure' ? holder.value[0] : undefined;
  if (item === undefined) throw new KmipError('MissingData', `${what} is required`);
  if (holder!.type === 'Structure' && holder!.value.length > 1) throw new KmipError('InvalidField', `${what} holds one attribute`);
  const { name, value } = readAttribute2(item);
  if (name === undefined) throw new KmipError('InvalidField', 'this attribute cannot be changed');
  return { name, index: undefined, value };
}

function assertWritable(name: string): void {
  // The plaintext-export mark is fixed at creation (docs/kmip.md, "The plaintext question").
  if (name === PLAINTEXT_EXPORT_ATTRIBUTE || (!WRITABLE.has(name) && !isCustomName(name))) throw new KmipError('PermissionDenied', `attribute ${name} is read-only`);
}

function applyChange(a: KmipAttributes, c: Change, mode: 'add' | 'set' | 'delete'): KmipAttributes {
  const next: KmipAttributes = { ...a, names: [...a.names], custom: a.custom.map((entry) => [...entry] as CustomAttribute) };
  if (mode !== 'delete' && c.value === undefined) throw new KmipError('MissingData', 'Attribute Value is required');
  switch (c.name) {
    case 'Name': {
      if (mode === 'delete') {
        const i = c.index ?? 0;
        if (i >= next.names.length) throw new KmipError('ItemNotFound', 'no Name at that index');
        next.names.splice(i, 1);
      } else {
        const v = read.text(c.value, Tag.NameValue);
        if (v === undefined) throw new KmipError('InvalidField', 'Name needs a Name Value');
        if (mode === 'add' || (c.index === undefined && next.names.length === 0)) next.names.push(v);
        else next.names[c.index ?? 0] = v;
      }
      return next;
    }
    case 'Cryptographic Usage Mask':
      if (mode === 'delete') delete next.usageMask;
      else if (c.value!.type !== 'Integer') throw new KmipError('InvalidField', 'Cryptographic Usage Mask is an Integer');
      else next.usageMask = c.value!.value;
      return next;
    case 'Operation Policy Name':
      if (mode === 'delete') delete next.operationPolicyName;
      else if (c.value!.type !== 'TextString') throw new KmipError('InvalidField', 'Operation Policy Name is a Text String');
      else next.operationPolicyName = c.value!.value;
      return next;
    default: {
      const i = next.custom.findIndex(([k]) => k === c.name);
      if (mode === 'delete') {
        if (i < 0) throw new KmipError('ItemNotFound', `no attribute ${c.name}`);
        next.custom.splice(i, 1);
        return next;
      }
      const entry = customAttributeOf(c.name, c.value!);
      if (i >= 0) next.custom[i] = entry;
      else next.custom.push(entry);
      return next;
    }
  }
}

function echo(call: KmipCall, o: { uid: string }, c: Change): TtlvItem {
  if (is2x(call.version) || c.value === undefined) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid), struct(Tag.Attribute, text(Tag.AttributeName, c.name), c.index === undefined ? undefined : { tag: Tag.AttributeIndex, type: 'Integer', value: c.index }, { ...c.value, tag: Tag.AttributeValue }));
}

function changeOperation(name: string, mode: 'add' | 'set', tag2x: number): KmipOperation {
  return {
    name,
    async run(call, payload) {
      assertUnsealed(call);
      const c = changeOf(call, payload, tag2x);
      assertWritable(c.name);
      const uid = uidOf(call, payload);
      const item = await itemFor(call, uid, 'keys:update', 'secrets:write');
      if (item !== undefined) return echo(call, await updateKmipItemAttributes(call.ctx, item, applyChange(item.attributes, c, mode)), c);
      const o = await objectFor(call, uid, 'keys:update');
      const updated = await updateKmipAttributes(call.ctx, o, applyChange(o.attributes, c, mode));
      return echo(call, updated, c);
    },
  };
}

export const addAttribute = changeOperation('AddAttribute', 'add', Tag.NewAttribute);
export const setAttribute = changeOperation('SetAttribute', 'set', Tag.NewAttribute);
export const modifyAttribute = changeOperation('ModifyAttribute', 'set', Tag.NewAttribute);

export const deleteAttribute: KmipOperation = {
  name: 'DeleteAttribute',
  async run(call, payload) {
    assertUnsealed(call);
    let c: Change;
    if (!is2x(call.version)) {
      const name = read.text(payload, Tag.AttributeName);
      if (name === undefined) throw new KmipError('MissingData', 'Attribute Name is required');
      c = { name, index: read.int(payload, Tag.AttributeIndex), value: undefined };
    } else {
      const ref = child(payload, Tag.AttributeReference);
      const name = ref === undefined ? undefined : referenceName(ref);
      if (ref !== undefined && name === undefined) throw new KmipError('ItemNotFound', 'no such vendor attribute: Strongbox keeps vendor attributes of vendor x and y only');
      c = name !== undefined ? { name, index: undefined, value: undefined } : { ...changeOf(call, payload, Tag.CurrentAttribute), value: undefined };
    }
    assertWritable(c.name);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:update', 'secrets:write');
    const o = item ?? (await objectFor(call, uid, 'keys:update'));
    // 1.x answers the deleted attribute (KMIP 1.4 §4.16); 2.x only the Unique Identifier (2.1 §6.1.16).
    const index = c.index ?? 0;
    const deleted = is2x(call.version) ? undefined : encodeAttributes(o, call.version, [c.name]).find((a) => (read.int(a, Tag.AttributeIndex) ?? 0) === index);
    if (item !== undefined) {
      await updateKmipItemAttributes(call.ctx, item, applyChange(item.attributes, c, 'delete'));
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, item.uid), deleted);
    }
    const key = o as KmipObject;
    await updateKmipAttributes(call.ctx, key, applyChange(key.attributes, c, 'delete'));
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, key.uid), deleted);
  },
};
