import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, effectiveConfigSha256, loadSettings } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'strongbox-config-'));
const file = (obj: unknown) => {
  const p = join(dir, `c${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
};

describe('server settings', () => {
  it('flags override environment, which overrides the config file', () => {
    const config = file({ listen: '127.0.0.1:1000', dataDir: '/from-file', logLevel: 'debug' });
    const s = loadSettings({ config, listen: '127.0.0.1:3000' }, { STRONGBOX_LISTEN: '127.0.0.1:2000', STRONGBOX_DATA_DIR: '/from-env' });
    assert.equal(s.port, 3000);
    assert.equal(s.dataDir, '/from-env');
    assert.equal(s.logLevel, 'debug');
  });

  it('the web console is on unless --no-ui, STRONGBOX_UI=false or "ui": false', () => {
    assert.equal(loadSettings({ dataDir: '/x' }, {}).ui, true);
    assert.equal(loadSettings({ dataDir: '/x', ui: false }, {}).ui, false);
    assert.equal(loadSettings({ dataDir: '/x' }, { STRONGBOX_UI: 'false' }).ui, false);
    assert.equal(loadSettings({ dataDir: '/x' }, { STRONGBOX_UI: '0' }).ui, false);
    assert.equal(loadSettings({ config: file({ dataDir: '/x', ui: false }) }, {}).ui, false);
    assert.equal(loadSettings({ config: file({ dataDir: '/x', ui: false }) }, { STRONGBOX_UI: 'true' }).ui, true, 'the environment over the file');
    assert.equal(loadSettings({ dataDir: '/x', ui: false }, { STRONGBOX_UI: 'true' }).ui, false, 'the flag over the environment');
    assert.throws(() => loadSettings({ dataDir: '/x' }, { STRONGBOX_UI: 'maybe' }), /STRONGBOX_UI: must be true or false/);
    assert.throws(() => loadSettings({ config: file({ dataDir: '/x', ui: 'no' }) }, {}), /ui must be true or false/);
  });

  it('requires a data dir outside dev mode', () => {
    assert.throws(() => loadSettings({}, {}), (e: unknown) => e instanceof ConfigError && /--data-dir/.test(e.message));
    assert.equal(loadSettings({ dev: true }, {}).dataDir, undefined);
  });

  it('names the bad setting and its source', () => {
    assert.throws(() => loadSettings({ dataDir: '/x', listen: 'nonsense' }, {}), /--listen: listen must be HOST:PORT/);
    assert.throws(() => loadSettings({ dataDir: '/x' }, { STRONGBOX_LOG_LEVEL: 'loud' }), /STRONGBOX_LOG_LEVEL/);
    assert.throws(() => loadSettings({ config: file({ colour: 'red' }) }, {}), /unknown setting "colour"/);
    assert.throws(() => loadSettings({ config: join(dir, 'missing.json') }, {}), /cannot read/);
    assert.throws(() => loadSettings({ dataDir: '/x', devRootToken: 't' }, {}), /only allowed with --dev/);
  });

  it('PostgreSQL storage from the flag, STRONGBOX_STORAGE or the config file, instead of a data dir', () => {
    const url = 'postgres://strongbox@db.internal:5432/strongbox';
    assert.equal(loadSettings({ storage: url }, {}).storage, url);
    assert.equal(loadSettings({}, { STRONGBOX_STORAGE: url }).storage, url);
    const s = loadSettings({ config: file({ storage: url }) }, {});
    assert.equal(s.storage, url);
    assert.equal(s.dataDir, undefined);
    assert.equal(loadSettings({ dataDir: '/x' }, {}).storage, undefined, 'SQLite stays the default');
    assert.throws(() => loadSettings({ storage: 'mysql://x/y' }, {}), (e: unknown) => e instanceof ConfigError && /--storage: storage must be a PostgreSQL URL/.test(e.message));
    assert.throws(() => loadSettings({ dataDir: '/x' }, { STRONGBOX_STORAGE: url }), /STRONGBOX_STORAGE: give --data-dir \(SQLite\) or --storage \(PostgreSQL\), not both/);
  });

  it('takes the minimum deletion waiting period in days or as a duration in whole days', () => {
    assert.equal(loadSettings({ dataDir: '/x', minPendingDays: '10' }, {}).minPendingDays, 10);
    assert.equal(loadSettings({ dataDir: '/x' }, { STRONGBOX_MIN_PENDING_DAYS: '14d' }).minPendingDays, 14);
    assert.equal(loadSettings({ dev: true, minPendingDays: '0d' }, {}).minPendingDays, 0);
    assert.equal(loadSettings({ dataDir: '/x', config: file({ minPendingDays: 7 }) }, {}).minPendingDays, 7);
    assert.throws(() => loadSettings({ dataDir: '/x', minPendingDays: '36h' }, {}), /--min-pending-days: the minimum waiting period must be a whole number of days/);
    assert.throws(() => loadSettings({ dataDir: '/x', minPendingDays: '31d' }, {}), /--min-pending-days: the minimum waiting period must be from 0 days to 30 days/);
    assert.throws(() => loadSettings({ dataDir: '/x', minPendingDays: '1d' }, {}), /only allowed with --dev/);
  });

  it('parses IPv6 listen addresses', () => {
    assert.deepEqual([loadSettings({ dev: true, listen: '[::1]:8230' }, {}).host], ['::1']);
  });
});

describe('effectiveConfigSha256 (attestations)', () => {
  const base = loadSettings({ dev: true }, {});
  it('is stable, changes with a setting, and ignores secrets (dev root token, database password, RPC path)', () => {
    assert.match(effectiveConfigSha256(base), /^[0-9a-f]{64}$/);
    assert.equal(effectiveConfigSha256(base), effectiveConfigSha256(loadSettings({ dev: true }, {})));
    assert.notEqual(effectiveConfigSha256(base), effectiveConfigSha256({ ...base, integrity: 'strict' }));
    assert.equal(effectiveConfigSha256({ ...base, devRootToken: 'a' }), effectiveConfigSha256({ ...base, devRootToken: 'b' }));
    const pg = (url: string) => effectiveConfigSha256({ ...base, storage: url });
    assert.equal(pg('postgres://u:secret1@db:5432/s'), pg('postgres://u:secret2@db:5432/s'));
    assert.notEqual(pg('postgres://u:secret1@db:5432/s'), pg('postgres://u:secret1@other:5432/s'));
    const rpc = (url: string) => effectiveConfigSha256({ ...base, ethereumUpstream: url });
    assert.equal(rpc('https://mainnet.example/v3/KEY1'), rpc('https://mainnet.example/v3/KEY2'));
  });
});
