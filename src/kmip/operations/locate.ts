/**
 * Locate (KMIP 1.4 §4.9, 2.1 §6.1.27) by Name, Object Type, State, Cryptographic Algorithm (and curve),
 * Cryptographic Length and custom attributes (1.x `x-…`, 2.x Vendor Attributes), with Maximum Items and
 * Offset Items. Objects the caller may not read (keys:read; secrets:read for Secret Data and Opaque
 * Objects) are left out. The first located object becomes the ID Placeholder.
 */
import type { KeyType } from '../../protocol/types.js';
import { decide } from '../../service/access/authorize.js';
import { keyRecordResource } from '../../service/shared/resolve-key.js';
import { locateKmipObjects, type LocateCriteria, type LocateKind } from '../../service/kmip/locate-kmip.js';
import { is2x, readClientAttributes, stateFromValue } from '../attributes.js';
import { CryptographicAlgorithm, ObjectType, RecommendedCurve } from '../enums.js';
import { int, KmipError, read, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import { assertUnsealed, itemResource, type KmipOperation } from './call.js';

const MAX_LOCATE_ITEMS = 10_000;

function typesFor(algorithm: number | undefined, curve: number | undefined): KeyType[] | undefined {
  const byCurve: Record<number, KeyType> = { [RecommendedCurve.P_256]: 'p256', [RecommendedCurve.SECP256K1]: 'secp256k1', [RecommendedCurve.CURVE25519]: 'ed25519' };
  if (algorithm === undefined) return curve === undefined ? undefined : byCurve[curve] ? [byCurve[curve]!] : [];
  switch (algorithm) {
    case CryptographicAlgorithm.AES:
      return ['aes256'];
    case CryptographicAlgorithm.HMAC_SHA256:
      return ['hmac256'];
    case CryptographicAlgorithm.Ed25519:
      return ['ed25519'];
    case CryptographicAlgorithm.EC:
    case CryptographicAlgorithm.ECDSA: {
      const all: KeyType[] = algorithm === CryptographicAlgorithm.EC ? ['p256', 'secp256k1', 'ed25519'] : ['p256', 'secp256k1'];
      return curve === undefined ? all : all.filter((t) => t === byCurve[curve]);
    }
    default:
      return [];
  }
}

const KINDS: Record<number, LocateKind> = {
  [ObjectType.SymmetricKey]: 'symmetric',
  [ObjectType.PrivateKey]: 'private',
  [ObjectType.PublicKey]: 'public',
  [ObjectType.SecretData]: 'secret_data',
  [ObjectType.OpaqueObject]: 'opaque',
};

export const locate: KmipOperation = {
  name: 'Locate',
  async run(call, payload) {
    assertUnsealed(call);
    const a = readClientAttributes(is2x(call.version) ? [read.structure(payload, Tag.Attributes)] : [{ tag: Tag.TemplateAttribute, type: 'Structure', value: payload?.type === 'Structure' ? payload.value.filter((i) => i.tag === Tag.Attribute) : [] }]);
    const maximum = read.int(payload, Tag.MaximumItems);
    const offset = read.int(payload, Tag.OffsetItems);
    if (maximum !== undefined && (maximum < 0 || maximum > MAX_LOCATE_ITEMS)) throw new KmipError('InvalidField', `Maximum Items must be 0 to ${MAX_LOCATE_ITEMS}`);
    if (offset !== undefined && offset < 0) throw new KmipError('InvalidField', 'Offset Items must not be negative');
    const criteria: LocateCriteria = { maximum: maximum ?? MAX_LOCATE_ITEMS, offset: offset ?? 0 };
    if (a.names.length > 0) criteria.names = a.names;
    if (a.objectType !== undefined) criteria.kinds = KINDS[a.objectType] ? [KINDS[a.objectType]!] : [];
    if (a.state !== undefined) {
      const s = stateFromValue(a.state);
      criteria.states = s === undefined ? [] : [s];
    }
    const types = typesFor(a.algorithm, a.curve);
    if (types !== undefined) criteria.types = types;
    if (a.length !== undefined) criteria.lengthBits = a.length;
    if (a.custom.length > 0) criteria.custom = a.custom;
    call.audit.action = 'keys:read';
    call.audit.resource = 'key:*';
    // KMIP items: a public key is visible with keys:read on key:<uid>, a Secret Data or Opaque Object with secrets:read on its secret.
    const { uids, located } = await locateKmipObjects(
      call.ctx,
      criteria,
      async (record) => (await decide(call.ctx, call.principal, 'keys:read', keyRecordResource(record), call.clientIp)).allowed,
      async (item) => (await decide(call.ctx, call.principal, item.kind === 'public_key' ? 'keys:read' : 'secrets:read', itemResource(item), call.clientIp)).allowed,
    );
    if (uids[0] !== undefined) call.placeholder.value = uids[0];
    // Located Items exists from KMIP 1.3 on.
    const count = call.version.major > 1 || call.version.minor >= 3 ? int(Tag.LocatedItems, located) : undefined;
    return struct(Tag.ResponsePayload, count, ...uids.map((u) => text(Tag.UniqueIdentifier, u)));
  },
};
