/**
 * End to end: the access-control, lifecycle and ceremony commands of the built CLI against a spawned
 * server — token create/lookup/renew/revoke, policy write/read/list/delete, key update/disable/
 * enable/delete/cancel-deletion/rotate, operator generate-root (OTP flow, --cancel), audit verify through the API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';


const run = runCli;

const json = jsonOf;

describe('CLI: tokens, policies, lifecycle, generate-root', () => {
  let dir: string;
  let server: SpawnedServer;
  let root: string;
  let shares: string[];
  const as = (token: string) => ({ STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: token });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-access-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    const init = json(await run(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_ADDR: server.addr }));
    root = init.rootToken;
    shares = init.shares;
    for (const s of shares.slice(0, 2)) await run(['operator', 'unseal', s], { STRONGBOX_ADDR: server.addr });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes, reads and lists a policy; mints a narrow token that can only do what it allows', async () => {
    const key = json(await run(['key', 'create', '--type', 'secp256k1', '--name', 'payments-hot', '--json'], as(root)));
    json(await run(['key', 'create', '--type', 'secp256k1', '--name', 'treasury', '--json'], as(root)));
    const file = join(dir, 'payments.json');
    writeFileSync(file, JSON.stringify({ statements: [{ effect: 'allow', actions: ['keys:sign', 'keys:read'], resources: ['key:name/payments-*'] }] }));
    assert.equal((await run(['policy', 'write', 'payments', '--file', file], as(root))).code, 0);
    assert.deepEqual(json(await run(['policy', 'read', 'payments', '--json'], as(root))).statements[0].resources, ['key:name/payments-*']);
    assert.match((await run(['policy', 'list'], as(root))).stdout, /payments\n/);

    const t = json(await run(['token', 'create', '--policy', 'payments', '--ttl', '3600', '--uses', '5', '--json'], as(root)));
    assert.match(t.token, /^sbt\./);
    const digest = '0x' + '42'.repeat(32);
    assert.equal((await run(['key', 'sign', 'payments-hot', '--digest', digest], as(t.token))).code, 0);
    const denied = await run(['key', 'sign', 'treasury', '--digest', digest], as(t.token));
    assert.equal(denied.code, 5, 'PERMISSION_DENIED exits 5');
    assert.match(denied.stderr, /PERMISSION_DENIED/);
    const self = json(await run(['token', 'lookup', '--json'], as(t.token)));
    assert.equal(self.accessor, t.accessor);
    assert.equal(self.numUsesLeft, 2, '5 uses: the sign, the denied sign and this lookup each took one');
    assert.equal(key.name, 'payments-hot');
  });

  it('renews, then revokes a token (exit 4 afterwards); bad flags exit 2', async () => {
    const t = json(await run(['token', 'create', '--policy', 'signer', '--ttl', '60', '--max-ttl', '2h', '--json'], as(root)));
    assert.equal(Date.parse(t.maxExpiresAt) - Date.parse(t.createdAt), 7_200_000, '--max-ttl 2h');
    const renewed = json(await run(['token', 'renew', '--increment', '1h', '--json'], as(t.token)));
    assert.ok(Date.parse(renewed.expiresAt) > Date.parse(t.expiresAt));
    assert.equal(json(await run(['token', 'renew', '--increment', '30d', '--json'], as(t.token))).expiresAt, t.maxExpiresAt, 'never past --max-ttl');
    const fixed = json(await run(['token', 'create', '--policy', 'signer', '--renewable=false', '--json'], as(root)));
    assert.equal(fixed.renewable, false);
    const refused = await run(['token', 'renew'], as(fixed.token));
    assert.equal(refused.code, 8, 'TOKEN_NOT_RENEWABLE is FAILED_PRECONDITION (8)');
    assert.match(refused.stderr, /TOKEN_NOT_RENEWABLE/);
    assert.match((await run(['token', 'lookup'], as(fixed.token))).stdout, /Renewable\s+false/);
    assert.equal((await run(['token', 'create', '--policy', 'signer', '--renewable', 'maybe'], as(root))).code, 2);
    assert.match((await run(['token', 'revoke', t.accessor], as(root))).stdout, /revoked 1 token/);
    assert.equal((await run(['token', 'lookup'], as(t.token))).code, 4);
    assert.equal((await run(['token', 'create'], as(root))).code, 2, '--policy is required');
    assert.equal((await run(['token', 'create', '--policy', 'signer', '--rate', 'fast'], as(root))).code, 2);
  });

  it('key lifecycle through the CLI', async () => {
    json(await run(['key', 'create', '--type', 'aes256', '--name', 'backup', '--json'], as(root)));
    const updated = json(await run(['key', 'update', 'backup', '--description', 'nightly', '--tag', 'env=prod', '--add-alias', 'bk', '--json'], as(root)));
    assert.deepEqual([updated.description, updated.tags, updated.aliases], ['nightly', { env: 'prod' }, ['bk']]);
    assert.equal(json(await run(['key', 'disable', 'bk', '--json'], as(root))).state, 'disabled');
    assert.equal((await run(['key', 'encrypt', 'backup', '--plaintext', '0x00'], as(root))).code, 8, 'KEY_DISABLED is FAILED_PRECONDITION (8)');
    assert.equal(json(await run(['key', 'enable', 'backup', '--json'], as(root))).state, 'enabled');
    assert.equal(json(await run(['key', 'rotate', 'backup', '--json'], as(root))).version, 2);
    const before = Date.now();
    const pending = json(await run(['key', 'delete', 'backup', '--pending-days', '168h', '--json'], as(root)));
    assert.equal(pending.state, 'pending_deletion');
    const when = Date.parse(pending.deletionDate);
    assert.ok(when >= before + 7 * 86_400_000 && when <= Date.now() + 7 * 86_400_000, `--pending-days 168h: ${pending.deletionDate} is 7 days ahead`);
    assert.equal((await run(['key', 'delete', 'backup', '--pending-days', '7'], as(root))).code, 8, 'already pending: KEY_STATE_CONFLICT');
    assert.equal(json(await run(['key', 'cancel-deletion', 'backup', '--json'], as(root))).state, 'disabled');
    const tooShort = await run(['key', 'delete', 'backup', '--pending-days', '3'], as(root));
    assert.equal(tooShort.code, 3);
    assert.match(tooShort.stderr, /pendingDays/);
    const notDays = await run(['key', 'delete', 'backup', '--pending-days', '36h'], as(root));
    assert.equal(notDays.code, 2, 'a malformed duration is a usage error');
    assert.match(notDays.stderr, /--pending-days must be a whole number of days/);
  });

  it('TTLs take durations: token create --ttl 1h30m, aws-credentials create --ttl 12h; a malformed one names the flag', async () => {
    const before = Date.now();
    const t = json(await run(['token', 'create', '--policy', 'signer', '--ttl', '1h30m', '--json'], as(root)));
    const expires = Date.parse(t.expiresAt);
    assert.ok(expires >= before + 5_400_000 && expires <= Date.now() + 5_400_000, `--ttl 1h30m: ${t.expiresAt}`);
    const c = json(await run(['aws-credentials', 'create', '--policy', 'signer', '--ttl', '12h', '--json'], as(root)));
    const cExpires = Date.parse(c.expiresAt);
    assert.ok(cExpires >= before + 43_200_000 && cExpires <= Date.now() + 43_200_000, `--ttl 12h: ${c.expiresAt}`);
    for (const args of [['token', 'create', '--policy', 'signer', '--ttl', '1x'], ['token', 'renew', '--increment', 'soon'], ['aws-credentials', 'create', '--ttl', '1.5s']]) {
      const bad = await run(args, as(root));
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, new RegExp(`--${args[args.length - 2]!.replace(/^--/, '')} must be`), args.join(' '));
    }
    const tooLong = await run(['token', 'create', '--policy', 'signer', '--ttl', '400d'], as(root));
    assert.equal(tooLong.code, 3, 'out of range: the server answers INVALID_ARGUMENT (exit 3)');
    assert.match(tooLong.stderr, /ttl must be from 1s to 365d/);
  });

  it('generate-root: the OTP decodes a working root token only for the initiator', async () => {
    const start = json(await run(['operator', 'generate-root', '--init', '--json'], { STRONGBOX_ADDR: server.addr }));
    const first = json(await run(['operator', 'generate-root', '--nonce', start.nonce, '--json'], { STRONGBOX_ADDR: server.addr }, shares[2]!));
    assert.equal(first.complete, false);
    const done = json(await run(['operator', 'generate-root', '--nonce', start.nonce, shares[0]!, '--json'], { STRONGBOX_ADDR: server.addr }));
    assert.equal(done.complete, true);
    assert.ok(!done.encodedToken.startsWith('sbt.'), 'the token is not sent in the clear');
    const decoded = json(await run(['operator', 'generate-root', '--decode', done.encodedToken, '--otp', start.otp, '--json'], {}));
    const self = json(await run(['token', 'lookup', '--json'], as(decoded.rootToken)));
    assert.deepEqual(self.policies, ['root']);
  });

  it('generate-root --cancel needs the nonce or a share: without one the attempt survives', async () => {
    const addr = { STRONGBOX_ADDR: server.addr };
    const start = json(await run(['operator', 'generate-root', '--init', '--json'], addr));
    const again = await run(['operator', 'generate-root', '--init'], addr);
    assert.equal(again.code, 8, again.stderr);
    assert.match(again.stderr, /ATTEMPT_IN_PROGRESS/);
    const bare = await run(['operator', 'generate-root', '--cancel'], addr);
    assert.equal(bare.code, 2, 'no nonce and nothing on stdin is a usage error');
    const forged = await run(['operator', 'generate-root', '--cancel', '0x0102' + '00'.repeat(33)], addr);
    assert.equal(forged.code, 3, forged.stderr);
    assert.match(forged.stderr, /UNKNOWN_SHARE/);
    assert.equal(json(await run(['operator', 'generate-root', '--nonce', start.nonce, '--json'], addr, shares[1]!)).progress, 1, 'the attempt is still there');
    assert.deepEqual(json(await run(['operator', 'generate-root', '--cancel', '--nonce', start.nonce, '--json'], addr)), { started: false });
    const next = json(await run(['operator', 'generate-root', '--init', '--json'], addr));
    assert.deepEqual(json(await run(['operator', 'generate-root', '--cancel', '--json'], addr, shares[0]!)), { started: false }, 'a share on stdin cancels too');
    const gone = await run(['operator', 'generate-root', '--nonce', next.nonce], addr, shares[0]!);
    assert.match(gone.stderr, /GENERATE_ROOT_NOT_STARTED/);
  });

  it('audit verify through the API is intact after all of the above', async () => {
    const r = await run(['audit', 'verify'], as(root));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /audit log intact: \d+ records/);
  });
});
