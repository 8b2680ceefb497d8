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
 */
import { isThresholdKeyType, type KeyType } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRecord, KeyState, KmipLocateFilter } from '../../storage/types.js';
import { toKmipObject, type CustomAttribute, type KmipObject, type KmipObjectKind, type KmipState } from './kmip-object.js';

export interface LocateCriteria {
  names?: string[];
  kinds?: KmipObjectKind[];
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

function matches(o: KmipObject, c: LocateCriteria): boolean {
  if (c.kinds !== undefined && !c.kinds.includes(o.kind)) return false;
  if (c.states !== undefined && !c.states.includes(o.state)) return false;
  if (c.types !== undefined && !c.types.includes(o.record.type)) return false;
  if (c.lengthBits !== undefined && keyLengthBits(o.record.type) !== c.lengthBits) return false;
  if (c.custom !== undefined && !c.custom.every(([n, v, t]) => o.attributes.custom.some(([k, w, u]) => k === n && w === v && u === t))) return false;
  if (c.names !== undefined) {
    const names = o.kind === 'public' ? (o.attributes.publicNames ?? o.attributes.names) : o.attributes.names;
    if (!c.names.every((n) => names.includes(n) || (o.record.name !== null && o.record.name === n))) return false;
  }
  return true;
}

export async function locateKmipObjects(ctx: Pick<ServiceContext, 'store'>, criteria: LocateCriteria, visible: (record: KeyRecord) => Promise<boolean>): Promise<{ uids: string[]; located: number }> {
  const out: string[] = [];
  let located = 0;
  let skip = criteria.offset ?? 0;
  const max = criteria.maximum;
  let after: string | undefined;
  const filter = indexFilter(criteria);
  for (;;) {
    const page = await ctx.store.locateKmipKeys(filter, { limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const record of page.keys) {
      // Threshold keys sign only as a quorum, through the chain routes: KMIP does not see them.
      if (isThresholdKeyType(record.type)) continue;
      const stored = await ctx.store.getKmipObject(record.id);
      const objects = [toKmipObject(record, stored, false)];
      if (objects[0]!.kind === 'private') objects.push(toKmipObject(record, stored, true));
      const hits = objects.filter((o) => matches(o, criteria));
      if (hits.length === 0 || !(await visible(record))) continue;
      for (const o of hits) {
        located++;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (max === undefined || out.length < max) out.push(o.uid);
      }
    }
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  return { uids: out, located };
}
