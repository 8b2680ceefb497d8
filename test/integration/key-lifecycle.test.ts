/**
 * Key lifecycle through inject on a real SQLite file (src/service/keys/key-lifecycle.ts, rotate-key.ts,
 * update-key.ts, run-lifecycle.ts): disable/enable, scheduled deletion and its waiting-period bounds,
 * cancel, destruction by the lifecycle sweep with crypto-shredding checked in the database, WAL and
 * SHM files, invalid transitions, aliases (one namespace with names, policies on `key:alias/…`),
 * description and tags, aes256 rotation, minDecryptionVersion and automatic rotation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { runLifecycle } from '../../src/service/keys/run-lifecycle.js';
import { cancelKeyDeletion } from '../../src/service/keys/key-lifecycle.js';
import type { Store } from '../../src/storage/types.js';

const DAY_MS = 86_400_000;

type Box = TestBox;

function makeBox(minPendingDays?: number): Promise<Box> {
  return startTestBox(minPendingDays === undefined ? {} : { minPendingDays });
}

function expectError(res: { status: number; body: any }, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, `${what}: ${JSON.stringify(res.body)}`);
}

const digest = '0x' + '42'.repeat(32);
const plaintext = '0x' + Buffer.from('lifecycle plaintext').toString('hex');

/** Every crypto operation on a secp256k1 key and an aes256 key; each must fail with `code`. */
async function expectCryptoRefused(b: Box, sigKey: string, aesKey: string, signature: string, ciphertext: string, code: string): Promise<void> {
  expectError(await b.call('POST', `/v1/keys/${sigKey}/sign`, { digest }), 409, code, `sign ${code}`);
  expectError(await b.call('POST', `/v1/keys/${sigKey}/verify`, { digest, signature }), 409, code, `verify ${code}`);
  expectError(await b.call('POST', `/v1/keys/${aesKey}/encrypt`, { plaintext }), 409, code, `encrypt ${code}`);
  expectError(await b.call('POST', `/v1/keys/${aesKey}/decrypt`, { ciphertext }), 409, code, `decrypt ${code}`);
  expectError(await b.call('POST', `/v1/keys/${aesKey}/data-key`, {}), 409, code, `data-key ${code}`);
}

async function expectCryptoWorks(b: Box, sigKey: string, aesKey: string, signature: string, ciphertext: string): Promise<void> {
  const s = await b.call('POST', `/v1/keys/${sigKey}/sign`, { digest });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.signature, signature, 'RFC 6979: the same digest gives the same signature');
  const v = await b.call('POST', `/v1/keys/${sigKey}/verify`, { digest, signature });
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.valid, true);
  assert.equal((await b.call('POST', `/v1/keys/${aesKey}/encrypt`, { plaintext })).status, 200);
  const d = await b.call('POST', `/v1/keys/${aesKey}/decrypt`, { ciphertext });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.plaintext, plaintext);
}

/** The sealed_material blobs of a key, read from the SQLite file by a separate (closed afterwards) connection. */
function sealedBlobs(dataDir: string, keyId: string): Buffer[] {
  const db = new Database(join(dataDir, 'strongbox.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT sealed_material FROM key_versions WHERE key_id = ? ORDER BY version').pluck().all(keyId) as Buffer[]).map((x) => Buffer.from(x));
  } finally {
    db.close();
  }
}

/** strongbox.db, -wal and -shm, whichever exist. */
function storeFiles(dataDir: string): { name: string; bytes: Buffer }[] {
  return ['strongbox.db', 'strongbox.db-wal', 'strongbox.db-shm']
    .filter((f) => existsSync(join(dataDir, f)))
    .map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
}

