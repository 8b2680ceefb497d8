/**
 * SQLite migration 9 on a database written at schema version 6: credentials whose creating token
 * was already revoked come out revoked (with the token's revocation time), the others get their
 * token's expiry; a credential with no parent token keeps no expiry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/storage/sqlite/index.js';
import { migrations } from '../../src/storage/sqlite/migrations.js';
import { sqliteAtVersion } from '../helpers/migrations.js';

describe('migration 9: AWS credential lifecycle columns', () => {
  it('backfills revocation and expiry from the creating tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strongbox-mig9-'));
    try {
      const db = sqliteAtVersion(dir, 6);
      const token = db.prepare(`INSERT INTO tokens (accessor, token_hash, subject, policies, created_at, expires_at, revoked_at) VALUES (?, ?, 's', '["admin"]', '2025-01-01T00:00:00.000Z', ?, ?)`);
      token.run('acc.live', Buffer.from('h1'), '2030-01-01T00:00:00.000Z', null);
      token.run('acc.revoked', Buffer.from('h2'), null, '2025-06-01T00:00:00.000Z');
      token.run('acc.forever', Buffer.from('h3'), null, null);
      const cred = db.prepare(`INSERT INTO aws_credentials (access_key_id, sealed_secret, subject, policies, parent_accessor, created_at, revoked_at) VALUES (?, x'01', 's', '["admin"]', ?, '2025-02-01T00:00:00.000Z', ?)`);
      cred.run('SBXMIGLIVEAAAAAAAAAA', 'acc.live', null);
      cred.run('SBXMIGREVOKEDAAAAAAA', 'acc.revoked', null);
      cred.run('SBXMIGFOREVERAAAAAAA', 'acc.forever', null);
      cred.run('SBXMIGORPHANAAAAAAAA', null, null);
      cred.run('SBXMIGALREADYAAAAAAA', 'acc.revoked', '2025-03-01T00:00:00.000Z');
      db.close();

      const store = openSqliteStore(dir);
      try {
        const get = async (id: string) => (await store.getAwsCredential(id))!;
        assert.deepEqual([(await get('SBXMIGLIVEAAAAAAAAAA')).expiresAt, (await get('SBXMIGLIVEAAAAAAAAAA')).revokedAt], ['2030-01-01T00:00:00.000Z', null]);
        assert.equal((await get('SBXMIGREVOKEDAAAAAAA')).revokedAt, '2025-06-01T00:00:00.000Z');
        assert.equal((await get('SBXMIGALREADYAAAAAAA')).revokedAt, '2025-03-01T00:00:00.000Z', 'an earlier revocation is kept');
        assert.equal((await get('SBXMIGFOREVERAAAAAAA')).expiresAt, null);
        assert.deepEqual([(await get('SBXMIGORPHANAAAAAAAA')).expiresAt, (await get('SBXMIGORPHANAAAAAAAA')).revokedAt], [null, null]);
        assert.equal(migrations.find((m) => m.name === 'aws-credentials-lifecycle')?.version, 9);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
