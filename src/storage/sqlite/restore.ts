/**
 * The SQLite side of a restore: a data directory is empty when it holds no strongbox.db, and the
 * verified snapshot becomes that file as it is (created exclusively, mode 0600). Its schema is the
 * snapshot's; the server migrates it on its first start, as after an upgrade.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageNotEmptyError } from '../types.js';
import { SQLITE_FILE } from './index.js';

const occupied = (dataDir: string) => new StorageNotEmptyError(`${dataDir} already holds a database; restore into an empty directory`);

export function assertSqliteEmpty(dataDir: string): void {
  if (existsSync(join(dataDir, SQLITE_FILE))) throw occupied(dataDir);
}

/** Copies the database file `file` into `dataDir` (which must not hold one: the file is created exclusively). */
export function writeSqliteSnapshot(dataDir: string, file: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(join(dataDir, SQLITE_FILE), readFileSync(file), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw occupied(dataDir);
    throw err;
  }
}
