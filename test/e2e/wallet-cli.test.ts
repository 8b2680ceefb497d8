/**
 * End to end: the wallet commands of the built CLI against a spawned server — wallet create (fresh,
 * revealed once; imported from STRONGBOX_MNEMONIC or stdin with a BIP39 passphrase from
 * STRONGBOX_BIP39_PASSPHRASE, never argv), list, show, derive (checked with viem's mnemonicToAccount),
 * xpub (checked with ethers), the exit code of a bad path, and that the mnemonic and passphrase appear
 * nowhere in the server's log or data directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mnemonicToAccount } from 'viem/accounts';
import { HDNodeWallet, Mnemonic } from 'ethers';
import { exitCodeOf } from '../../src/protocol/errors.js';
import { jsonOf as json, runCli as run } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const PASSPHRASE = 'cli-bip39-passphrase-7f3e';

describe('CLI: wallet create, list, show, derive, xpub', () => {
  let dir: string;
  let server: SpawnedServer;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-wallet-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'info']);
    const init = json(await run(['operator', 'init', '--shares', '1', '--threshold', '1', '--json'], { STRONGBOX_ADDR: server.addr }));
    assert.equal((await run(['operator', 'unseal', init.shares[0]], { STRONGBOX_ADDR: server.addr })).code, 0);
    env = { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: init.rootToken };
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wallet create --reveal-mnemonic prints the mnemonic once; show never does', async () => {
    const created = await run(['wallet', 'create', '--name', 'fresh', '--strength', '128', '--reveal-mnemonic'], env);
    assert.equal(created.code, 0, created.stderr);
    const mnemonic = /^Mnemonic\s+(.+)$/m.exec(created.stdout)![1]!;
    assert.equal(mnemonic.split(' ').length, 12);
    const shown = await run(['wallet', 'show', 'fresh'], env);
    assert.equal(shown.code, 0);
    assert.doesNotMatch(shown.stdout, /Mnemonic/);
    const key = json(await run(['wallet', 'derive', 'fresh', '--path', "m/44'/60'/0'/0/0", '--json'], env));
    assert.equal(key.address, mnemonicToAccount(mnemonic).address);
  });

  it('wallet create --import from the environment and from stdin, with a BIP39 passphrase', async () => {
    const fromEnv = json(await run(['wallet', 'create', '--import', '--from-env', '--name', 'imported', '--json'], { ...env, STRONGBOX_MNEMONIC: MNEMONIC, STRONGBOX_BIP39_PASSPHRASE: PASSPHRASE }));
    assert.equal(fromEnv.origin, 'imported');
    assert.equal(fromEnv.mnemonic, undefined);
    const fromStdin = json(await run(['wallet', 'create', '--import', '--stdin', '--name', 'imported-2', '--json'], { ...env, STRONGBOX_BIP39_PASSPHRASE: PASSPHRASE }, MNEMONIC + '\n'));
    const a = json(await run(['wallet', 'derive', 'imported', '--path', "m/44'/60'/0'/0/2", '--json'], env));
    const b = json(await run(['wallet', 'derive', fromStdin.id, '--path', "m/44h/60h/0h/0/2", '--json'], env));
    const expected = mnemonicToAccount(MNEMONIC, { addressIndex: 2, passphrase: PASSPHRASE } as Parameters<typeof mnemonicToAccount>[1]).address;
    assert.equal(a.address, expected);
    assert.equal(b.address, expected);
    assert.equal(a.path, "m/44'/60'/0'/0/2");
    assert.match((await run(['key', 'show', a.id], env)).stdout, /Path\s+m\/44'\/60'\/0'\/0\/2/);
  });

  it('wallet list, xpub (ethers), derive ed25519 for Solana, and usage/exit codes', async () => {
    const list = json(await run(['wallet', 'list', '--json'], env));
    assert.deepEqual(list.wallets.map((w: { name: string }) => w.name), ['fresh', 'imported', 'imported-2']);
    const xpub = json(await run(['wallet', 'xpub', 'imported', '--path', "m/84'/0'/0'", '--json'], env));
    const root = HDNodeWallet.fromSeed(Mnemonic.fromPhrase(MNEMONIC, PASSPHRASE).computeSeed());
    assert.equal(xpub.xpub, root.derivePath("m/84'/0'/0'").neuter().extendedKey);
    const sol = await run(['wallet', 'derive', 'imported', '--path', "m/44'/501'/0'/0'"], env);
    assert.equal(sol.code, 0, sol.stderr);
    assert.match(sol.stdout, /Type\s+ed25519/);
    assert.match(sol.stdout, /Solana address\s+[1-9A-HJ-NP-Za-km-z]{32,44}/);
    const bad = await run(['wallet', 'derive', 'imported', '--path', "m/44'/501'/0'/0"], env);
    assert.equal(bad.code, exitCodeOf('INVALID_DERIVATION_PATH'));
    assert.match(bad.stderr, /INVALID_DERIVATION_PATH/);
    assert.equal((await run(['wallet', 'show', 'ghost'], env)).code, exitCodeOf('WALLET_NOT_FOUND'));
    assert.equal((await run(['wallet', 'create', '--import'], env)).code, 2, 'usage error: no source');
    assert.equal((await run(['wallet', 'create', '--import', '--from-env'], env)).code, 2, 'usage error: STRONGBOX_MNEMONIC unset');
  });

  it('the mnemonic and passphrase are in neither the server log nor the data directory', async () => {
    const log = server.stdout() + server.stderr();
    assert.ok(log.includes('/v1/wallets'), 'control: wallet requests were logged');
    const files = readdirSync(join(dir, 'data')).map((f) => readFileSync(join(dir, 'data', f)));
    for (const secret of [MNEMONIC, PASSPHRASE, MNEMONIC.split(' ').slice(0, 4).join(' ')]) {
      assert.equal(log.includes(secret), false, `log holds ${secret}`);
      for (const f of files) assert.equal(f.indexOf(Buffer.from(secret)), -1, `data dir holds ${secret}`);
    }
  });
});
