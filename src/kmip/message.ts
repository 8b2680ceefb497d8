/**
 * KMIP messages on top of TTLV (KMIP 1.4 §7 "Message Contents", §6 "Message Data"; KMIP 2.1 §8-9):
 * builders for items, lookups in structures, and the request/response message shapes. Pure.
 */
import { Tag } from './tags.js';
import { ResultReason, ResultStatus } from './enums.js';
import type { TtlvItem } from './ttlv.js';

export const struct = (tag: number, ...value: (TtlvItem | undefined)[]): TtlvItem => ({ tag, type: 'Structure', value: value.filter((v): v is TtlvItem => v !== undefined) });
export const int = (tag: number, value: number): TtlvItem => ({ tag, type: 'Integer', value });
export const long = (tag: number, value: bigint): TtlvItem => ({ tag, type: 'LongInteger', value });
export const big = (tag: number, value: bigint): TtlvItem => ({ tag, type: 'BigInteger', value });
export const enumeration = (tag: number, value: number): TtlvItem => ({ tag, type: 'Enumeration', value });
export const bool = (tag: number, value: boolean): TtlvItem => ({ tag, type: 'Boolean', value });
export const text = (tag: number, value: string): TtlvItem => ({ tag, type: 'TextString', value });
export const bytes = (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: 'ByteString', value });
export const dateTime = (tag: number, value: Date): TtlvItem => ({ tag, type: 'DateTime', value: BigInt(Math.floor(value.getTime() / 1000)) });
export const interval = (tag: number, value: number): TtlvItem => ({ tag, type: 'Interval', value });

/** A protocol error inside one batch item: answered as Operation Failed with this reason and message. */
export class KmipError extends Error {
  readonly reason: number;
  constructor(reason: keyof typeof ResultReason, message: string) {
    super(message);
    this.name = 'KmipError';
    this.reason = ResultReason[reason];
  }
}

export function children(s: TtlvItem | undefined, tag: number): TtlvItem[] {
  if (s === undefined || s.type !== 'Structure') return [];
  return s.value.filter((c) => c.tag === tag);
}

export function child(s: TtlvItem | undefined, tag: number): TtlvItem | undefined {
  if (s === undefined || s.type !== 'Structure') return undefined;
  return s.value.find((c) => c.tag === tag);
}

function typed<T extends TtlvItem['type']>(item: TtlvItem | undefined, type: T, what: string): Extract<TtlvItem, { type: T }> | undefined {
  if (item === undefined) return undefined;
  if (item.type !== type) throw new KmipError('InvalidField', `${what} must be a ${type}, got ${item.type}`);
  return item as Extract<TtlvItem, { type: T }>;
}

const name = (tag: number): string => Object.entries(Tag).find(([, v]) => v === tag)?.[0] ?? '0x' + tag.toString(16);

export const read = {
  structure: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'Structure', name(tag)),
  text: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'TextString', name(tag))?.value,
  int: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'Integer', name(tag))?.value,
  long: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'LongInteger', name(tag))?.value,
  enum: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'Enumeration', name(tag))?.value,
  bool: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'Boolean', name(tag))?.value,
  bytes: (s: TtlvItem | undefined, tag: number) => typed(child(s, tag), 'ByteString', name(tag))?.value,
};

export function required<T>(value: T | undefined, tag: number): T {
  if (value === undefined) throw new KmipError('MissingData', `${name(tag)} is required`);
  return value;
}

export interface ProtocolVersion {
  major: number;
  minor: number;
}

export interface RequestBatchItem {
  operation: number;
  uniqueBatchItemId: Uint8Array | undefined;
  payload: TtlvItem | undefined;
}

export interface RequestMessage {
  version: ProtocolVersion;
  maximumResponseSize: number | undefined;
  /** Batch Error Continuation Option: 1 Continue, 2 Stop (default), 3 Undo */
  batchErrorContinuation: number;
  items: RequestBatchItem[];
}

