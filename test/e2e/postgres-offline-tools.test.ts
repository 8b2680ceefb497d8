/**
 * The offline operator tools on PostgreSQL storage, with the built server and CLI and a throwaway
 * PostgreSQL cluster: a SQLite installation holding every kind of record (imported keys with known
 * private keys, a generated key with an alias, an HD wallet from a known mnemonic and a derived key,
 * tokens, policies, transaction rules with a spend reservation and a half-approved transaction,
 * secrets, AWS credentials, audit records and checkpoints) is backed up with `operator backup` and
 * restored into an empty PostgreSQL database with `operator restore --storage`. A node on that
 * database unseals with the same shares; the restored keys sign what @noble/curves and viem verify
 * against the ORIGINAL public keys and address; `audit verify --storage` passes before and after new
 * records; new keys and wallets number after the restored ones; no file of the cluster holds a known
 * secret. Tampered backups, wrong shares and occupied databases are refused with nothing written.
 * Then `operator migrate-seal --storage`: shamir → pkcs11 (SoftHSM2) → shamir with new shares.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { generateMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { parseTransaction, recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { jsonOf, runCli } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { createSoftHsm, type SoftHsm } from '../helpers/softhsm.js';
import { parseBackup } from '../../src/service/sys/backup.js';

const run = runCli;
const json = jsonOf;

const known = {
  secp256k1: Buffer.from('3c9a1f0e7d2b4c6a8e0f1d3b5a7c9e2f4d6b8a0c1e3f5a7b9d2c4e6f8a1b3d5c', 'hex'),
  ed25519: Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
  aes256: Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex'),
  secretValue: Buffer.from('the database password that moved to PostgreSQL sealed'),
};
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
// A fee of 21,000 wei (gas × maxFeePerGas), which the rules count as spent value.
const tx = (value: string, nonce: number) => ({ chainId: 1, nonce, to: B, value, gas: 21000, maxFeePerGas: '1', maxPriorityFeePerGas: '1' });
const digest = '0x' + '5a'.repeat(32);
const hexBytes = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex');

async function call(addr: string, token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(addr + path, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}
const tablesOf = async (url: string) => (await sql<{ t: string }>(url, `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema()`)).map((r) => r.t);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = statSync(p);
    return st.isDirectory() ? files(p) : st.isFile() ? [p] : [];
  });
}

describe('offline operator tools on PostgreSQL storage', () => {
  let cluster: PostgresCluster;
  let hsm: SoftHsm;
  let hsmEnv: Record<string, string>;
  let dir: string;
  let server: SpawnedServer | undefined;
  let url: string;
  let token: string;
  let shares: string[];
  const mnemonic = generateMnemonic(wordlist, 128);
  const keys: Record<string, { id: string; publicKey: string }> = {};
  const tokens: Record<string, string> = {};
  let derived: { id: string; address: string; publicKey: string };
  let ciphertext: string;
  let originalSig: string;
  let awsSecret: string;
  let approvalId: string;
  let sourceAudit: { records: number; lastSeq: number; checkpoints: number };
  let sourceRows: Record<string, number>;
  const backupFile = () => join(dir, 'backup.sbbak');
  const sqliteDir = () => join(dir, 'sqlite');

  const start = async (args: string[]): Promise<SpawnedServer> => {
    await stop(); // one node at a time, also after a failed test
    server = await spawnServer([...args, '--log-level', 'warn'], hsmEnv);
    return server;
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  const api = (method: string, path: string, body?: unknown, as: string | null = token) => call(server!.addr, as, method, path, body);
  const unseal = async (with_: string[]) => {
    for (const s of with_) assert.equal((await run(['operator', 'unseal', s], { STRONGBOX_ADDR: server!.addr })).code, 0);
  };
  const restore = (args: string[], input: string, env: Record<string, string> = {}) => run(['operator', 'restore', '--in', backupFile(), ...args], env, input);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-pgops-'));
    cluster = await startPostgres();
    hsm = createSoftHsm({ tokenLabel: 'strongbox-pgops' });
    hsmEnv = { SOFTHSM2_CONF: hsm.confPath, STRONGBOX_PKCS11_LIBRARY: hsm.library, STRONGBOX_PKCS11_TOKEN_LABEL: hsm.tokenLabel, STRONGBOX_PKCS11_PIN: hsm.pin };

    // A SQLite installation with a record in every table.
    await start(['--data-dir', sqliteDir()]);
    const init = json(await run(['operator', 'init', '--shares', '3', '--threshold', '2', '--json'], { STRONGBOX_ADDR: server!.addr }));
    token = init.rootToken;
    shares = init.shares;
    await unseal(shares.slice(0, 2));
    for (const type of ['secp256k1', 'ed25519', 'aes256'] as const) {
      const r = await api('POST', '/v1/keys/import', { type, name: `known-${type}`, privateKey: '0x' + known[type].toString('hex') });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      keys[type] = r.body;
    }
    const hot = await api('POST', '/v1/keys', { type: 'secp256k1', name: 'hot' });
    assert.equal(hot.status, 201);
    keys['hot'] = hot.body;
    assert.equal((await api('POST', '/v1/keys/hot/aliases', { alias: 'hot-alias' })).status, 200);
    originalSig = (await api('POST', '/v1/keys/known-secp256k1/sign', { digest, encoding: 'raw' })).body.signature;
    ciphertext = (await api('POST', '/v1/keys/known-aes256/encrypt', { plaintext: '0xc0ffee' })).body.ciphertext;
    assert.equal((await api('POST', '/v1/wallets', { name: 'treasury', mnemonic })).status, 201);
    const d = await api('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/0" });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    derived = d.body;
    assert.equal((await api('PUT', '/v1/policies/tx-approver', { statements: [{ effect: 'allow', actions: ['approvals:read', 'approvals:write'], resources: ['key:*'] }] })).status, 200);
    for (const subject of ['bob', 'carol']) tokens[subject] = (await api('POST', '/v1/tokens', { policies: ['tx-approver'], subject })).body.token;
    // 999 + fee 21,000 stays under the approval threshold; 5000 + 21,000 goes over it.
    const rules = { version: 1, dailyLimit: '1000000', approval: { aboveValue: '25000', required: 2, approvers: { subjects: ['bob', 'carol'] } } };
    assert.equal((await api('PUT', '/v1/keys/known-secp256k1/transaction-rules', rules)).status, 200);
    assert.equal((await api('POST', '/v1/keys/known-secp256k1/ethereum/sign-transaction', { transaction: tx('999', 0) })).status, 200, 'below the threshold: signed, spend reserved');
    const held = await api('POST', '/v1/keys/known-secp256k1/ethereum/sign-transaction', { transaction: tx('5000', 1) });
    assert.equal(held.status, 202, JSON.stringify(held.body));
    approvalId = held.body.approvalId;
    assert.equal((await api('POST', `/v1/approvals/${approvalId}/approve`, undefined, tokens['bob']!)).body.status, 'pending');
    assert.equal((await api('PUT', '/v1/secrets/app/db', { data: { password: known.secretValue.toString() } })).status, 200);
    const creds = await api('POST', '/v1/aws-credentials', { policies: ['admin'] });
    assert.equal(creds.status, 201);
    awsSecret = creds.body.secretAccessKey;
    // Stopping writes a signed checkpoint; the backup is taken after a restart.
    await stop();
    await start(['--data-dir', sqliteDir()]);
    await unseal([shares[2]!, shares[0]!]);
    assert.equal((await run(['operator', 'backup', '--out', backupFile()], { STRONGBOX_ADDR: server!.addr, STRONGBOX_TOKEN: token })).code, 0);
    await stop();
    // What the backup holds (the data directory has more: the backup request's own record and the
    // checkpoint written at the stop): its snapshot as a data directory of its own.
    const snapshotDir = join(dir, 'snapshot');
    mkdirSync(snapshotDir);
    writeFileSync(join(snapshotDir, 'strongbox.db'), parseBackup(new Uint8Array(readFileSync(backupFile()))).database);
    sourceAudit = json(await run(['audit', 'verify', '--data-dir', snapshotDir, '--json'], {}));
    assert.equal((sourceAudit as unknown as { ok: boolean }).ok, true);
    assert.ok(sourceAudit.checkpoints > 0, 'the backup has signed checkpoints');
    const db = new Database(join(snapshotDir, 'strongbox.db'), { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations'`).pluck().all() as string[];
    sourceRows = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
    db.close();
  });
  after(async () => {
    await stop();
    cluster?.stop();
    hsm?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the flag when the storage is given twice, not at all, or not as a PostgreSQL URL', async () => {
    const input = shares.slice(0, 2).join('\n');
    const pgUrl = cluster.url('whatever');
    const cases: [string, string[], Record<string, string>, RegExp][] = [
      ['both flags', ['--data-dir', join(dir, 'x'), '--storage', pgUrl], {}, /--data-dir.*--storage.*not both/],
      ['neither', [], {}, /--data-dir DIR \(SQLite\) or --storage postgres:\/\/URL \(PostgreSQL\) is required/],
      ['not postgres', ['--storage', 'mysql://db/strongbox'], {}, /--storage must be a PostgreSQL URL/],
      ['unparseable', ['--storage', 'postgres://[::1/x'], {}, /--storage must be a PostgreSQL URL/],
      ['flag and variable', ['--data-dir', join(dir, 'x')], { STRONGBOX_STORAGE: pgUrl }, /--data-dir and STRONGBOX_STORAGE are set/],
      ['bad variable', [], { STRONGBOX_STORAGE: 'sqlite:///tmp/x' }, /STRONGBOX_STORAGE must be a PostgreSQL URL/],
    ];
    for (const [label, flags, env, message] of cases) {
      for (const command of [['operator', 'restore', '--in', backupFile()], ['operator', 'migrate-seal', '--from', 'shamir', '--to', 'pkcs11']]) {
        const r = await run([...command, ...flags], env, input);
        assert.equal(r.code, 2, `${command[1]} ${label}: ${r.stderr}`);
        assert.match(r.stderr, message, `${command[1]} ${label}`);
      }
    }
    const secretUrl = `postgres://strongbox:hunter2@127.0.0.1:1/strongbox`;
    const unreachable = await restore(['--storage', secretUrl], input);
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /127\.0\.0\.1:1\/strongbox/);
    assert.ok(!unreachable.stderr.includes('hunter2'), 'the password is not echoed');
  });

  it('refuses a tampered backup and wrong shares, leaving the database without a table', async () => {
    const target = await cluster.createDatabase('refused');
    const tampered = Buffer.from(readFileSync(backupFile()));
    tampered[Math.floor(tampered.length / 2)]! ^= 1;
    writeFileSync(join(dir, 'tampered.sbbak'), tampered);
    const t = await run(['operator', 'restore', '--in', join(dir, 'tampered.sbbak'), '--storage', target], {}, shares.slice(0, 2).join('\n'));
    assert.notEqual(t.code, 0);
    assert.match(t.stderr, /INTEGRITY_CHECK_FAILED|UNSEAL_FAILED|not a Strongbox backup/);
    const wrong = await restore(['--storage', target], shares[0]!);
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.deepEqual(await tablesOf(target), []);
  });

  it('restores into an empty database: every row copied, and the database is then refused as a target', async () => {
    url = await cluster.createDatabase('restored');
    const r = json(await restore(['--storage', url, '--json'], [shares[1], shares[2]].join('\n')));
    assert.equal(r.storage, url, 'no password in this URL to hide');
    assert.equal(r.keys, 5);
    for (const [table, n] of Object.entries(sourceRows)) {
      assert.equal((await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM "${table}"`))[0]!.n, n, `${table}: ${n} rows`);
    }
    for (const table of ['keys', 'key_versions', 'key_aliases', 'wallets', 'tokens', 'policies', 'audit_records', 'audit_checkpoints', 'secrets', 'secret_versions', 'aws_credentials', 'transaction_rules', 'spend_reservations', 'approvals', 'approval_votes', 'sys_values']) {
      assert.ok((sourceRows[table] ?? 0) > 0, `control: the source has rows in ${table}`);
    }
    const again = await restore(['--storage', url], shares.slice(0, 2).join('\n'));
    assert.equal(again.code, 7, again.stderr);
    assert.match(again.stderr, /already holds a Strongbox schema/);
    const nodeMade = await cluster.createDatabase('nodemade');
    await start(['--storage', nodeMade]);
    await stop();
    const schemaOnly = await restore(['--storage', nodeMade], shares.slice(0, 2).join('\n'));
    assert.equal(schemaOnly.code, 7, schemaOnly.stderr);
    assert.match(schemaOnly.stderr, /not initialized: a node was started on it/);
  });

  it('a node on the restored database unseals with the same shares; the same keys sign, decrypt and derive', async () => {
    await start(['--storage', url]);
    assert.equal((await api('POST', '/v1/keys/known-secp256k1/sign', { digest })).status, 503, 'sealed until a quorum unseals');
    await unseal([shares[0]!, shares[2]!]);

    const sig = (await api('POST', '/v1/keys/known-secp256k1/sign', { digest, encoding: 'raw' })).body.signature as string;
    assert.equal(sig, originalSig, 'RFC 6979: the same key');
    assert.equal(keys['secp256k1']!.publicKey, '0x' + Buffer.from(secp256k1.getPublicKey(known.secp256k1, false)).toString('hex'));
    assert.ok(secp256k1.verify(hexBytes(sig), hexBytes(digest), hexBytes(keys['secp256k1']!.publicKey), { prehash: false, format: 'compact' }));
    const message = '0x' + Buffer.from('moved to postgres').toString('hex');
    const ed = await api('POST', '/v1/keys/known-ed25519/sign', { message });
    assert.equal(ed.status, 200, JSON.stringify(ed.body));
    assert.equal(keys['ed25519']!.publicKey, '0x' + Buffer.from(ed25519.getPublicKey(known.ed25519)).toString('hex'));
    assert.ok(ed25519.verify(hexBytes(ed.body.signature), hexBytes(message), hexBytes(keys['ed25519']!.publicKey)));
    const hot = await api('POST', '/v1/keys/hot-alias/sign', { digest, encoding: 'raw' });
    assert.ok(secp256k1.verify(hexBytes(hot.body.signature), hexBytes(digest), hexBytes(keys['hot']!.publicKey), { prehash: false, format: 'compact' }), 'the generated key, by its alias');
    assert.equal((await api('POST', '/v1/keys/known-aes256/decrypt', { ciphertext })).body.plaintext, '0xc0ffee');

    const again = await api('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/0" });
    assert.deepEqual([again.body.id, again.body.address], [derived.id, derived.address], 'the restored derived key, not a new one');
    assert.equal(derived.address, mnemonicToAccount(mnemonic).address, 'viem derives the same address from the mnemonic');
    const next = await api('POST', '/v1/wallets/treasury/derive', { path: "m/44'/60'/0'/0/1" });
    assert.equal(next.body.address, mnemonicToAccount(mnemonic, { addressIndex: 1 }).address, 'the restored seed derives new keys');

    assert.equal((await api('GET', '/v1/secrets/app/db')).body.data.password, known.secretValue.toString());
    assert.equal((await api('GET', '/v1/tokens/self', undefined, tokens['bob']!)).status, 200, 'tokens survive');
    assert.deepEqual((await api('GET', '/v1/keys/known-secp256k1/transaction-rules')).body.rules.approval.required, 2);
    // The half-approved transaction completes on the restored installation; viem recovers the signer.
    const quorum = await api('POST', `/v1/approvals/${approvalId}/approve`, undefined, tokens['carol']!);
    assert.equal(quorum.body.status, 'signed', JSON.stringify(quorum.body));
    const signed = (await api('GET', `/v1/approvals/${approvalId}`)).body.result.rawTransaction as TransactionSerialized;
    assert.equal(await recoverTransactionAddress({ serializedTransaction: signed }), privateKeyToAccount(`0x${known.secp256k1.toString('hex')}`).address);
    assert.equal(parseTransaction(signed).value, 5000n);
  });

  it('the audit chain verifies with --storage, and new records and new keys continue after the restored ones', async () => {
    const restored = json(await run(['audit', 'verify', '--storage', url, '--json'], {}));
    assert.equal(restored.ok, true, JSON.stringify(restored.problems));
    assert.ok(restored.lastSeq > sourceAudit.lastSeq, 'the records of this node follow the restored ones');
    assert.ok(restored.checkpoints >= sourceAudit.checkpoints);

    const maxSeq = Number((await sql<{ m: string }>(url, 'SELECT max(seq)::text AS m FROM keys'))[0]!.m);
    const created = await api('POST', '/v1/keys', { type: 'ed25519', name: 'after-restore' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(Number((await sql<{ s: string }>(url, `SELECT seq::text AS s FROM keys WHERE id = '${created.body.id}'`))[0]!.s), maxSeq + 1);
    const listed = (await api('GET', '/v1/keys?limit=1000')).body.keys as { id: string }[];
    assert.equal(listed.at(-1)!.id, created.body.id, 'listed after every restored key');
    const wallet = await api('POST', '/v1/wallets', { name: 'second' });
    assert.equal(wallet.status, 201);
    const wallets = (await api('GET', '/v1/wallets?limit=1000')).body.wallets as { id: string }[];
    assert.deepEqual(wallets.map((w) => w.id).at(-1), wallet.body.id);
    const ed = await api('POST', '/v1/keys/after-restore/sign', { message: '0x01' });
    assert.ok(ed25519.verify(hexBytes(ed.body.signature), hexBytes('0x01'), hexBytes(created.body.publicKey)));
    await stop(); // writes a checkpoint over the new records

    const after_ = json(await run(['audit', 'verify', '--storage', url, '--json'], {}));
    assert.equal(after_.ok, true, JSON.stringify(after_.problems));
    assert.ok(after_.lastSeq > restored.lastSeq);
    assert.ok(after_.checkpoints > restored.checkpoints);
  });

  it('no file of the cluster holds a known private key, the seed, a secret value or the root token', async () => {
    await cluster.sql('CHECKPOINT');
    const needles: [string, Buffer[]][] = [
      ...Object.entries(known).map(([k, v]) => [k, [v, Buffer.from(v.toString('hex')), Buffer.from(v.toString('hex').toUpperCase()), Buffer.from(v.toString('base64'))]] as [string, Buffer[]]),
      ['mnemonic', [Buffer.from(mnemonic)]],
      ['seed', [Buffer.from(mnemonicToSeedSync(mnemonic)), Buffer.from(Buffer.from(mnemonicToSeedSync(mnemonic)).toString('hex'))]],
      ['aws secret', [Buffer.from(awsSecret)]],
      ['root token', [Buffer.from(token)]],
      ['share', shares.map((s) => Buffer.from(s))],
    ];
    const contents = files(cluster.dataDir).map((f) => [f, readFileSync(f)] as const);
    assert.ok(contents.some(([, b]) => b.indexOf(Buffer.from('known-secp256k1')) !== -1), 'control: a restored key name is visible to the scan');
    for (const [f, bytes] of contents) for (const [label, forms] of needles) for (const n of forms) assert.equal(bytes.indexOf(n), -1, `${label} found in ${f}`);
  });

  it('migrate-seal --storage: shamir → pkcs11 (SoftHSM2) → shamir with new shares, each step whole or not at all', async () => {
    const sealRow = async () => (await sql<{ v: Buffer }>(url, `SELECT string_agg(name || '=' || encode(value, 'hex'), ',' ORDER BY name) AS v FROM sys_values`))[0]!.v;
    const before_ = await sealRow();
    const migrate = (args: string[], input: string) => run(['operator', 'migrate-seal', '--storage', url, ...args, '--json'], hsmEnv, input);

    const rekey = await migrate(['--from', 'shamir', '--to', 'shamir'], shares.slice(0, 2).join('\n'));
    assert.equal(rekey.code, 3, rekey.stderr);
    assert.match(rekey.stderr, /operator rekey/);
    const one = await migrate(['--from', 'shamir', '--to', 'pkcs11'], shares[0]!);
    assert.notEqual(one.code, 0, 'one share is not a quorum');
    assert.equal(await sealRow(), before_, 'refused migrations change nothing');
    const empty = await cluster.createDatabase('uninit');
    const none = await run(['operator', 'migrate-seal', '--storage', empty, '--from', 'shamir', '--to', 'pkcs11'], hsmEnv, shares.slice(0, 2).join('\n'));
    assert.equal(none.code, 8, none.stderr);
    assert.match(none.stderr, /no initialized Strongbox installation/);
    assert.deepEqual(await tablesOf(empty), [], 'no schema created by a mistyped URL');

    const toHsm = json(await migrate(['--from', 'shamir', '--to', 'pkcs11', '--shares', '3', '--threshold', '2'], [shares[1], shares[2]].join('\n')));
    assert.equal(toHsm.sharesKind, 'recovery');
    await start(['--storage', url, '--seal', 'pkcs11']);
    const health = (await api('GET', '/v1/sys/health', undefined, null)).body as { sealed: boolean; sealType: string };
    assert.deepEqual([health.sealed, health.sealType], [false, 'pkcs11'], 'auto-unsealed through the HSM');
    assert.equal((await api('POST', '/v1/keys/known-secp256k1/sign', { digest, encoding: 'raw' })).body.signature, originalSig);
    await stop();

    const toShamir = json(await migrate(['--from', 'pkcs11', '--to', 'shamir', '--shares', '3', '--threshold', '2'], toHsm.shares.slice(0, 2).join('\n')));
    assert.equal(toShamir.sharesKind, 'unseal');
    await start(['--storage', url]);
    const old = await run(['operator', 'unseal', shares[0]!], { STRONGBOX_ADDR: server!.addr });
    const old2 = await run(['operator', 'unseal', shares[1]!], { STRONGBOX_ADDR: server!.addr });
    assert.ok(old.code !== 0 || old2.code !== 0, 'the old unseal shares no longer unseal');
    assert.equal((await api('GET', '/v1/sys/health', undefined, null)).body.sealed, true);
    await unseal(toShamir.shares.slice(1, 3));
    assert.equal((await api('POST', '/v1/keys/known-secp256k1/sign', { digest, encoding: 'raw' })).body.signature, originalSig, 'no key was re-encrypted');
    await stop();
    const audit = json(await run(['audit', 'verify', '--storage', url, '--json'], {}));
    assert.equal(audit.ok, true, JSON.stringify(audit.problems));
  });
});
