/**
 * Seal migration round trip with the built server and CLI: shamir → awskms (moto_server) → pkcs11
 * (SoftHSM2) → shamir, with the server stopped for each step. Keys are never re-encrypted: the same
 * key signs the same digest to the same signature at every stage, and each stage's server unseals
 * through its own provider (or, back on Shamir, with the new unseal shares).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.js';
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

const run = runCli;
const json = jsonOf;

describe('seal migration: shamir → awskms → pkcs11 → shamir', () => {
  let dir: string;
  let moto: MotoServer;
  let hsm: SoftHsm;
  let env: Record<string, string>;
  let server: SpawnedServer | undefined;
  let token: string;
  let recovery: string[] = [];
  let unsealShares: string[] = [];
  const digest = '0x' + '31'.repeat(32);
  let signature: string;
  const dataDir = () => join(dir, 'data');

  const start = async (seal: string): Promise<SpawnedServer> => {
    server = await spawnServer(['--seal', seal, '--data-dir', dataDir(), '--log-level', 'warn'], env);
    return server;
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  const sign = async () => json(await run(['key', 'sign', 'wallet', '--digest', digest, '--encoding', 'raw', '--json'], { STRONGBOX_ADDR: server!.addr, STRONGBOX_TOKEN: token })).signature as string;

  /**
   * The current share set is committed: in a generate-root attempt a share outside it is refused at once
   * (UNKNOWN_SHARE) and a share of it counts; the attempt is then cancelled with its nonce.
   */
  const assertCommitted = async (addr: string, outside: string, member: string) => {
    const post = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(addr + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return (await res.json()) as any;
    };
    const { nonce } = await post('POST', '/v1/sys/generate-root/attempt');
    assert.equal((await post('POST', '/v1/sys/generate-root/update', { nonce, share: outside })).code, 'UNKNOWN_SHARE');
    assert.equal((await post('POST', '/v1/sys/generate-root/update', { nonce, share: member })).progress, 1);
    assert.deepEqual(await post('DELETE', '/v1/sys/generate-root/attempt', { nonce }), { started: false });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-migrate-'));
    moto = await startMoto();
    const kms = new KMSClient({ region: MOTO_REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }));
    kms.destroy();
    hsm = createSoftHsm({ tokenLabel: 'strongbox-migrate' });
    env = {
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      STRONGBOX_AWSKMS_KEY_ID: KeyMetadata!.KeyId!,
      STRONGBOX_AWSKMS_ENDPOINT: moto.endpoint,
      SOFTHSM2_CONF: hsm.confPath,
      STRONGBOX_PKCS11_LIBRARY: hsm.library,
      STRONGBOX_PKCS11_TOKEN_LABEL: hsm.tokenLabel,
      STRONGBOX_PKCS11_PIN: hsm.pin,
    };
    const s = await start('shamir');
    const init = json(await run(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_ADDR: s.addr }));
    token = init.rootToken;
    for (const share of init.shares.slice(0, 2)) await run(['operator', 'unseal', share], { STRONGBOX_ADDR: s.addr });
    json(await run(['key', 'create', '--type', 'secp256k1', '--name', 'wallet', '--json'], { STRONGBOX_ADDR: s.addr, STRONGBOX_TOKEN: token }));
    signature = await sign();
    await stop();
    unsealShares = init.shares;
  });
  after(async () => {
    await stop();
    await moto.stop();
    hsm.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shamir → awskms needs a quorum of unseal shares and makes recovery shares', async () => {
    const shares = unsealShares;
    const bad = await run(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'shamir', '--to', 'awskms'], env, shares[0]!);
    assert.notEqual(bad.code, 0, 'one share is not a quorum');
    const r = json(await run(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'shamir', '--to', 'awskms', '--shares', '3', '--threshold', '2', '--json'], env, shares.slice(1, 3).join('\n')));
    assert.equal(r.sharesKind, 'recovery');
    recovery = r.shares;
    const s = await start('awskms');
    const health = (await (await fetch(`${s.addr}/v1/sys/health`)).json()) as { sealed: boolean; sealType: string };
    assert.deepEqual([health.sealed, health.sealType], [false, 'awskms'], 'auto-unsealed through KMS');
    assert.equal(await sign(), signature, 'same key, not re-encrypted');
    await assertCommitted(s.addr, unsealShares[0]!, recovery[0]!);
    await stop();
  });

  it('awskms → pkcs11 needs the recovery shares and keeps them', async () => {
    const r = json(await run(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'awskms', '--to', 'pkcs11', '--json'], env, recovery.slice(0, 2).join('\n')));
    assert.deepEqual(r.shares, []);
    const s = await start('pkcs11');
    assert.equal(((await (await fetch(`${s.addr}/v1/sys/health`)).json()) as { sealed: boolean }).sealed, false);
    assert.equal(await sign(), signature);
    await assertCommitted(s.addr, unsealShares[1]!, recovery[2]!);
    await stop();
  });

  it('pkcs11 → shamir makes new unseal shares that unseal', async () => {
    const r = json(await run(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'pkcs11', '--to', 'shamir', '--shares', '2', '--threshold', '2', '--json'], env, recovery.slice(1, 3).join('\n')));
    assert.equal(r.sharesKind, 'unseal');
    assert.equal(r.shares.length, 2);
    const s = await start('shamir');
    assert.equal(((await (await fetch(`${s.addr}/v1/sys/health`)).json()) as { sealed: boolean }).sealed, true);
    // A recovery share of the 2-of-3 set has the format and threshold byte of the new 2-of-2 unseal shares.
    const old = await run(['operator', 'unseal', recovery[0]!], { STRONGBOX_ADDR: s.addr });
    assert.match(old.stderr, /UNKNOWN_SHARE/);
    for (const share of r.shares) await run(['operator', 'unseal', share], { STRONGBOX_ADDR: s.addr });
    assert.equal(await sign(), signature);
    const audit = await run(['audit', 'verify'], { STRONGBOX_ADDR: s.addr, STRONGBOX_TOKEN: token });
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
  });
});
