/**
 * Get Attributes, Get Attribute List, Add / Set / Modify / Delete Attribute (KMIP 1.4 §4.12-4.15; 2.1
 * §6.1.23-24, §6.1.2, §6.1.48, §6.1.31, §6.1.16). Clients may set Name, Cryptographic Usage Mask,
 * Operation Policy Name and custom attributes (`x-…`); the others are derived from the key and read-only.
 * KMIP items (a registered public key: keys:read / keys:update; Secret Data and Opaque Objects:
 * secrets:read / secrets:write on their secret) answer the same way.
 */
import type { KmipAttributes } from '../../service/kmip/kmip-object.js';
import { updateKmipAttributes } from '../../service/kmip/kmip-lifecycle.js';
import { updateKmipItemAttributes } from '../../service/kmip/kmip-item.js';
import { attributeNames, encodeAttributes, is2x, readAttribute1, readAttribute2 } from '../attributes.js';
import { child, children, enumeration, KmipError, read, struct, text } from '../message.js';
import { Tag, tagByName } from '../tags.js';
import type { TtlvItem } from '../ttlv.js';
import { assertUnsealed, itemFor, objectFor, uidOf, type KmipCall, type KmipOperation } from './call.js';

const WRITABLE = new Set(['Name', 'Cryptographic Usage Mask', 'Operation Policy Name']);
const isCustom = (name: string): boolean => /^[xy]-/.test(name);

/** The 1.x name a 2.x Attribute Reference (an Enumeration of a tag, or a vendor structure) stands for. */
function referenceName(ref: TtlvItem): string {
  if (ref.type === 'Enumeration') {
    for (const [name, tag] of Object.entries(Tag)) if (tag === ref.value) return name.replace(/([a-z])([A-Z])/g, '$1 $2');
    throw new KmipError('InvalidField', 'unknown Attribute Reference');
  }
  const name = read.text(ref, Tag.AttributeName);
  if (name === undefined) throw new KmipError('InvalidField', 'Attribute Reference needs an Attribute Name');
  return isCustom(name) ? name : `x-${name}`;
}

export const getAttributes: KmipOperation = {
  name: 'GetAttributes',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const o = (await itemFor(call, uid, 'keys:read', 'secrets:read')) ?? (await objectFor(call, uid, 'keys:read'));
    const wanted = is2x(call.version) ? children(payload, Tag.AttributeReference).map(referenceName) : children(payload, Tag.AttributeName).map((n) => (n.type === 'TextString' ? n.value : ''));
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
    // 2.x Attribute References name standard attributes by tag; custom (1.x) attributes are not listed.
    const refs = names.map((n) => {
      if (isCustom(n)) return undefined;
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
  const item = holder?.type === 'Structure' ? holder.value[0] : undefined;
  if (item === undefined) throw new KmipError('MissingData', `${tag2x === Tag.NewAttribute ? 'New Attribute' : 'Current Attribute'} is required`);
  const { name, value } = readAttribute2(item);
  if (name === undefined) throw new KmipError('InvalidField', 'this attribute cannot be changed');
  return { name, index: undefined, value };
}

function assertWritable(name: string): void {
  if (!WRITABLE.has(name) && !isCustom(name)) throw new KmipError('PermissionDenied', `attribute ${name} is read-only`);
}

function applyChange(a: KmipAttributes, c: Change, mode: 'add' | 'set' | 'delete'): KmipAttributes {
  const next: KmipAttributes = { ...a, names: [...a.names], custom: a.custom.map(([k, v]) => [k, v] as [string, string]) };
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
      const v = c.value!;
      const textValue = v.type === 'TextString' ? v.value : v.type === 'Integer' || v.type === 'Enumeration' || v.type === 'Boolean' ? String(v.value) : undefined;
      if (textValue === undefined) throw new KmipError('InvalidField', 'custom attributes are text, numbers or booleans');
      if (i >= 0) next.custom[i] = [c.name, textValue];
      else next.custom.push([c.name, textValue]);
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
      c = ref !== undefined ? { name: referenceName(ref), index: undefined, value: undefined } : { ...changeOf(call, payload, Tag.CurrentAttribute), value: undefined };
    }
    assertWritable(c.name);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:update', 'secrets:write');
    if (item !== undefined) {
      await updateKmipItemAttributes(call.ctx, item, applyChange(item.attributes, c, 'delete'));
      return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, item.uid));
    }
    const o = await objectFor(call, uid, 'keys:update');
    await updateKmipAttributes(call.ctx, o, applyChange(o.attributes, c, 'delete'));
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};