describe('key lifecycle (minPendingDays 0)', () => {
  let b: Box;
  let sigId: string;
  let aesId: string;
  let signature: string;
  let ciphertext: string;

  before(async () => {
    b = await makeBox(0);
    const sig = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'lc-sig' });
    assert.equal(sig.status, 201, JSON.stringify(sig.body));
    sigId = sig.body.id;
    const aes = await b.call('POST', '/v1/keys', { type: 'aes256', name: 'lc-aes' });
    assert.equal(aes.status, 201, JSON.stringify(aes.body));
    aesId = aes.body.id;
    const s = await b.call('POST', `/v1/keys/${sigId}/sign`, { digest });
    assert.equal(s.status, 200);
    signature = s.body.signature;
    const e = await b.call('POST', `/v1/keys/${aesId}/encrypt`, { plaintext });
    assert.equal(e.status, 200);
    ciphertext = e.body.ciphertext;
  });
  after(() => b.cleanup());

  it('disable: every crypto operation answers 409 KEY_DISABLED; metadata and public key stay readable; enable restores', async () => {
    for (const id of [sigId, aesId]) {
      const res = await b.call('POST', `/v1/keys/${id}/disable`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'disabled');
    }
    await expectCryptoRefused(b, sigId, aesId, signature, ciphertext, 'KEY_DISABLED');
    const got = await b.call('GET', `/v1/keys/${sigId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.state, 'disabled');
    const pub = await b.call('GET', `/v1/keys/${sigId}/public-key?format=hex`);
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    assert.equal(pub.body.publicKey, got.body.publicKey);
    assert.equal((await b.call('GET', `/v1/keys/${aesId}`)).body.state, 'disabled');
    // disabling twice is allowed (idempotent)
    assert.equal((await b.call('POST', `/v1/keys/${sigId}/disable`)).status, 200);

    for (const id of [sigId, aesId]) {
      const res = await b.call('POST', `/v1/keys/${id}/enable`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'enabled');
    }
    await expectCryptoWorks(b, sigId, aesId, signature, ciphertext);
  });

  it('DELETE with pendingDays 7 schedules deletion about 7 days ahead; crypto answers KEY_PENDING_DELETION; cancel returns it disabled', async () => {
    for (const id of [sigId, aesId]) {
      const before = Date.now();
      const res = await b.call('DELETE', `/v1/keys/${id}`, { pendingDays: 7 });
      const afterMs = Date.now();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'pending_deletion');
      const when = Date.parse(res.body.deletionDate);
      assert.ok(when >= before + 7 * DAY_MS && when <= afterMs + 7 * DAY_MS, `deletionDate ${res.body.deletionDate} is now + 7 days`);
      assert.equal((await b.call('GET', `/v1/keys/${id}`)).body.deletionDate, res.body.deletionDate);
    }
    await expectCryptoRefused(b, sigId, aesId, signature, ciphertext, 'KEY_PENDING_DELETION');
    assert.equal((await b.call('GET', `/v1/keys/${sigId}/public-key`)).status, 200);

    // The sweep does not destroy a key whose date has not come.
    const sweep = await runLifecycle(b.box.ctx);
    assert.deepEqual(sweep.destroyed, []);
    assert.equal((await b.call('GET', `/v1/keys/${sigId}`)).body.state, 'pending_deletion');

    for (const id of [sigId, aesId]) {
      const res = await b.call('POST', `/v1/keys/${id}/cancel-deletion`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'disabled');
      assert.equal(res.body.deletionDate, null);
      assert.equal((await b.call('POST', `/v1/keys/${id}/enable`)).status, 200);
    }
    await expectCryptoWorks(b, sigId, aesId, signature, ciphertext);
  });

  it('pendingDays outside [minPendingDays, 30] or not a whole number of days: 400 naming pendingDays', async () => {
    for (const pendingDays of [31, -1, 1.5, 365, '31', '7x', '36h', '31d', true]) {
      const res = await b.call('DELETE', `/v1/keys/${sigId}`, { pendingDays });
      expectError(res, 400, 'INVALID_ARGUMENT', `pendingDays ${JSON.stringify(pendingDays)}`);
      assert.equal(res.body.field, 'pendingDays', JSON.stringify(res.body));
    }
    assert.equal((await b.call('GET', `/v1/keys/${sigId}`)).body.state, 'enabled', 'a refused schedule changes nothing');
  });

  it('with the default minimum of 7 days, 6 is refused and 7 accepted', async () => {
    const strict = await makeBox();
    try {
      const k = await strict.call('POST', '/v1/keys', { type: 'ed25519' });
      assert.equal(k.status, 201);
      for (const pendingDays of [0, 6]) {
        const res = await strict.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays });
        expectError(res, 400, 'INVALID_ARGUMENT', `pendingDays ${pendingDays} with min 7`);
        assert.equal(res.body.field, 'pendingDays');
      }
      const ok = await strict.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays: 7 });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.state, 'pending_deletion');
      // Without pendingDays the default waiting period is 30 days.
      const k2 = await strict.call('POST', '/v1/keys', { type: 'ed25519' });
      const before = Date.now();
      const def = await strict.call('DELETE', `/v1/keys/${k2.body.id}`);
      assert.equal(def.status, 200, JSON.stringify(def.body));
      const when = Date.parse(def.body.deletionDate);
      assert.ok(when >= before + 30 * DAY_MS && when <= Date.now() + 30 * DAY_MS, def.body.deletionDate);
    } finally {
      await strict.cleanup();
    }
  });

  it('pendingDays 0 then the lifecycle sweep destroys the key: KEY_DESTROYED, metadata kept, sealed material erased from every file', async () => {
    // A second pair of keys is destroyed; the first pair stays as the positive control.
    const sig = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'doomed-sig' });
    const aes = await b.call('POST', '/v1/keys', { type: 'aes256', name: 'doomed-aes' });
    assert.equal(sig.status, 201);
    assert.equal(aes.status, 201);
    const doomedSig = sig.body.id as string;
    const doomedAes = aes.body.id as string;
    const s = await b.call('POST', `/v1/keys/${doomedSig}/sign`, { digest });
    const e = await b.call('POST', `/v1/keys/${doomedAes}/encrypt`, { plaintext });
    assert.equal(s.status, 200);
    assert.equal(e.status, 200);
    // Give the aes key a second version, so more than one blob must go.
    assert.equal((await b.call('POST', `/v1/keys/${doomedAes}/rotate`)).status, 200);

    const doomedBlobs = [...sealedBlobs(b.dataDir, doomedSig), ...sealedBlobs(b.dataDir, doomedAes)];
    assert.equal(doomedBlobs.length, 3, 'one sealed blob for the secp256k1 key, two for the rotated aes256 key');
    const controlBlobs = [...sealedBlobs(b.dataDir, sigId), ...sealedBlobs(b.dataDir, aesId)];
    assert.equal(controlBlobs.length, 2);
    for (const blob of [...doomedBlobs, ...controlBlobs]) assert.ok(blob.length >= 32, 'a sealed blob is at least nonce + tag + key');
    // Before destruction the scan does find the doomed blobs (so "absent" below means something).
    const beforeAll = Buffer.concat(storeFiles(b.dataDir).map((f) => f.bytes));
    for (const blob of doomedBlobs) assert.notEqual(beforeAll.indexOf(blob), -1, 'control: the doomed blob is visible before destruction');

    for (const id of [doomedSig, doomedAes]) {
      const res = await b.call('DELETE', `/v1/keys/${id}`, { pendingDays: 0 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.state, 'pending_deletion');
    }
    const sweep = await runLifecycle(b.box.ctx);
    assert.deepEqual([...sweep.destroyed].sort(), [doomedSig, doomedAes].sort());

    for (const id of [doomedSig, doomedAes]) {
      const got = await b.call('GET', `/v1/keys/${id}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal(got.body.state, 'destroyed');
      assert.equal(got.body.deletionDate, null);
    }
    const got = await b.call('GET', `/v1/keys/${doomedSig}`);
    assert.equal(got.body.publicKey, sig.body.publicKey, 'the public key remains for audit');
    assert.equal(got.body.address, sig.body.address);
    assert.equal((await b.call('GET', `/v1/keys/doomed-aes`)).body.kcv, aes.body.kcv);
    const pub = await b.call('GET', `/v1/keys/${doomedSig}/public-key?format=hex`);
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    assert.equal(pub.body.publicKey, sig.body.publicKey);
    await expectCryptoRefused(b, doomedSig, doomedAes, s.body.signature, e.body.ciphertext, 'KEY_DESTROYED');

    assert.deepEqual(sealedBlobs(b.dataDir, doomedSig), [], 'no key_versions rows remain');
    assert.deepEqual(sealedBlobs(b.dataDir, doomedAes), []);
    const files = storeFiles(b.dataDir);
    assert.ok(files.some((f) => f.name === 'strongbox.db'));
    for (const f of files) {
      for (const [i, blob] of doomedBlobs.entries()) assert.equal(f.bytes.indexOf(blob), -1, `destroyed blob ${i} still present in ${f.name}`);
    }
    // Positive control: the surviving keys' blobs are still found by the same scan.
    const all = Buffer.concat(files.map((f) => f.bytes));
    for (const [i, blob] of controlBlobs.entries()) assert.notEqual(all.indexOf(blob), -1, `control blob ${i} found`);
    // and those keys still work
    await expectCryptoWorks(b, sigId, aesId, signature, ciphertext);

    // A second sweep is a no-op.
    assert.deepEqual((await runLifecycle(b.box.ctx)).destroyed, []);
  });

  it('invalid transitions answer 409 KEY_STATE_CONFLICT', async () => {
    expectError(await b.call('POST', '/v1/keys/doomed-sig/enable'), 409, 'KEY_STATE_CONFLICT', 'enable a destroyed key');
    expectError(await b.call('POST', '/v1/keys/doomed-sig/disable'), 409, 'KEY_STATE_CONFLICT', 'disable a destroyed key');
    expectError(await b.call('POST', '/v1/keys/doomed-sig/cancel-deletion'), 409, 'KEY_STATE_CONFLICT', 'cancel deletion of a destroyed key');
    expectError(await b.call('DELETE', '/v1/keys/doomed-sig', { pendingDays: 7 }), 409, 'KEY_STATE_CONFLICT', 'schedule deletion of a destroyed key');
    expectError(await b.call('POST', `/v1/keys/${sigId}/cancel-deletion`), 409, 'KEY_STATE_CONFLICT', 'cancel deletion of an enabled key');

    const k = await b.call('POST', '/v1/keys', { type: 'p256' });
    assert.equal((await b.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays: 10 })).status, 200);
    expectError(await b.call('POST', `/v1/keys/${k.body.id}/enable`), 409, 'KEY_STATE_CONFLICT', 'enable a key pending deletion');
    expectError(await b.call('POST', `/v1/keys/${k.body.id}/disable`), 409, 'KEY_STATE_CONFLICT', 'disable a key pending deletion');
    expectError(await b.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays: 10 }), 409, 'KEY_STATE_CONFLICT', 'schedule deletion twice');
    assert.equal((await b.call('GET', `/v1/keys/${k.body.id}`)).body.state, 'pending_deletion', 'refused transitions change nothing');
  });

  it('aliases: reachable by alias, one namespace with names, removable', async () => {
    const k = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'payments-hot' });
    assert.equal(k.status, 201);
    const other = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'other-key' });
    assert.equal(other.status, 201);

    const add = await b.call('POST', `/v1/keys/${k.body.id}/aliases`, { alias: 'hot' });
    assert.equal(add.status, 200, JSON.stringify(add.body));
    assert.deepEqual(add.body.aliases, ['hot']);
    const byAlias = await b.call('GET', '/v1/keys/hot');
    assert.equal(byAlias.status, 200);
    assert.equal(byAlias.body.id, k.body.id);
    const sig = await b.call('POST', '/v1/keys/hot/sign', { digest });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    const sigByName = await b.call('POST', '/v1/keys/payments-hot/sign', { digest });
    assert.equal(sig.body.signature, sigByName.body.signature, 'the alias names the same key');
    assert.equal((await b.call('GET', '/v1/keys/hot/public-key')).status, 200);

    // An alias may not equal another key's name or alias, nor any name.
    const otherAlias = await b.call('POST', `/v1/keys/${other.body.id}/aliases`, { alias: 'cold' });
    assert.equal(otherAlias.status, 200);
    for (const alias of ['other-key', 'cold', 'hot', 'payments-hot']) {
      const res = await b.call('POST', `/v1/keys/${k.body.id}/aliases`, { alias });
      expectError(res, 409, 'ALIAS_TAKEN', `alias ${alias}`);
      assert.equal(res.body.field, 'alias');
    }
    expectError(await b.call('POST', `/v1/keys/${other.body.id}/aliases`, { alias: 'hot' }), 409, 'ALIAS_TAKEN', 'another key takes alias hot');
    // A key name may not equal an existing alias.
    for (const name of ['hot', 'cold']) {
      const res = await b.call('POST', '/v1/keys', { type: 'ed25519', name });
      expectError(res, 409, 'KEY_NAME_TAKEN', `create named ${name}`);
    }
    expectError(await b.call('POST', '/v1/keys/import', { type: 'aes256', name: 'hot', privateKey: '0x' + '11'.repeat(32) }), 409, 'KEY_NAME_TAKEN', 'import named hot');
    // An alias shaped like a key id is refused.
    const uuidAlias = await b.call('POST', `/v1/keys/${k.body.id}/aliases`, { alias: '00000000-0000-4000-8000-000000000000' });
    assert.equal(uuidAlias.status, 400, JSON.stringify(uuidAlias.body));
    assert.equal(uuidAlias.body.field, 'alias');

    const rm = await b.call('DELETE', `/v1/keys/${k.body.id}/aliases/hot`);
    assert.equal(rm.status, 200, JSON.stringify(rm.body));
    assert.deepEqual(rm.body.aliases, []);
    expectError(await b.call('GET', '/v1/keys/hot'), 404, 'KEY_NOT_FOUND', 'removed alias');
    expectError(await b.call('DELETE', `/v1/keys/${k.body.id}/aliases/hot`), 404, 'ALIAS_NOT_FOUND', 'remove twice');
    expectError(await b.call('DELETE', `/v1/keys/${k.body.id}/aliases/cold`), 404, 'ALIAS_NOT_FOUND', "remove another key's alias");
    // The name is free again.
    const reuse = await b.call('POST', '/v1/keys', { type: 'ed25519', name: 'hot' });
    assert.equal(reuse.status, 201, JSON.stringify(reuse.body));
  });

  it('policies: key:alias/<alias> and key:name/<glob> both allow signing through an alias', async () => {
    const k = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'payments-warm' });
    assert.equal((await b.call('POST', `/v1/keys/${k.body.id}/aliases`, { alias: 'warm' })).status, 200);
    const stranger = await b.call('POST', '/v1/keys', { type: 'secp256k1', name: 'ledger-key' });

    const byAlias = await b.call('PUT', '/v1/policies/warm-signer', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:alias/warm'] }] });
    assert.equal(byAlias.status, 200, JSON.stringify(byAlias.body));
    const byName = await b.call('PUT', '/v1/policies/payments-signer', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:name/payments-*'] }] });
    assert.equal(byName.status, 200, JSON.stringify(byName.body));

    for (const policy of ['warm-signer', 'payments-signer']) {
      const t = await b.call('POST', '/v1/tokens', { policies: [policy] });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      const token = t.body.token as string;
      for (const ref of ['warm', 'payments-warm', k.body.id]) {
        const res = await b.call('POST', `/v1/keys/${ref}/sign`, { digest }, token);
        assert.equal(res.status, 200, `${policy} signs via ${ref}: ${JSON.stringify(res.body)}`);
      }
      expectError(await b.call('POST', `/v1/keys/${stranger.body.id}/sign`, { digest }, token), 403, 'PERMISSION_DENIED', `${policy} on another key`);
      expectError(await b.call('POST', '/v1/keys/warm/verify', { digest, signature: '0x3000' }, token), 403, 'PERMISSION_DENIED', `${policy} verify (not granted)`);
      expectError(await b.call('POST', '/v1/keys/unknown-alias/sign', { digest }, token), 403, 'PERMISSION_DENIED', `${policy} on an unknown reference`);
    }
    // Once the alias is gone, a policy on key:alias/warm no longer matches.
    assert.equal((await b.call('DELETE', `/v1/keys/${k.body.id}/aliases/warm`)).status, 200);
    const t = await b.call('POST', '/v1/tokens', { policies: ['warm-signer'] });
    expectError(await b.call('POST', '/v1/keys/payments-warm/sign', { digest }, t.body.token), 403, 'PERMISSION_DENIED', 'alias policy after alias removal');
  });

  it('PATCH changes description and tags (tags replaced as a whole)', async () => {
    const res = await b.call('PATCH', `/v1/keys/${sigId}`, { description: 'hot wallet', tags: { team: 'payments', env: 'prod' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.description, 'hot wallet');
    assert.deepEqual(res.body.tags, { team: 'payments', env: 'prod' });
    const again = await b.call('PATCH', `/v1/keys/${sigId}`, { tags: { env: 'staging' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.description, 'hot wallet', 'description untouched when not given');
    assert.deepEqual(again.body.tags, { env: 'staging' });
    const got = await b.call('GET', '/v1/keys/lc-sig');
    assert.equal(got.body.description, 'hot wallet');
    assert.deepEqual(got.body.tags, { env: 'staging' });
    const unknown = await b.call('PATCH', `/v1/keys/${sigId}`, { name: 'renamed' });
    expectError(unknown, 400, 'UNKNOWN_FIELD', 'PATCH name');
  });

  it('aes256 rotation: new version encrypts, old still decrypts until minDecryptionVersion passes it', async () => {
    const k = await b.call('POST', '/v1/keys', { type: 'aes256', name: 'rot' });
    const v1 = await b.call('POST', '/v1/keys/rot/encrypt', { plaintext });
    assert.equal(v1.body.keyVersion, 1);
    const rot = await b.call('POST', '/v1/keys/rot/rotate');
    assert.equal(rot.status, 200, JSON.stringify(rot.body));
    assert.equal(rot.body.version, 2);
    assert.equal(rot.body.id, k.body.id);
    const v2 = await b.call('POST', '/v1/keys/rot/encrypt', { plaintext });
    assert.equal(v2.status, 200);
    assert.equal(v2.body.keyVersion, 2);
    for (const [c, version] of [[v1.body.ciphertext, 1], [v2.body.ciphertext, 2]] as const) {
      const d = await b.call('POST', '/v1/keys/rot/decrypt', { ciphertext: c });
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal(d.body.plaintext, plaintext);
      assert.equal(d.body.keyVersion, version);
    }
    const dk = await b.call('POST', '/v1/keys/rot/data-key', {});
    assert.equal(dk.body.keyVersion, 2);

    expectError(await b.call('POST', '/v1/keys/rot/rotation', { minDecryptionVersion: 3 }), 400, 'INVALID_ARGUMENT', 'minDecryptionVersion above current');
    const cfg = await b.call('POST', '/v1/keys/rot/rotation', { minDecryptionVersion: 2 });
    assert.equal(cfg.status, 200, JSON.stringify(cfg.body));
    assert.equal(cfg.body.minDecryptionVersion, 2);
    expectError(await b.call('POST', '/v1/keys/rot/decrypt', { ciphertext: v1.body.ciphertext }), 409, 'KEY_VERSION_DISABLED', 'v1 ciphertext after minDecryptionVersion 2');
    assert.equal((await b.call('POST', '/v1/keys/rot/decrypt', { ciphertext: v2.body.ciphertext })).status, 200);
    assert.equal((await b.call('POST', '/v1/keys/rot/decrypt', { ciphertext: dk.body.ciphertext })).status, 200);

    // A disabled key is not rotated.
    assert.equal((await b.call('POST', '/v1/keys/rot/disable')).status, 200);
    expectError(await b.call('POST', '/v1/keys/rot/rotate'), 409, 'KEY_DISABLED', 'rotate a disabled key');
    assert.equal((await b.call('POST', '/v1/keys/rot/enable')).status, 200);
  });

  it('signing keys are not rotated in place: 400 UNSUPPORTED_OPERATION', async () => {
    for (const ref of ['lc-sig', 'payments-hot']) {
      expectError(await b.call('POST', `/v1/keys/${ref}/rotate`), 400, 'UNSUPPORTED_OPERATION', `rotate ${ref}`);
      expectError(await b.call('POST', `/v1/keys/${ref}/rotation`, { rotationPeriodDays: 30 }), 400, 'UNSUPPORTED_OPERATION', `rotation period on ${ref}`);
    }
    expectError(await b.call('POST', '/v1/keys', { type: 'ed25519', rotationPeriodDays: 1 }), 400, 'UNSUPPORTED_OPERATION', 'rotationPeriodDays on create ed25519');
    assert.equal((await b.call('GET', '/v1/keys/lc-sig')).body.version, 1);
  });
});

describe('automatic rotation', () => {
  let b: Box;
  before(async () => {
    b = await makeBox();
  });
  after(() => b.cleanup());

  it('an aes256 key with rotationPeriodDays 1 is rotated by the sweep once its time comes', async () => {
    const created = Date.now();
    const k = await b.call('POST', '/v1/keys', { type: 'aes256', name: 'auto', rotationPeriodDays: 1 });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    assert.equal(k.body.rotationPeriodDays, 1);
    const next = Date.parse(k.body.nextRotationAt);
    assert.ok(next >= created + DAY_MS - 1000 && next <= Date.now() + DAY_MS, k.body.nextRotationAt);
    const still = await b.call('POST', '/v1/keys', { type: 'aes256', name: 'manual' });
    const c1 = await b.call('POST', '/v1/keys/auto/encrypt', { plaintext });
    assert.equal(c1.body.keyVersion, 1);

    // Nothing is due yet.
    assert.deepEqual((await runLifecycle(b.box.ctx)).rotated, []);

    const future = Date.now() + 2 * DAY_MS;
    b.box.ctx.now = () => new Date(future);
    const sweep = await runLifecycle(b.box.ctx);
    assert.deepEqual(sweep.rotated, [k.body.id]);
    const got = await b.call('GET', '/v1/keys/auto');
    assert.equal(got.body.version, 2);
    const nextAfter = Date.parse(got.body.nextRotationAt);
    assert.ok(nextAfter >= future + DAY_MS - 1000 && nextAfter <= future + DAY_MS + 1000, `next rotation one period after the sweep: ${got.body.nextRotationAt}`);
    assert.equal((await b.call('GET', '/v1/keys/manual')).body.version, 1, 'a key without a period is not rotated');
    assert.equal(still.body.nextRotationAt, null);
    // Idempotent: a second sweep at the same time rotates nothing.
    assert.deepEqual((await runLifecycle(b.box.ctx)).rotated, []);

    const c2 = await b.call('POST', '/v1/keys/auto/encrypt', { plaintext });
    assert.equal(c2.body.keyVersion, 2);
    for (const c of [c1.body.ciphertext, c2.body.ciphertext]) {
      const d = await b.call('POST', '/v1/keys/auto/decrypt', { ciphertext: c });
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal(d.body.plaintext, plaintext);
    }

    // Turning the period off stops rotation.
    const off = await b.call('POST', '/v1/keys/auto/rotation', { rotationPeriodDays: null });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.nextRotationAt, null);
    b.box.ctx.now = () => new Date(future + 10 * DAY_MS);
    assert.deepEqual((await runLifecycle(b.box.ctx)).rotated, []);
  });
});

/**
 * The sweep is documented as safe on several nodes ("each step is a conditional update"). These
 * simulate the other node deterministically: a store wrapper lets a cancel-deletion land between
 * the sweep finding the key due and destroying it, and a cancel-deletion that read the key (as the
 * HTTP route does, in authorization) lands after the sweep destroyed it.
 */
describe('lifecycle transitions racing the sweep', () => {
  let b: Box;
  before(async () => {
    b = await makeBox(0);
  });
  after(() => b.cleanup());

  it('a deletion cancelled after the sweep found the key due is not destroyed', async () => {
    const k = await b.call('POST', '/v1/keys', { type: 'ed25519', name: 'race-1' });
    assert.equal((await b.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays: 0 })).status, 200);
    const store = b.box.ctx.store;
    let cancelled: { status: number; body: any } | undefined;
    const racing: Store = Object.create(store, {
      listKeysDue: {
        value: async (now: string) => {
          const due = await store.listKeysDue(now);
          // another node cancels the deletion right after this node's sweep found the key due
          if (due.toDestroy.includes(k.body.id) && cancelled === undefined) cancelled = await b.call('POST', `/v1/keys/${k.body.id}/cancel-deletion`);
          return due;
        },
      },
    });
    await runLifecycle({ ...b.box.ctx, store: racing });
    assert.equal(cancelled?.status, 200, JSON.stringify(cancelled?.body));
    assert.equal(cancelled?.body.state, 'disabled', 'the caller was told the deletion is cancelled');
    const got = await b.call('GET', `/v1/keys/${k.body.id}`);
    assert.equal(got.body.state, 'disabled', `a key whose deletion was cancelled (200) must not be destroyed; state is ${got.body.state}`);
    assert.equal((await b.call('POST', `/v1/keys/${k.body.id}/enable`)).status, 200);
    const sig = await b.call('POST', `/v1/keys/${k.body.id}/sign`, { message: '0x01' });
    assert.equal(sig.status, 200, `its material must still be there: ${JSON.stringify(sig.body)}`);
  });

  it('a cancel-deletion that read the key before the sweep destroyed it cannot resurrect it', async () => {
    const k = await b.call('POST', '/v1/keys', { type: 'ed25519', name: 'race-2' });
    assert.equal((await b.call('DELETE', `/v1/keys/${k.body.id}`, { pendingDays: 0 })).status, 200);
    // the record as the cancel request's authorization step resolved it
    const stale = (await b.box.ctx.store.getKey(k.body.id))!;
    assert.equal(stale.state, 'pending_deletion');
    assert.deepEqual((await runLifecycle(b.box.ctx)).destroyed, [k.body.id]);
    await assert.rejects(cancelKeyDeletion(b.box.ctx, { key: stale }), (err: { code?: string }) => err.code === 'KEY_STATE_CONFLICT', 'cancel after destruction must conflict');
    const got = await b.call('GET', `/v1/keys/${k.body.id}`);
    assert.equal(got.body.state, 'destroyed', `a destroyed key must stay destroyed; state is ${got.body.state}`);
  });
});
