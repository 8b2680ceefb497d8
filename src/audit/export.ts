/**
 * The audit export format (JSON lines): one `{"type":"record","seq","record","hash"}` per record —
 * `record` is the exact canonical text that was hashed — and one `{"type":"checkpoint",...}` per
 * signed checkpoint. `strongbox audit verify --file` checks such a file offline.
 */
import type { AuditRecord, Checkpoint } from './record.js';
import { canonicalRecord } from './record.js';

export interface ExportedRecord {
  type: 'record';
  seq: number;
  record: string;
  hash: string;
}

export type ExportLine = ExportedRecord | ({ type: 'checkpoint' } & Checkpoint);

export function recordLine(row: { seq: number; record: string; hash: Uint8Array }): string {
  return JSON.stringify({ type: 'record', seq: row.seq, record: row.record, hash: Buffer.from(row.hash).toString('hex') } satisfies ExportedRecord);
}

export function checkpointLine(c: Checkpoint): string {
  return JSON.stringify({ type: 'checkpoint', ...c });
}

/** A record as the API returns it (parsed, with its hash) back to the stored row. */
export function rowFromApi(r: AuditRecord & { hash: string }): { seq: number; record: string; hash: Uint8Array } {
  const { hash, ...record } = r;
  return { seq: record.seq, record: canonicalRecord(record), hash: new Uint8Array(Buffer.from(hash, 'hex')) };
}

export function parseExport(text: string): { records: { seq: number; record: string; hash: Uint8Array }[]; checkpoints: Checkpoint[]; errors: string[] } {
  const records: { seq: number; record: string; hash: Uint8Array }[] = [];
  const checkpoints: Checkpoint[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const obj = JSON.parse(line) as ExportLine;
      if (obj.type === 'record') records.push({ seq: obj.seq, record: obj.record, hash: new Uint8Array(Buffer.from(obj.hash, 'hex')) });
      else if (obj.type === 'checkpoint') {
        const { type: _type, ...cp } = obj;
        checkpoints.push(cp);
      } else errors.push(`line ${i + 1}: unknown type`);
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
    }
  });
  return { records, checkpoints, errors };
}
