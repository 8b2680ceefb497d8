/**
 * Discover Versions (KMIP 1.4 §4.26) and Query (§4.25): what this server speaks. Both need no key and
 * answer while sealed.
 */
import { VERSION } from '../../version.js';
import { ObjectType, QueryFunction } from '../enums.js';
import { children, enumeration, int, read, struct, text, type ProtocolVersion } from '../message.js';
import { Tag } from '../tags.js';
import type { KmipOperation } from './call.js';

/** In preference order (KMIP 1.4 §4.26: the server's list, most preferred first). */
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 1 },
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

const versionItem = (v: ProtocolVersion) => struct(Tag.ProtocolVersion, int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor));

export const discoverVersions: KmipOperation = {
  name: 'DiscoverVersions',
  async run(_call, payload) {
    const asked = children(payload, Tag.ProtocolVersion).map((p) => ({ major: read.int(p, Tag.ProtocolVersionMajor), minor: read.int(p, Tag.ProtocolVersionMinor) }));
    const answer = asked.length === 0 ? SUPPORTED_VERSIONS : SUPPORTED_VERSIONS.filter((v) => asked.some((a) => a.major === v.major && a.minor === v.minor));
    return struct(Tag.ResponsePayload, ...answer.map(versionItem));
  },
};

/** Filled in by the operation table (operations/index.ts), which knows what it serves. */
export const supportedOperations: number[] = [];

export const query: KmipOperation = {
  name: 'Query',
  async run(_call, payload) {
    const functions = new Set(children(payload, Tag.QueryFunction).map((f) => (f.type === 'Enumeration' ? f.value : 0)));
    const items = [];
    if (functions.has(QueryFunction.QueryOperations)) items.push(...supportedOperations.map((op) => enumeration(Tag.Operation, op)));
    if (functions.has(QueryFunction.QueryObjects)) items.push(...[ObjectType.SymmetricKey, ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SecretData, ObjectType.OpaqueObject].map((t) => enumeration(Tag.ObjectType, t)));
    if (functions.has(QueryFunction.QueryServerInformation)) {
      items.push(text(Tag.VendorIdentification, 'Strongbox'));
      items.push(struct(Tag.ServerInformation, text(Tag.ServerName, 'strongbox'), text(Tag.ServerVersion, VERSION)));
    }
    return struct(Tag.ResponsePayload, ...items);
  },
};

