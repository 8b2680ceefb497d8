/**
 * The SQLite side of a restore: a data directory is empty when it holds no strongbox.db, and the
 * verified snapshot becomes that file as it is (created exclusively, mode 0600). Its schema is the
 * snapshot's; the server migrates it on its first start, as after an upgrade.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { StorageNotEmptyError } from '../types.js';
import { SQLITE_FILE } from './index.js';

const occupied = (dataDir: string) => new StorageNotEmptyError(`${dataDir} already holds a database; restore into an empty directory`);

export function assertSqliteEmpty(dataDir: string): void {
  // A stray -wal/-shm of an older database would be replayed onto the restored file.
  for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`]) if (existsSync(join(dataDir, name))) throw occupied(dataDir);
}

/**
 * Copies the database file `file` into `dataDir` (which must not hold one). Written to a temporary file,
 * fsynced, then linked into place (link fails if the name exists, so a concurrent restore cannot be
 * overwritten), and the directory fsynced: a crash or a full disk never leaves a truncated strongbox.db
 * that would block a retry.
 */
export function writeSqliteSnapshot(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const target = join(dataDir, SQLITE_FILE);
  // A random name: a temp file left by a killed restore (a container's pid is always the same) never blocks a retry.
  const temp = join(dataDir, `.${SQLITE_FILE}.restore-${randomUUID()}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeFileSync(fd, readFileSync(file));
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    linkSync(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw occupied(dataDir);
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
