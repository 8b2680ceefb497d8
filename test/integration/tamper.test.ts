/**
 * Tampering: flipping a byte of a stored ciphertext, or moving a blob to another record, makes
 * use of that key fail with INTEGRITY_CHECK_FAILED (DATA_LOSS, 500) — never a wrong signature.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { SQLITE_FILE } from '../../src/storage/sqlite/index.js';

const digest = '0x' + '22'.repeat(32);

describe('tampered key material', () => {
  let box: TestBox;
  const ids: Record<string, string> = {};

  before(async () => {
    const first = await startTestBox();
    for (const type of ['secp256k1', 'p256', 'ed25519', 'aes256'] as const) ids[type] = (await first.call('POST', '/v1/keys', { type })).body.id;
    ids['donor'] = (await first.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
    ids['moved'] = (await first.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
    ids['intact'] = (await first.call('POST', '/v1/keys', { type: 'secp256k1' })).body.id;
    await first.stop();

    const db = new Database(join(first.dataDir, SQLITE_FILE));
    const get = db.prepare('SELECT sealed_material FROM key_versions WHERE key_id = ?').pluck();
    const put = db.prepare('UPDATE key_versions SET sealed_material = ? WHERE key_id = ?');
    // One flipped bit in each region of the envelope: term (header), nonce, ciphertext, tag.
    const positions: Record<string, (len: number) => number> = { aes256: () => 3, p256: () => 8, secp256k1: () => 20, ed25519: (len) => len - 1 };
    for (const [type, pos] of Object.entries(positions)) {
      const blob = Buffer.from(get.get(ids[type]) as Buffer);
      blob[pos(blob.length)]! ^= 0x01;
      put.run(blob, ids[type]);
    }
    // An intact blob copied onto another key: AAD binds the record identity, so it must not open.
    put.run(get.get(ids['donor']), ids['moved']);
    db.close();

    box = await startTestBox({ dataDir: first.dataDir, bare: true, rootToken: first.rootToken });
    await box.call('POST', '/v1/sys/unseal', { share: first.shares[0] }, null);
  });
  after(() => box.cleanup());

  for (const type of ['secp256k1', 'p256', 'ed25519'] as const) {
    it(`${type}: a flipped byte gives INTEGRITY_CHECK_FAILED, not a signature`, async () => {
      const body = type === 'ed25519' ? { message: '0x01' } : { digest };
      const res = await box.call('POST', `/v1/keys/${ids[type]}/sign`, body);
      assert.equal(res.status, 500);
      assert.equal(res.body.code, 'INTEGRITY_CHECK_FAILED');
      assert.equal(res.body.signature, undefined);
    });
  }

  it('aes256: a flipped header byte gives INTEGRITY_CHECK_FAILED on encrypt', async () => {
    const res = await box.call('POST', `/v1/keys/${ids['aes256']}/encrypt`, { plaintext: '0x00' });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'INTEGRITY_CHECK_FAILED');
  });

  it('a blob moved to another key record does not open', async () => {
    const res = await box.call('POST', `/v1/keys/${ids['moved']}/sign`, { digest });
    assert.equal(res.body.code, 'INTEGRITY_CHECK_FAILED');
    const donor = await box.call('POST', `/v1/keys/${ids['donor']}/sign`, { digest });
    assert.equal(donor.status, 200, 'the original record still works');
  });

  it('untouched keys keep working', async () => {
    assert.equal((await box.call('POST', `/v1/keys/${ids['intact']}/sign`, { digest })).status, 200);
  });
});
