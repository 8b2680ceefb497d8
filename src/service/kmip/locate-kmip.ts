/**
 * KMIP Locate (KMIP 1.4 §4.9, 2.1 §6.1.27): the objects matching every given attribute, in key creation
 * order, skipping `offset` and returning at most `maximum`. Every key is a KMIP object (REST-made keys
 * too), and an asymmetric key is two (private, then `<id>/public`). Objects the caller may not read are
 * left out (the `visible` predicate is the interface's authorization), so Locate is no existence oracle.
 * The scan is linear over the key list; SCAN_LIMIT bounds it.
 */
import { isThresholdKeyType, type KeyType } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRecord } from '../../storage/types.js';
import { toKmipObject, type KmipObject, type KmipObjectKind, type KmipState } from './kmip-object.js';

export interface LocateCriteria {
  names?: string[];
  kinds?: KmipObjectKind[];
  states?: KmipState[];
  /** Strongbox key types the Cryptographic Algorithm (and curve) given maps to */
  types?: KeyType[];
  lengthBits?: number;
  offset?: number;
  maximum?: number;
}

export const LOCATE_SCAN_LIMIT = 100_000;
const PAGE = 500;

export const keyLengthBits = (type: KeyType): number => (type === 'rsa2048' ? 2048 : type === 'rsa3072' ? 3072 : type === 'rsa4096' ? 4096 : 256);

function matches(o: KmipObject, c: LocateCriteria): boolean {
  if (c.kinds !== undefined && !c.kinds.includes(o.kind)) return false;
  if (c.states !== undefined && !c.states.includes(o.state)) return false;
  if (c.types !== undefined && !c.types.includes(o.record.type)) return false;
  if (c.lengthBits !== undefined && keyLengthBits(o.record.type) !== c.lengthBits) return false;
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
  let scanned = 0;
  for (;;) {
    const page = await ctx.store.listKeys({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const record of page.keys) {
      scanned++;
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
    if (page.nextCursor === null || scanned >= LOCATE_SCAN_LIMIT) break;
    after = page.nextCursor;
  }
  return { uids: out, located };
}
