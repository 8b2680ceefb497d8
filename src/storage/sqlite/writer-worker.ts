/**
 * Runs in a worker thread: owns a second SQLite connection and makes the group-committed writes —
 * audit batches and key-creation batches — so their fsyncs never block the main event loop.
 *
 * Messages in → out:
 * - {id, op:'audit', rows, expect} → {id} | {id, stale:true}: under the write lock the rows are
 *   inserted only if the chain head is still `expect`, the head they were chained onto; otherwise
 *   nothing is written (another writer appended first).
 * - {id, op:'keys', items} → {id, outcomes}: each key in its own savepoint, so a conflict fails only
 *   that key; outcomes[i] is null (written) or why not.
 * - a message that fails as a whole → {id, error, code}; 'close' → 'closed'.
 * The messages that queued up while one transaction was being made durable share the next one
 * (BEGIN IMMEDIATE: the database's one write lock; one commit, one fsync).
 * Only sealed key material and public metadata cross this boundary, as everywhere in storage/.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prepareKeyInserts, type KeyInsert, type KeyInsertOutcome } from './key-insert.js';

export interface AuditBatchMessage {
  id: number;
  op: 'audit';
  rows: { seq: number; record: string; hash: Uint8Array; headSignature?: Uint8Array }[];
  /** the head the rows were chained onto; null for an empty log */
  expect: { seq: number; hash: Uint8Array } | null;
}

export interface KeyBatchMessage {
  id: number;
  op: 'keys';
  items: KeyInsert[];
}

export type WriterReply = { id: number; error?: string; code?: string; stale?: boolean; outcomes?: KeyInsertOutcome[] } | 'closed';

const db = new Database(workerData.file as string);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 10000');
db.pragma('secure_delete = ON');
const insertAudit = db.prepare('INSERT INTO audit_records (seq, record, hash, head_signature) VALUES (?, ?, ?, ?)');
const head = db.prepare('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1');
/** Runs as a savepoint inside the group's transaction: a failure undoes only this batch. */
const appendAudit = db.transaction((rows: AuditBatchMessage['rows'], expect: AuditBatchMessage['expect']): boolean => {
  const h = head.get() as { seq: number; hash: Buffer } | undefined;
  const same = h === undefined ? expect === null : expect !== null && h.seq === expect.seq && Buffer.compare(h.hash, expect.hash) === 0;
  if (!same) return false;
  for (const r of rows) insertAudit.run(r.seq, r.record, r.hash, r.headSignature ?? null);
  return true;
});
const keys = prepareKeyInserts(db);

function failure(id: number, err: unknown): WriterReply {
  const code = (err as { code?: unknown }).code;
  return { id, error: (err as Error).message, ...(typeof code === 'string' ? { code } : {}) };
}

function handle(msg: AuditBatchMessage | KeyBatchMessage): WriterReply {
  try {
    if (msg.op === 'keys') return { id: msg.id, outcomes: keys.insertBatch(msg.items) };
    return appendAudit(msg.rows, msg.expect) ? { id: msg.id } : { id: msg.id, stale: true };
  } catch (err) {
    // Some errors (SQLITE_FULL, IOERR, NOMEM) make SQLite roll back the whole transaction, not just
    // this message's savepoint: then the group as a whole has failed — going on would commit the
    // messages after this one on their own while every message is reported failed.
    if (!db.inTransaction) throw err;
    return failure(msg.id, err);
  }
}

/**
 * Everything queued while the previous transaction was being made durable (at most one audit batch
 * and one key batch: the main thread keeps one of each in flight) goes into one transaction, one fsync.
 */
const group = db.transaction((msgs: (AuditBatchMessage | KeyBatchMessage)[]): WriterReply[] => msgs.map(handle));

parentPort!.on('message', (first: AuditBatchMessage | KeyBatchMessage | 'close') => {
  const msgs = [first];
  for (let next = receiveMessageOnPort(parentPort!); next !== undefined; next = receiveMessageOnPort(parentPort!)) msgs.push(next.message as typeof first);
  const closing = msgs.includes('close');
  const work = msgs.filter((m): m is AuditBatchMessage | KeyBatchMessage => m !== 'close');
  if (work.length > 0) {
    let replies: WriterReply[];
    try {
      replies = group.immediate(work);
    } catch (err) {
      // The transaction as a whole failed (e.g. the write lock stayed busy): nothing of it was written.
      replies = work.map((m) => failure(m.id, err));
    }
    for (const r of replies) parentPort!.postMessage(r);
  }
  if (closing) {
    db.close();
    parentPort!.postMessage('closed' satisfies WriterReply);
  }
});
