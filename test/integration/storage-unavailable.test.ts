/**
 * A database that goes away fails requests, never the process (issue 14). Against a real PostgreSQL
 * cluster this file starts: a backend terminated while a transaction waits on it fails that one call
 * with StorageUnavailableError (node-postgres then emits 'error' on the checked-out client — with no
 * listener, the process would exit), and the next call reconnects; idle pool connections ended by the
 * server are replaced on the next query; real driver errors are classified (refused, terminated →
 * unavailable; a constraint violation, a programming error → unchanged). Through the API (in-process,
 * SQLite): STORAGE_UNAVAILABLE is a 503 problem+json with Retry-After, and still audited.
 * The whole picture under load, on two spawned nodes, is test/e2e/postgres-outage.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import pg from 'pg';
import { LOCK, LOCK_NS, openPostgresStore, toStorageError } from '../../src/storage/postgres/index.js';
import { StorageUnavailableError, type Store } from '../../src/storage/types.js';
import { StrongboxError } from '../../src/protocol/errors.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';

const row = (seq: number) => ({ seq, record: `{"seq":${seq}}`, hash: new Uint8Array(32).fill(seq) });

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('PostgreSQL storage when the server goes away', () => {
  let cluster: PostgresCluster;
  let url: string;
  let store: Store;
  let admin: pg.Client;
  const connectAdmin = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('unavail');
    store = await openPostgresStore(url, { poolSize: 2 });
    admin = await connectAdmin();
  });
  after(async () => {
    await admin?.end().catch(() => undefined);
    await store?.close().catch(() => undefined);
    cluster?.stop();
  });

  it('a backend terminated inside a transaction fails that call with STORAGE_UNAVAILABLE; the process lives and the next call reconnects', async () => {
    // Hold the audit lock, so appendAudit's transaction waits on its second statement.
    await admin.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NS, LOCK.audit]);
    const pending = rejection(store.appendAudit(() => [row(1)]));
    let waiting: number | undefined;
    for (let i = 0; waiting === undefined; i++) {
      assert.ok(i < 400, 'the transaction never waited on the audit lock');
      const r = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()`);
      waiting = r.rows[0]?.pid;
      if (waiting === undefined) await sleep(25);
    }
    await admin.query('SELECT pg_terminate_backend($1)', [waiting]);
    const err = await pending;
    assert.ok(err instanceof StorageUnavailableError, String(err));
    assert.ok(err instanceof StrongboxError);
    assert.equal(err.code, 'STORAGE_UNAVAILABLE');
    assert.equal(err.status, 503);
    assert.equal(err.retryable, true);
    assert.equal((err.cause as { code?: string }).code, '57P01', 'the cause is the server ending the session');
    await admin.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NS, LOCK.audit]);
    // Give the ended connection's 'error' and 'end' events their turn: they must find a listener.
    await sleep(100);
    const rows = await store.appendAudit(() => [row(1)]);
    assert.equal(rows[0]?.seq, 1, 'the next transaction runs on a new connection, and nothing of the failed one was written');
    assert.equal((await store.auditHead())?.seq, 1);
  });

  it('idle pool connections ended by the server are replaced on the next query', async () => {
    await Promise.all([store.getSysValue('x'), store.getSysValue('y')]);
    const ended = await cluster.terminateOtherBackends();
    assert.ok(ended >= 1, 'the store had idle connections to end');
    await sleep(100);
    await store.putSysValues({ probe: new Uint8Array([1]) });
    assert.deepEqual(await store.getSysValue('probe'), new Uint8Array([1]));
    // This file's own connection was ended too.
    admin = await connectAdmin();
  });

  it('classifies real driver errors: refused and terminated connections are unavailable; a statement’s own error and a programming error are not', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await rejection(new pg.Client({ host: '127.0.0.1', port, user: 'postgres' }).connect());
    assert.ok(toStorageError(refused) instanceof StorageUnavailableError, `refused: ${String(refused)}`);

    const victim = new pg.Client({ connectionString: url });
    victim.on('error', () => undefined);
    await victim.connect();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sleeping = rejection(victim.query('SELECT pg_sleep(30)'));
    await sleep(100);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const terminated = await sleeping;
    assert.ok(toStorageError(terminated) instanceof StorageUnavailableError, `terminated: ${String(terminated)}`);
    const afterwards = await rejection(victim.query('SELECT 1'));
    assert.ok(toStorageError(afterwards) instanceof StorageUnavailableError, `query on the ended client: ${String(afterwards)}`);

    await admin.query('CREATE TEMP TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
    const duplicate = await rejection(admin.query('INSERT INTO t VALUES (1)'));
    assert.equal((duplicate as { code?: string }).code, '23505');
    assert.equal(toStorageError(duplicate), duplicate, 'a unique violation stays what it is (ConflictError mapping sees it)');
    const typeError = new TypeError('bad parameter');
    assert.equal(toStorageError(typeError), typeError);
  });
});

describe('STORAGE_UNAVAILABLE through the API', () => {
  let t: TestBox;
  before(async () => {
    t = await startTestBox();
  });
  after(() => t.cleanup());

  it('is a 503 problem+json with Retry-After, says nothing of the cause, and is audited', async () => {
    const store = t.box.ctx.store as { listKeys: Store['listKeys'] };
    const original = store.listKeys;
    store.listKeys = async () => {
      throw new StorageUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:5432 (postgres://sbx:hunter2@db)'));
    };
    try {
      const r = await t.call('GET', '/v1/keys');
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.headers['retry-after'], '5');
      assert.equal(r.body.code, 'STORAGE_UNAVAILABLE');
      assert.equal(r.body.status, 503);
      assert.doesNotMatch(JSON.stringify(r.body), /ECONNREFUSED|hunter2|5432/);
      const record = await auditRecordOf(t, String(r.headers['x-request-id']));
      assert.equal(record.status, 503);
      assert.equal(record.code, 'STORAGE_UNAVAILABLE');
    } finally {
      store.listKeys = original;
    }
    assert.equal((await t.call('GET', '/v1/keys')).status, 200);
  });
});
