/**
 * KMIP Locate (KMIP 1.4 §4.9, 2.1 §6.1.27): the objects matching every given attribute, in key creation
 * order, skipping `offset` and returning at most `maximum`. Every key is a KMIP object (REST-made keys
 * too), and an asymmetric key is two (private, then `<id>/public`). Objects the caller may not read are
 * left out (the `visible` predicate is the interface's authorization), so Locate is no existence oracle.
 *
 * The store narrows the candidates through indexes (migration 20: kmip_names, keys by type and by state),
 * so Locate reads only keys that can match, never every key; the exact KMIP rules (object kind, the
 * KMIP state derived from the key's state, every Name, the length) are checked here on those. Paging
 * (Offset Items, Maximum Items) counts visible matching objects in creation order.
 *
 * KMIP items that are not keys (kmip-item.ts: registered Public Keys, Secret Data, Opaque Objects) follow
 * the keys, in their own creation order, narrowed by their own indexes (migration 22).
 */
import { isThresholdKeyType, type KeyType } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRecord, KeyState, KmipItemFilter, KmipLocateFilter } from '../../storage/types.js';
import { kmipItemOf, type KmipItem } from './kmip-item.js';
import { toKmipObject, type CustomAttribute, type KmipObject, type KmipObjectKind, type KmipState } from './kmip-object.js';

/** Object kinds Locate tells apart: keys' (kmip-object.ts) and items' (a registered public key is 'public'). */
export type LocateKind = KmipObjectKind | 'secret_data' | 'opaque';

export interface LocateCriteria {
  names?: string[];
  kinds?: LocateKind[];
  states?: KmipState[];
  /** Strongbox key types the Cryptographic Algorithm (and curve) given maps to */
  types?: KeyType[];
  lengthBits?: number;
  /** custom attributes (1.x name, value, type) the object must carry; matched on the candidates, no index */
  custom?: CustomAttribute[];
  offset?: number;
  maximum?: number;
}

const PAGE = 500;

/** Key states a KMIP state can come from (service/kmip/kmip-object.ts kmipState). */
const KEY_STATES: Record<KmipState, KeyState[]> = {
  active: ['enabled'],
  pre_active: ['disabled'],
  deactivated: ['disabled'],
  compromised: ['disabled'],
  destroyed: ['pending_deletion', 'destroyed'],
  destroyed_compromised: ['pending_deletion', 'destroyed'],
};

const SYMMETRIC: readonly KeyType[] = ['aes256', 'hmac256'];

/** What the store's indexes can narrow by: one Name, key types (from algorithm, length and object type) and key states. */
function indexFilter(c: LocateCriteria): KmipLocateFilter {
  const filter: KmipLocateFilter = {};
  if (c.names !== undefined && c.names[0] !== undefined) filter.name = c.names[0];
  let types: KeyType[] | undefined = c.types === undefined ? undefined : [...c.types];
  if (c.kinds !== undefined) {
    const wantSymmetric = c.kinds.includes('symmetric');
    const wantAsymmetric = c.kinds.includes('private') || c.kinds.includes('public');
    if (!wantAsymmetric) types = (types ?? [...SYMMETRIC]).filter((t) => SYMMETRIC.includes(t));
    else if (!wantSymmetric) types = types?.filter((t) => !SYMMETRIC.includes(t));
    if (!wantSymmetric && !wantAsymmetric) types = [];
  }
  if (c.lengthBits !== undefined && types !== undefined) types = types.filter((t) => keyLengthBits(t) === c.lengthBits);
  if (types !== undefined) filter.types = types;
  if (c.states !== undefined) filter.states = [...new Set(c.states.flatMap((s) => KEY_STATES[s]))];
  return filter;
}

export const keyLengthBits = (type: KeyType): number => (type === 'rsa2048' ? 2048 : type === 'rsa3072' ? 3072 : type === 'rsa4096' ? 4096 : 256);

/** Every custom attribute the criteria name (name, value and type) is among the object's. */
const hasCustom = (custom: readonly CustomAttribute[], c: LocateCriteria): boolean => c.custom === undefined || c.custom.every(([n, v, t]) => custom.some(([k, w, u]) => k === n && w === v && u === t));

