/**
 * Building KMIP requests for the JSON TTLV route (`POST /kmip/2_1`) and reading its answers, for the
 * KMIP integration tests: the JSON form of the KMIP Profiles' JSON encoding, written here from the
 * specification (tags and enumerations by name, byte strings in hex), not with the code under test.
 */
import assert from 'node:assert/strict';

export type J = { tag: string; type?: string; value: unknown };
export const s = (tag: string, ...value: J[]): J => ({ tag, value });
export const t = (tag: string, value: string): J => ({ tag, type: 'TextString', value });
export const e = (tag: string, value: string): J => ({ tag, type: 'Enumeration', value });
export const i = (tag: string, value: number): J => ({ tag, type: 'Integer', value });
/** A Byte String from bytes, or from hex already written out. */
export const b = (tag: string, bytes: Uint8Array | string): J => ({ tag, type: 'ByteString', value: typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('hex') });

/** A Request Message of `items` ([operation, payload]) at `version`, with extra header fields before Batch Count. */
export function request(version: [number, number], items: [string, J[]][], header: J[] = []): J {
  return s(
    'RequestMessage',
    s('RequestHeader', s('ProtocolVersion', i('ProtocolVersionMajor', version[0]), i('ProtocolVersionMinor', version[1])), ...header, i('BatchCount', items.length)),
    ...items.map(([op, payload]) => s('BatchItem', e('Operation', op), s('RequestPayload', ...payload))),
  );
}

/** The batch items of an HTTP 200 JSON response as plain objects: {Operation, ResultStatus, ResultReason, …, payload}. */
export function items(res: { status?: number; body: J }): Record<string, any>[] {
  if (res.status !== undefined) assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.value as J[])
    .filter((x) => x.tag === 'BatchItem')
    .map((bi) => Object.fromEntries((bi.value as J[]).map((f) => [f.tag === 'ResponsePayload' ? 'payload' : f.tag, f.value])));
}

/** The value of the first `tag` in a payload, or of every one. */
export const field = (payload: J[] | undefined, tag: string): any => payload?.find((f) => f.tag === tag)?.value;
export const fields = (payload: J[] | undefined, tag: string): any[] => (payload ?? []).filter((f) => f.tag === tag).map((f) => f.value);

/** A batch item that succeeded (else the assertion names the whole item). */
export function ok(r: Record<string, any>): Record<string, any> {
  assert.equal(r.ResultStatus, 'Success', JSON.stringify(r));
  return r;
}

/** A batch item that failed with `reason`, its message matching `message`. */
export function failed(r: Record<string, any>, reason: string, message: RegExp): void {
  assert.equal(r.ResultStatus, 'OperationFailed', JSON.stringify(r));
  assert.equal(r.ResultReason, reason, JSON.stringify(r));
  assert.match(r.ResultMessage, message);
}
