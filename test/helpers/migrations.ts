/** A SQLite database file migrated only up to `version`, to test what later migrations do to old rows. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';

export function sqliteAtVersion(dir: string, version: number): Database.Database {
  const db = new Database(join(dir, SQLITE_FILE));
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  for (const m of migrations.filter((x) => x.version <= version)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
  }
  return db;
}