function matches(o: KmipObject, c: LocateCriteria): boolean {
  if (c.kinds !== undefined && !c.kinds.includes(o.kind)) return false;
  if (c.states !== undefined && !c.states.includes(o.state)) return false;
  if (c.types !== undefined && !c.types.includes(o.record.type)) return false;
  if (c.lengthBits !== undefined && keyLengthBits(o.record.type) !== c.lengthBits) return false;
  if (!hasCustom(o.attributes.custom, c)) return false;
  if (c.names !== undefined) {
    const names = o.kind === 'public' ? (o.attributes.publicNames ?? o.attributes.names) : o.attributes.names;
    if (!c.names.every((n) => names.includes(n) || (o.record.name !== null && o.record.name === n))) return false;
  }
  return true;
}

const itemKind = (item: KmipItem): LocateKind => (item.kind === 'public_key' ? 'public' : item.kind);

/** What the items' indexes can narrow by; undefined when no item can match. */
function itemFilter(c: LocateCriteria): KmipItemFilter | undefined {
  const filter: KmipItemFilter = {};
  let objectTypes: string[] | undefined;
  if (c.kinds !== undefined) objectTypes = c.kinds.flatMap((k) => (k === 'public' ? ['public_key'] : k === 'secret_data' || k === 'opaque' ? [k] : []));
  // An algorithm or length matches public keys only.
  if (c.types !== undefined || c.lengthBits !== undefined) {
    objectTypes = (objectTypes ?? ['public_key']).filter((t) => t === 'public_key');
    const types = (c.types ?? []).filter((t) => c.lengthBits === undefined || keyLengthBits(t) === c.lengthBits);
    if (c.types !== undefined) filter.keyTypes = types;
  }
  if (objectTypes !== undefined) {
    if (objectTypes.length === 0) return undefined;
    filter.objectTypes = objectTypes;
  }
  if (c.states !== undefined) filter.states = c.states;
  if (c.names !== undefined && c.names[0] !== undefined) filter.name = c.names[0];
  return filter;
}

function itemMatches(item: KmipItem, c: LocateCriteria): boolean {
  if (c.kinds !== undefined && !c.kinds.includes(itemKind(item))) return false;
  if (c.states !== undefined && !c.states.includes(item.state)) return false;
  if (c.types !== undefined && (item.keyType === undefined || !c.types.includes(item.keyType))) return false;
  if (c.lengthBits !== undefined && (item.keyType === undefined || keyLengthBits(item.keyType) !== c.lengthBits)) return false;
  if (c.names !== undefined && !c.names.every((n) => item.attributes.names.includes(n))) return false;
  return hasCustom(item.attributes.custom, c);
}

export async function locateKmipObjects(
  ctx: Pick<ServiceContext, 'store'>,
  criteria: LocateCriteria,
  visible: (record: KeyRecord) => Promise<boolean>,
  /** which KMIP items the caller may see (none when not given) */
  visibleItem: (item: KmipItem) => Promise<boolean> = async () => false,
): Promise<{ uids: string[]; located: number }> {
  const out: string[] = [];
  let located = 0;
  let skip = criteria.offset ?? 0;
  const max = criteria.maximum;
  const take = (uid: string): void => {
    located++;
    if (skip > 0) skip--;
    else if (max === undefined || out.length < max) out.push(uid);
  };
  let after: string | undefined;
  const filter = indexFilter(criteria);
  // No key type can match (the Object Type asks for Secret Data, say): the keys are not asked at all.
  for (; filter.types === undefined || filter.types.length > 0; ) {
    const page = await ctx.store.locateKmipKeys(filter, { limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const record of page.keys) {
      // Threshold keys sign only as a quorum, through the chain routes: KMIP does not see them.
      if (isThresholdKeyType(record.type)) continue;
      const stored = await ctx.store.getKmipObject(record.id);
      const objects = [toKmipObject(record, stored, false)];
      if (objects[0]!.kind === 'private') objects.push(toKmipObject(record, stored, true));
      const hits = objects.filter((o) => matches(o, criteria));
      if (hits.length === 0 || !(await visible(record))) continue;
      for (const o of hits) take(o.uid);
    }
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  const items = itemFilter(criteria);
  after = undefined;
  while (items !== undefined) {
    const page = await ctx.store.locateKmipItems(items, { limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const record of page.items) {
      const item = kmipItemOf(record);
      if (itemMatches(item, criteria) && (await visibleItem(item))) take(item.uid);
    }
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  return { uids: out, located };
}
