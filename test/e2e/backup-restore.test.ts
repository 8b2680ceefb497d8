/**
 * Backup and restore round trip with the built CLI: back up a running server, restore into an empty
 * directory with the unseal shares, start a second server on it, and check that restored keys sign
 * (verified by @noble/curves against the ORIGINAL public key), old ciphertexts decrypt, and the audit
 * chain still verifies. Tampered backups, wrong shares and non-empty targets are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const run = runCli;
const json = jsonOf;

describe('backup and restore', () => {
  let dir: string;
  let a: SpawnedServer;
  let b: SpawnedServer | undefined;
  let token: string;
  let shares: string[];
  let hot: { id: string; publicKey: string };
  let ciphertext: string;
  const digest = '0x' + '77'.repeat(32);
  let originalSig: string;
  const backupFile = () => join(dir, 'backup.sbbak');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-backup-'));
    a = await spawnServer(['--data-dir', join(dir, 'a'), '--log-level', 'warn']);
    const init = json(await run(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_ADDR: a.addr }));
    token = init.rootToken;
    shares = init.shares;
    for (const s of shares.slice(0, 2)) await run(['operator', 'unseal', s], { STRONGBOX_ADDR: a.addr });
    const env = { STRONGBOX_ADDR: a.addr, STRONGBOX_TOKEN: token };
    hot = json(await run(['key', 'create', '--type', 'secp256k1', '--name', 'hot', '--json'], env));
    json(await run(['key', 'create', '--type', 'aes256', '--name', 'vault', '--json'], env));
    ciphertext = json(await run(['key', 'encrypt', 'vault', '--plaintext', '0xc0ffee', '--json'], env)).ciphertext;
    originalSig = json(await run(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'raw', '--json'], env)).signature;
  });
  after(async () => {
    await a.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('operator backup writes one file; a token without sys:backup is refused', async () => {
    const env = { STRONGBOX_ADDR: a.addr, STRONGBOX_TOKEN: token };
    assert.equal((await run(['operator', 'backup', '--out', backupFile()], env)).code, 0);
    const file = readFileSync(backupFile());
    assert.ok(file.subarray(0, 17).toString() === 'STRONGBOX-BACKUP\n');
    const signer = json(await run(['token', 'create', '--policy', 'signer', '--json'], env)).token;
    assert.equal((await run(['operator', 'backup', '--out', join(dir, 'x.sbbak')], { STRONGBOX_ADDR: a.addr, STRONGBOX_TOKEN: signer })).code, 5);
  });

  it('refuses a tampered backup, wrong shares and a non-empty target', async () => {
    const bytes = readFileSync(backupFile());
    const tampered = Buffer.from(bytes);
    tampered[Math.floor(tampered.length / 2)]! ^= 1;
    writeFileSync(join(dir, 'tampered.sbbak'), tampered);
    const t = await run(['operator', 'restore', '--in', join(dir, 'tampered.sbbak'), '--data-dir', join(dir, 't')], {}, shares.slice(0, 2).join('\n'));
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /INTEGRITY_CHECK_FAILED|UNSEAL_FAILED|not a Strongbox backup/);
    const wrong = await run(['operator', 'restore', '--in', backupFile(), '--data-dir', join(dir, 'w')], {}, shares[0]!);
    assert.equal(wrong.code, 3, wrong.stderr);
    const occupied = await run(['operator', 'restore', '--in', backupFile(), '--data-dir', join(dir, 'a')], {}, shares.slice(0, 2).join('\n'));
    assert.equal(occupied.code, 7, occupied.stderr);
  });

  it('restores with the shares; the restored server needs them again, and its keys are the same keys', async () => {
    const r = await run(['operator', 'restore', '--in', backupFile(), '--data-dir', join(dir, 'b'), '--json'], {}, [shares[2], shares[0]].join('\n'));
    assert.equal(r.code, 0, r.stderr);
    b = await spawnServer(['--data-dir', join(dir, 'b'), '--log-level', 'warn']);
    const env = { STRONGBOX_ADDR: b.addr, STRONGBOX_TOKEN: token };
    assert.equal((await run(['key', 'sign', 'hot', '--digest', digest], env)).code, 10, 'sealed until a quorum unseals');
    for (const s of [shares[1]!, shares[2]!]) await run(['operator', 'unseal', s], { STRONGBOX_ADDR: b.addr });
    const sig = json(await run(['key', 'sign', 'hot', '--digest', digest, '--encoding', 'raw', '--json'], env)).signature as string;
    assert.equal(sig, originalSig, 'RFC 6979: the restored key is the same key');
    const pub = Buffer.from(hot.publicKey.slice(2), 'hex');
    assert.ok(secp256k1.verify(Buffer.from(sig.slice(2), 'hex'), Buffer.from(digest.slice(2), 'hex'), pub, { prehash: false, format: 'compact' }), 'verifies against the original public key');
    assert.equal(json(await run(['key', 'decrypt', 'vault', '--ciphertext', ciphertext, '--json'], env)).plaintext, '0xc0ffee');
    const verify = await run(['audit', 'verify'], env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });
});
