/**
 * Scale of data: fills a Strongbox SQLite database with filler keys (random public keys and random
 * "sealed" bytes that are never opened) directly, in large transactions, so a 1,000,000-key
 * installation exists in seconds rather than after a million API calls. The server keeps running
 * (WAL: this connection is just another writer). Also times uncached store lookups by id.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/storage/sqlite/index.js';

export function fillKeys(file: string, count: number): string[] {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const insertKey = db.prepare(
    `INSERT INTO keys (id, name, type, origin, state, public_key, current_version, created_at, eth_address) VALUES (?, NULL, 'secp256k1', 'generated', 'enabled', ?, 1, ?, ?)`,
  );
  const insertVersion = db.prepare('INSERT INTO key_versions (key_id, version, sealed_material, created_at) VALUES (?, 1, ?, ?)');
  const ids: string[] = [];
  const now = new Date().toISOString();
  const batch = db.transaction((n: number) => {
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      const pub = Buffer.concat([Buffer.from([4]), randomBytes(64)]);
      insertKey.run(id, pub, now, '0x' + randomBytes(20).toString('hex'));
      insertVersion.run(id, randomBytes(93), now);
      if (ids.length < 200_000) ids.push(id);
    }
  });
  for (let left = count; left > 0; left -= 50_000) batch.immediate(Math.min(50_000, left));
  db.close();
  return ids;
}

/** Mean microseconds per getKey of random ids, straight from the store (no cache). */
export async function storeLookupMicros(dataDir: string, ids: readonly string[], lookups: number): Promise<number> {
  const store = openSqliteStore(dataDir, { readonly: true });
  try {
    for (let i = 0; i < 1000; i++) await store.getKey(ids[i % ids.length]!);
    const start = process.hrtime.bigint();
    for (let i = 0; i < lookups; i++) {
      const got = await store.getKey(ids[(i * 7919) % ids.length]!);
      if (got === undefined) throw new Error('filler key not found');
    }
    return Number(process.hrtime.bigint() - start) / 1000 / lookups;
  } finally {
    await store.close();
  }
}
