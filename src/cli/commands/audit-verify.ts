import { readFileSync } from 'node:fs';
import { parseExport } from '../../audit/export.js';
import type { Checkpoint } from '../../audit/record.js';
import { verifyAuditLog, type VerifyReport } from '../../audit/verify.js';
import { clientOptions, optionalString, output, UsageError, type Command } from '../command.js';
import { auditSource } from './audit-export.js';

function mergeCheckpoints(a: Checkpoint[], b: Checkpoint[]): Checkpoint[] {
  const seen = new Set(a.map((c) => `${c.seq}:${c.signature}`));
  return [...a, ...b.filter((c) => !seen.has(`${c.seq}:${c.signature}`))].sort((x, y) => x.seq - y.seq);
}

export default {
  path: ['audit', 'verify'],
  summary: 'Check the audit hash chain and checkpoint signatures; exit 0 only when intact',
  usage: '[--data-dir DIR | --storage postgres://URL | --file EXPORT.jsonl] [--public-key HEX] [--checkpoints SAVED.jsonl]   (none: from the server)',
  options: {
    'data-dir': { type: 'string', value: 'DIR', description: 'verify the SQLite database in DIR directly (also while the server runs)', default: 'the server, through the API' },
    storage: { type: 'string', value: 'postgres://URL', description: 'verify the PostgreSQL database directly (a read-only role suffices)' },
    file: { type: 'string', value: 'EXPORT.jsonl', description: 'verify a file written by audit export' },
    'public-key': { type: 'string', value: 'HEX', description: 'the checkpoint signing key from a copy you keep (32 bytes, hex)', default: 'the key stored with the log' },
    checkpoints: { type: 'string', value: 'SAVED.jsonl', description: 'checkpoints saved earlier, to detect a tail cut off with its checkpoints' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const file = optionalString(args, 'file');
    let trusted = optionalString(args, 'public-key')?.replace(/^0x/, '').toLowerCase();
    if (trusted !== undefined && !/^[0-9a-f]{64}$/.test(trusted)) throw new UsageError('--public-key must be 32 bytes of hex');
    if (file !== undefined && (optionalString(args, 'data-dir') !== undefined || optionalString(args, 'storage') !== undefined)) throw new UsageError('give --data-dir, --storage or --file, not more than one');
    // Checkpoints the auditor saved earlier: they expose a tail cut off together with its checkpoints.
    const savedFile = optionalString(args, 'checkpoints');
    let saved: Checkpoint[] = [];
    if (savedFile !== undefined) {
      try {
        saved = parseExport(readFileSync(savedFile, 'utf8')).checkpoints;
      } catch (err) {
        throw new UsageError(`--checkpoints: cannot read ${savedFile} (${(err as NodeJS.ErrnoException).code})`);
      }
    }
    const trustGiven = trusted !== undefined;
    let report: VerifyReport;
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`--file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
      }
      const parsed = parseExport(text);
      // Without --public-key, trust the key of the first checkpoint: every other must match it.
      trusted ??= parsed.checkpoints[0]?.publicKey;
      report = await verifyAuditLog({ records: parsed.records, checkpoints: mergeCheckpoints(parsed.checkpoints, saved), trustedPublicKey: trusted });
      report.problems.unshift(...parsed.errors);
      report.ok = report.problems.length === 0;
    } else {
      const records: { seq: number; record: string; hash: Uint8Array }[] = [];
      const checkpoints: Checkpoint[] = [];
      for await (const item of auditSource(args, io)) {
        if (item.kind === 'record') records.push(item.row);
        else if (item.kind === 'checkpoint') checkpoints.push(item.cp);
        else if (trusted === undefined && item.hex !== null) trusted = item.hex;
      }
      report = await verifyAuditLog({ records, checkpoints: mergeCheckpoints(checkpoints, saved), trustedPublicKey: trusted });
    }
    if (!trustGiven) {
      io.stderr('note: checkpoint signatures were checked against the key stored with the log; pass --public-key (from a copy you keep) for independent verification, and --checkpoints with saved checkpoints to detect a truncated tail\n');
    }
    output(args, io, report, (r) =>
      r.ok
        ? `audit log intact: ${r.records} records (last seq ${r.lastSeq}), ${r.checkpoints} signed checkpoints`
        : [`AUDIT LOG NOT INTACT (${r.records} records read, intact up to seq ${r.lastSeq}):`, ...r.problems.map((p) => `  - ${p}`)].join('\n'),
    );
    return report.ok ? 0 : 1;
  },
} satisfies Command;