/** Reads a Request Message; a shape error is a KmipError (the caller answers Invalid Message). */
export function parseRequest(item: TtlvItem): RequestMessage {
  if (item.tag !== Tag.RequestMessage || item.type !== 'Structure') throw new KmipError('InvalidMessage', 'not a Request Message');
  const header = required(read.structure(item, Tag.RequestHeader), Tag.RequestHeader);
  const pv = required(read.structure(header, Tag.ProtocolVersion), Tag.ProtocolVersion);
  const version = { major: required(read.int(pv, Tag.ProtocolVersionMajor), Tag.ProtocolVersionMajor), minor: required(read.int(pv, Tag.ProtocolVersionMinor), Tag.ProtocolVersionMinor) };
  const count = required(read.int(header, Tag.BatchCount), Tag.BatchCount);
  const batch = children(item, Tag.BatchItem);
  if (batch.length !== count) throw new KmipError('InvalidMessage', `Batch Count is ${count} but the message holds ${batch.length} batch items`);
  if (batch.length === 0) throw new KmipError('InvalidMessage', 'a request needs at least one batch item');
  const items = batch.map((b) => {
    if (b.type !== 'Structure') throw new KmipError('InvalidMessage', 'Batch Item must be a Structure');
    return {
      operation: required(read.enum(b, Tag.Operation), Tag.Operation),
      uniqueBatchItemId: read.bytes(b, Tag.UniqueBatchItemID),
      payload: read.structure(b, Tag.RequestPayload),
    };
  });
  return { version, maximumResponseSize: read.int(header, Tag.MaximumResponseSize), batchErrorContinuation: read.enum(header, Tag.BatchErrorContinuationOption) ?? 2, items };
}

export interface ResponseBatchItem {
  operation: number | undefined;
  uniqueBatchItemId: Uint8Array | undefined;
  status: number;
  reason?: number;
  message?: string;
  payload?: TtlvItem;
}

export function buildResponse(version: ProtocolVersion, items: ResponseBatchItem[], now: Date): TtlvItem {
  return struct(
    Tag.ResponseMessage,
    struct(Tag.ResponseHeader, struct(Tag.ProtocolVersion, int(Tag.ProtocolVersionMajor, version.major), int(Tag.ProtocolVersionMinor, version.minor)), dateTime(Tag.TimeStamp, now), int(Tag.BatchCount, items.length)),
    ...items.map((b) =>
      struct(
        Tag.BatchItem,
        b.operation === undefined ? undefined : enumeration(Tag.Operation, b.operation),
        b.uniqueBatchItemId === undefined ? undefined : bytes(Tag.UniqueBatchItemID, b.uniqueBatchItemId),
        enumeration(Tag.ResultStatus, b.status),
        b.reason === undefined ? undefined : enumeration(Tag.ResultReason, b.reason),
        b.message === undefined ? undefined : text(Tag.ResultMessage, b.message),
        b.payload,
      ),
    ),
  );
}

/** A whole-message failure (undecodable or malformed request): one failed batch item, as §7.1 allows. */
export function errorResponse(version: ProtocolVersion, reason: keyof typeof ResultReason, message: string, now: Date): TtlvItem {
  return buildResponse(version, [{ operation: undefined, uniqueBatchItemId: undefined, status: ResultStatus.OperationFailed, reason: ResultReason[reason], message }], now);
}

export function buildRequest(version: ProtocolVersion, items: { operation: number; payload: TtlvItem; id?: Uint8Array }[]): TtlvItem {
  return struct(
    Tag.RequestMessage,
    struct(Tag.RequestHeader, struct(Tag.ProtocolVersion, int(Tag.ProtocolVersionMajor, version.major), int(Tag.ProtocolVersionMinor, version.minor)), int(Tag.BatchCount, items.length)),
    ...items.map((i) => struct(Tag.BatchItem, enumeration(Tag.Operation, i.operation), i.id === undefined ? undefined : bytes(Tag.UniqueBatchItemID, i.id), i.payload)),
  );
}
