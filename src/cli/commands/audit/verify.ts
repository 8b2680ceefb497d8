import { readFileSync } from 'node:fs';
import type { Checkpoint } from '../../../audit/record.js';
import { verifyAuditLog, type VerifyReport } from '../../../audit/verify.js';
import { clientOptions, optionalString, output, UsageError, type Command } from '../../command.js';
import { auditSource } from './export.js';
import { parseExport, type SignedHead, type VerifiableRow } from '../../../audit/export.js';

function mergeCheckpoints(a: Checkpoint[], b: Checkpoint[]): Checkpoint[] {
  const seen = new Set(a.map((c) => `${c.seq}:${c.signature}`));
  return [...a, ...b.filter((c) => !seen.has(`${c.seq}:${c.signature}`))].sort((x, y) => x.seq - y.seq);
}

/**
 * From an audit stream's head lines: the newest (it exposes a truncated tail) and those that certify
 * a session key (the newest may be signed with one). The rest add nothing the newest does not pin.
 */
function headsToCheck(heads: SignedHead[]): SignedHead[] {
  const newest = heads.reduce<SignedHead | undefined>((best, h) => (best === undefined || h.seq > best.seq ? h : best), undefined);
  return heads.filter((h) => h === newest || h.headSignature.certifies !== undefined);
}

function readOption(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}

export default {
  path: ['audit', 'verify'],
  summary: 'Check the audit hash chain, batch head signatures and checkpoints; exit 0 only when intact',
  usage: '[--data-dir DIR | --storage postgres://URL | --file EXPORT.jsonl] [--public-key HEX] [--checkpoints SAVED.jsonl] [--head AUDIT-STREAM.jsonl]   (none: from the server)',
  options: {
    'data-dir': { type: 'string', value: 'DIR', description: 'verify the SQLite database in DIR directly (also while the server runs)', default: 'the server, through the API' },
    storage: { type: 'string', value: 'postgres://URL', description: 'verify the PostgreSQL database directly (a read-only role suffices)' },
    file: { type: 'string', value: 'EXPORT.jsonl', description: 'verify a file written by audit export' },
    'public-key': { type: 'string', value: 'HEX', description: 'the checkpoint signing key from a copy you keep (32 bytes, hex)', default: 'the key stored with the log' },
    checkpoints: { type: 'string', value: 'SAVED.jsonl', description: 'checkpoints saved earlier, to detect a tail cut off with its checkpoints' },
    head: { type: 'string', value: 'STREAM.jsonl', description: 'the audit stream (or a file of its head lines) kept outside the database, to detect a deleted tail' },
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
    let saved: Checkpoint[] = savedFile === undefined ? [] : parseExport(readOption('--checkpoints', savedFile), { strict: false }).checkpoints;
    // The copy of the latest signed head kept outside the database: the audit stream (or any file
    // holding its head lines); its checkpoint lines count as saved checkpoints too.
    const headFile = optionalString(args, 'head');
    let savedHeads: SignedHead[] = [];
    if (headFile !== undefined) {
      const parsed = parseExport(readOption('--head', headFile), { strict: false });
      if (parsed.heads.length === 0) throw new UsageError(`--head: ${headFile} holds no signed head line ({"type":"head",...})`);
      savedHeads = headsToCheck(parsed.heads);
      saved = mergeCheckpoints(saved, parsed.checkpoints);
    }
    const trustGiven = trusted !== undefined;
    let report: VerifyReport;
    if (file !== undefined) {
      const parsed = parseExport(readOption('--file', file));
      // Without --public-key, trust the key of the first checkpoint: every other must match it.
      trusted ??= parsed.checkpoints[0]?.publicKey;
      report = await verifyAuditLog({ records: parsed.records, checkpoints: mergeCheckpoints(parsed.checkpoints, saved), trustedPublicKey: trusted, savedHeads });
      report.problems.unshift(...parsed.errors);
      report.ok = report.problems.length === 0;
    } else {
      const records: VerifiableRow[] = [];
      const checkpoints: Checkpoint[] = [];
      for await (const item of auditSource(args, io)) {
        if (item.kind === 'record') records.push(item.row);
        else if (item.kind === 'checkpoint') checkpoints.push(item.cp);
        else if (trusted === undefined && item.hex !== null) trusted = item.hex;
      }
      report = await verifyAuditLog({ records, checkpoints: mergeCheckpoints(checkpoints, saved), trustedPublicKey: trusted, savedHeads });
    }
    if (!trustGiven) {
      io.stderr('note: signatures were checked against the audit key stored with the log; pass --public-key (from a copy you keep) for independent verification\n');
    }
    if (headFile === undefined && savedFile === undefined) {
      io.stderr('note: a tail deleted together with its signatures is only detected against a copy kept outside the database: pass --head with your audit stream (or --checkpoints with saved checkpoints)\n');
    }
    output(args, io, report, (r) =>
      [
        r.ok
          ? `audit log intact: ${r.records} records (last seq ${r.lastSeq}), ${r.checkpoints} signed checkpoints, ${r.headSignatures} signed batch heads`
          : [`AUDIT LOG NOT INTACT (${r.records} records read, intact up to seq ${r.lastSeq}):`, ...r.problems.map((p) => `  - ${p}`)].join('\n'),
        ...r.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
    return report.ok ? 0 : 1;
  },
} satisfies Command;
