/**
 * `--seal kmip` end to end with PyKMIP's own server (`pykmip-server`) as the external KMIP server: a
 * Shamir installation migrates to the KMIP seal (recovery shares), starts auto-unsealed and signs as
 * before; a restart auto-unseals again; it migrates back to Shamir and again to KMIP; a fresh installation
 * initialized with --seal kmip auto-unseals at once; and when the wrapping key is revoked on the KMIP
 * server, a restart stays sealed and /v1/sys/health names the key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonOf, runCli } from '../helpers/cli.js';
import { makePki, runPykmip, type TestPki } from '../helpers/kmip.js';
import { repoRoot } from '../helpers/paths.js';
import { startPykmipServer, type PykmipServer } from '../helpers/pykmip-server.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { decodeSealed } from '../../src/providers/kmip/index.js';

const json = jsonOf;

describe('--seal kmip against pykmip-server', () => {
  let pki: TestPki;
  let kmipServer: PykmipServer;
  let dir: string;
  let env: Record<string, string>;
  let server: SpawnedServer | undefined;
  let token = '';
  let recovery: string[] = [];
  const digest = '0x' + '42'.repeat(32);
  let signature = '';
  const dataDir = () => join(dir, 'data');

  const start = async (seal: string, data = dataDir()): Promise<SpawnedServer> => {
    server = await spawnServer(['--seal', seal, '--data-dir', data, '--log-level', 'warn'], env);
    return server;
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  const health = async (s: SpawnedServer) => (await (await fetch(`${s.addr}/v1/sys/health`)).json()) as { sealed: boolean; sealType: string; sealedReason?: string };
  const sign = async () => json(await runCli(['key', 'sign', 'wallet', '--digest', digest, '--encoding', 'raw', '--json'], { STRONGBOX_ADDR: server!.addr, STRONGBOX_TOKEN: token })).signature as string;

  before(async () => {
    pki = await makePki('strongbox-kmip-seal-e2e-');
    await pki.leaf('pykmip-server', '127.0.0.1', 'server');
    await pki.leaf('strongbox', 'strongbox-seal', 'client');
    kmipServer = await startPykmipServer(pki);
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-kmip-seal-'));
    env = {
      STRONGBOX_KMIP_SEAL_ADDRESS: kmipServer.address,
      STRONGBOX_KMIP_SEAL_CERT: pki.file('strongbox.crt'),
      STRONGBOX_KMIP_SEAL_KEY: pki.file('strongbox.key'),
      STRONGBOX_KMIP_SEAL_CA: pki.file('ca.crt'),
    };
    const s = await start('shamir');
    const init = json(await runCli(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_ADDR: s.addr }));
    token = init.rootToken;
    for (const share of init.shares.slice(0, 2)) await runCli(['operator', 'unseal', share], { STRONGBOX_ADDR: s.addr });
    json(await runCli(['key', 'create', '--type', 'secp256k1', '--name', 'wallet', '--json'], { STRONGBOX_ADDR: s.addr, STRONGBOX_TOKEN: token }));
    signature = await sign();
    await stop();
    const r = json(await runCli(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'shamir', '--to', 'kmip', '--shares', '3', '--threshold', '2', '--json'], env, init.shares.slice(1, 3).join('\n')));
    assert.equal(r.sharesKind, 'recovery');
    recovery = r.shares;
  });
  after(async () => {
    await stop();
    await kmipServer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  it('after shamir → kmip the server auto-unseals through the KMIP server, and again after a restart', async () => {
    let s = await start('kmip');
    assert.deepEqual(await health(s).then((h) => [h.sealed, h.sealType]), [false, 'kmip']);
    assert.equal(await sign(), signature, 'same key');
    await stop();
    s = await start('kmip');
    assert.equal((await health(s)).sealed, false, 'a restart auto-unseals');
    await stop();
  });

  it('kmip → shamir → kmip: the root key moves out and back', async () => {
    const back = json(await runCli(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'kmip', '--to', 'shamir', '--shares', '2', '--threshold', '2', '--json'], env, recovery.slice(0, 2).join('\n')));
    assert.equal(back.sharesKind, 'unseal');
    let s = await start('shamir');
    assert.equal((await health(s)).sealed, true);
    for (const share of back.shares) await runCli(['operator', 'unseal', share], { STRONGBOX_ADDR: s.addr });
    assert.equal(await sign(), signature);
    await stop();
    const again = json(await runCli(['operator', 'migrate-seal', '--data-dir', dataDir(), '--from', 'shamir', '--to', 'kmip', '--shares', '3', '--threshold', '2', '--json'], env, back.shares.join('\n')));
    recovery = again.shares;
    s = await start('kmip');
    assert.equal((await health(s)).sealed, false);
    assert.equal(await sign(), signature);
    await stop();
  });

  it('a new installation initialized with --seal kmip is unsealed at once and after a restart', async () => {
    const data = join(dir, 'fresh');
    let s = await start('kmip', data);
    const init = await (await fetch(`${s.addr}/v1/sys/init`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shares: 3, threshold: 2 }) })).json() as { sharesKind: string };
    assert.equal(init.sharesKind, 'recovery');
    assert.equal((await health(s)).sealed, false);
    await stop();
    s = await start('kmip', data);
    assert.equal((await health(s)).sealed, false);
    await stop();
  });

  it('once the wrapping key is revoked on the KMIP server, a restart stays sealed and says why', async () => {
    const { openSqliteStore } = await import('../../src/storage/sqlite/index.js');
    const store = openSqliteStore(dataDir(), { readonly: true });
    const sealed = await store.getSysValue('sealed_root_key');
    await store.close();
    const { uid } = decodeSealed(sealed!);
    const revoked = await runPykmip(repoRoot, pki, 'revoke', kmipServer.port, 'strongbox', '1.2', [uid]);
    assert.equal(revoked['revoke'], null, JSON.stringify(revoked));
    const s = await start('kmip');
    const h = await health(s);
    assert.equal(h.sealed, true);
    assert.equal(h.sealType, 'kmip');
    assert.ok(h.sealedReason?.includes(uid), `the reason names the key: ${h.sealedReason}`);
    assert.match(h.sealedReason!, /not Active/);
    const key = await (await fetch(`${s.addr}/v1/keys/wallet`, { headers: { authorization: `Bearer ${token}` } })).json() as { code: string };
    assert.equal(key.code, 'SEALED');
    await stop();
  });
});
