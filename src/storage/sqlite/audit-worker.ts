/**
 * Runs in a worker thread: owns a second SQLite connection and appends audit batches, so the
 * fsync of each group commit never blocks the main event loop. Messages: {id, rows, expect} →
 * {id, error?, stale?}. Inside the write transaction (BEGIN IMMEDIATE: the database's one write
 * lock) the rows are inserted only if the chain head is still `expect`, the head they were chained
 * onto; otherwise nothing is written and the answer is `stale` (another writer appended first).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Batch {
  id: number;
  rows: { seq: number; record: string; hash: Uint8Array }[];
  /** the head the rows were chained onto; null for an empty log */
  expect: { seq: number; hash: Uint8Array } | null;
}

const db = new Database(workerData.file as string);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
const insert = db.prepare('INSERT INTO audit_records (seq, record, hash) VALUES (?, ?, ?)');
const head = db.prepare('SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1');
const append = db.transaction((rows: Batch['rows'], expect: Batch['expect']): boolean => {
  const h = head.get() as { seq: number; hash: Buffer } | undefined;
  const same = h === undefined ? expect === null : expect !== null && h.seq === expect.seq && Buffer.compare(h.hash, expect.hash) === 0;
  if (!same) return false;
  for (const r of rows) insert.run(r.seq, r.record, r.hash);
  return true;
});

parentPort!.on('message', (msg: Batch | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.postMessage('closed');
    return;
  }
  try {
    const written = append.immediate(msg.rows, msg.expect);
    parentPort!.postMessage(written ? { id: msg.id } : { id: msg.id, stale: true });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message, code: (err as { code?: string }).code });
  }
});
