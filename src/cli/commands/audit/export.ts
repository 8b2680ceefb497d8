import type { AuditRecord, Checkpoint } from '../../../audit/record.js';
import { clientFrom, clientOptions, optionalString, UsageError, type Command, type CommandArgs, type CliIo } from '../../command.js';
import { checkpointLine, recordLine, rowFromApi, type VerifiableRow } from '../../../audit/export.js';

/** Streams every record and checkpoint, from a data directory or from the server's API. */
export async function* auditSource(args: CommandArgs, io: CliIo): AsyncGenerator<{ kind: 'record'; row: VerifiableRow } | { kind: 'checkpoint'; cp: Checkpoint } | { kind: 'publicKey'; hex: string | null }> {
  const dataDir = optionalString(args, 'data-dir');
  const storage = optionalString(args, 'storage');
  if (dataDir !== undefined && storage !== undefined) throw new UsageError('give --data-dir or --storage, not both');
  if (storage !== undefined && !/^postgres(ql)?:\/\//.test(storage)) throw new UsageError('--storage must be a postgres:// URL');
  if (dataDir !== undefined || storage !== undefined) {
    const { openStoreForReading } = await import('../../../app.js');
    const store = await openStoreForReading(storage !== undefined ? { storage } : { dataDir: dataDir! });
    try {
      const pk = await store.getSysValue('audit_public_key');
      yield { kind: 'publicKey', hex: pk === undefined ? null : Buffer.from(pk).toString('hex') };
      for (const c of await store.listCheckpoints()) yield { kind: 'checkpoint', cp: JSON.parse(c.checkpoint) as Checkpoint };
      let after = 0;
      for (;;) {
        const rows = await store.readAudit({ afterSeq: after, limit: 5000 });
        for (const row of rows) yield { kind: 'record', row };
        if (rows.length < 5000) break;
        after = rows.at(-1)!.seq;
      }
    } finally {
      await store.close();
    }
    return;
  }
  const client = clientFrom(args, io);
  const key = await client.auditKey();
  yield { kind: 'publicKey', hex: key.publicKey === null ? null : key.publicKey.slice(2) };
  for (const c of (await client.auditCheckpoints()).checkpoints) yield { kind: 'checkpoint', cp: c as unknown as Checkpoint };
  let after: number | null = 0;
  while (after !== null) {
    const page: { records: Record<string, unknown>[]; nextAfterSeq: number | null } = await client.listAudit({ afterSeq: after, limit: 1000 });
    for (const r of page.records) yield { kind: 'record', row: rowFromApi(r as unknown as AuditRecord & { hash: string }) };
    after = page.records.length === 0 ? null : page.nextAfterSeq;
  }
}

export default {
  path: ['audit', 'export'],
  summary: 'Write the audit log as JSON lines (records with their batch head signatures, and signed checkpoints) to stdout',
  usage: '[--data-dir DIR | --storage postgres://URL]   (neither: from the server, needs audit:read)',
  options: {
    'data-dir': { type: 'string', value: 'DIR', description: 'read the SQLite database in DIR directly (also while the server runs)', default: 'the server, through the API' },
    storage: { type: 'string', value: 'postgres://URL', description: 'read the PostgreSQL database directly (a read-only role suffices)' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    for await (const item of auditSource(args, io)) {
      if (item.kind === 'record') io.stdout(recordLine(item.row) + '\n');
      else if (item.kind === 'checkpoint') io.stdout(checkpointLine(item.cp) + '\n');
    }
    return 0;
  },
} satisfies Command;
