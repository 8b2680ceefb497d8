/**
 * The audit export format (JSON lines): one `{"type":"record","seq","record","hash"[,"headSignature"]}`
 * per record — `record` is the exact canonical text that was hashed, `headSignature` is on the last
 * record of each group-committed batch — and one `{"type":"checkpoint",...}` per signed checkpoint.
 * The audit stream (--audit-stream) writes the records as they are (one canonical text per line),
 * then `{"type":"head","seq","hash","headSignature"}` per batch and the checkpoint lines: the copy of
 * the latest signed head that `audit verify --head` checks a database against.
 * `strongbox audit verify --file` checks an export offline.
 */
import type { AuditRecord, Checkpoint, HeadSignature } from './record.js';
import { canonicalRecord, decodeHeadSignature, headSignatureFromJson } from './record.js';

/** A record as verify reads it: the stored text, its chain hash and, on a batch's last row, the head signature bytes. */
export interface VerifiableRow {
  seq: number;
  record: string;
  hash: Uint8Array;
  headSignature?: Uint8Array;
}

export interface ExportedRecord {
  type: 'record';
  seq: number;
  record: string;
  hash: string;
  headSignature?: HeadSignature;
}

/** A batch head as the audit stream writes it. */
export interface SignedHead {
  seq: number;
  /** hex chain hash of record `seq` */
  hash: string;
  headSignature: HeadSignature;
}

export type ExportLine = ExportedRecord | ({ type: 'checkpoint' } & Checkpoint) | ({ type: 'head' } & SignedHead);

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Stored head signature bytes → JSON; a malformed one is shown as its raw hex so verify can name it. */
export function headSignatureJson(bytes: Uint8Array): HeadSignature | { raw: string } {
  return decodeHeadSignature(bytes) ?? { raw: toHex(bytes) };
}

/** JSON → the bytes verify checks: present but malformed gives bytes that decode to nothing (reported as malformed). */
function headSignatureBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  return headSignatureFromJson(value) ?? new Uint8Array(0);
}

export function recordLine(row: VerifiableRow): string {
  return JSON.stringify({
    type: 'record',
    seq: row.seq,
    record: row.record,
    hash: toHex(row.hash),
    ...(row.headSignature === undefined ? {} : { headSignature: headSignatureJson(row.headSignature) }),
  });
}

export function checkpointLine(c: Checkpoint): string {
  return JSON.stringify({ type: 'checkpoint', ...c });
}

export function headLine(h: { seq: number; hash: Uint8Array; headSignature: HeadSignature }): string {
  return JSON.stringify({ type: 'head', seq: h.seq, hash: toHex(h.hash), headSignature: h.headSignature } satisfies ExportLine);
}

/** A record as the API returns it (parsed, with its hash and head signature) back to the stored row. */
export function rowFromApi(r: AuditRecord & { hash: string; headSignature?: unknown }): VerifiableRow {
  const { hash, headSignature, ...record } = r;
  const sig = headSignatureBytes(headSignature);
  return { seq: record.seq, record: canonicalRecord(record), hash: new Uint8Array(Buffer.from(hash, 'hex')), ...(sig === undefined ? {} : { headSignature: sig }) };
}

/**
 * Reads an export, an audit stream or a file of saved checkpoints. Lines without a `type` are the
 * stream's records: skipped (reported only with `strict`, for exports, where every line has a type).
 */
export function parseExport(text: string, options: { strict?: boolean } = { strict: true }): { records: VerifiableRow[]; checkpoints: Checkpoint[]; heads: SignedHead[]; errors: string[] } {
  const records: VerifiableRow[] = [];
  const checkpoints: Checkpoint[] = [];
  const heads: SignedHead[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const obj = JSON.parse(line) as ExportLine | { type?: undefined };
      if (obj.type === 'record') {
        const sig = headSignatureBytes(obj.headSignature);
        records.push({ seq: obj.seq, record: obj.record, hash: new Uint8Array(Buffer.from(obj.hash, 'hex')), ...(sig === undefined ? {} : { headSignature: sig }) });
      } else if (obj.type === 'checkpoint') {
        const { type: _type, ...cp } = obj;
        checkpoints.push(cp);
      } else if (obj.type === 'head') {
        const sig = headSignatureFromJson(obj.headSignature);
        const decoded = sig === undefined ? undefined : decodeHeadSignature(sig);
        if (decoded === undefined || !Number.isSafeInteger(obj.seq) || typeof obj.hash !== 'string' || !/^[0-9a-f]{64}$/.test(obj.hash)) errors.push(`line ${i + 1}: malformed head`);
        else heads.push({ seq: obj.seq, hash: obj.hash, headSignature: decoded });
      } else if (obj.type !== undefined || options.strict !== false) errors.push(`line ${i + 1}: unknown type`);
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
    }
  });
  return { records, checkpoints, heads, errors };
}
