/**
 * Runs in a worker thread: owns a second SQLite connection and appends audit batches, so the
 * fsync of each group commit never blocks the main event loop. Messages: {id, rows} → {id, error?}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Batch {
  id: number;
  rows: { seq: number; record: string; hash: Uint8Array }[];
}

const db = new Database(workerData.file as string);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
const insert = db.prepare('INSERT INTO audit_records (seq, record, hash) VALUES (?, ?, ?)');
const append = db.transaction((rows: Batch['rows']) => {
  for (const r of rows) insert.run(r.seq, r.record, r.hash);
});

parentPort!.on('message', (msg: Batch | 'close') => {
  if (msg === 'close') {
    db.close();
    parentPort!.postMessage('closed');
    return;
  }
  try {
    append.immediate(msg.rows);
    parentPort!.postMessage({ id: msg.id });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: (err as Error).message, code: (err as { code?: string }).code });
  }
});
