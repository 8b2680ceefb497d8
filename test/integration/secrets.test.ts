/**
 * Per-user secrets through inject on a real SQLite file (src/service/secrets/secrets.ts,
 * src/http/routes/secrets-*.ts): isolation of `users/<subject>/` between users and from admin and
 * operator, versions and check-and-set, soft delete / undelete / destroy / purge, listing with
 * paging, path and size validation, and what reaches the database files (sealed values only;
 * destroyed versions' sealed bytes erased).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestBox, type TestBox } from '../helpers/app.js';

type Res = { status: number; body: any };

function expectError(res: Res, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, `${what}: ${JSON.stringify(res.body)}`);
}

function storeFiles(dataDir: string): { name: string; bytes: Buffer }[] {
  return ['strongbox.db', 'strongbox.db-wal', 'strongbox.db-shm']
    .filter((f) => existsSync(join(dataDir, f)))
    .map((name) => ({ name, bytes: readFileSync(join(dataDir, name)) }));
}

/** The sealed_value blobs of a secret's versions, read by a separate connection that is closed again. */
function sealedValues(dataDir: string, path: string): Map<number, Buffer | null> {
  const db = new Database(join(dataDir, 'strongbox.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT version, sealed_value FROM secret_versions WHERE path = ? ORDER BY version').all(path) as { version: number; sealed_value: Buffer | null }[];
    return new Map(rows.map((r) => [r.version, r.sealed_value === null ? null : Buffer.from(r.sealed_value)]));
  } finally {
    db.close();
  }
}

function forms(s: string): Buffer[] {
  const raw = Buffer.from(s, 'utf8');
  const hex = raw.toString('hex');
  return [raw, Buffer.from(hex), Buffer.from(hex.toUpperCase()), Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('base64url'))];
}

describe('secrets', () => {
  let box: TestBox;
  const tokens: Record<'alice' | 'bob' | 'admin' | 'operator', string> = { alice: '', bob: '', admin: '', operator: '' };
  const as = (who: keyof typeof tokens | 'root', method: string, url: string, body?: unknown): Promise<Res> => box.call(method, url, body, who === 'root' ? undefined : tokens[who]);

  before(async () => {
    box = await startTestBox();
    const mint = async (body: object): Promise<string> => {
      const res = await box.call('POST', '/v1/tokens', body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.token as string;
    };
    tokens.alice = await mint({ policies: ['user'], subject: 'alice' });
    tokens.bob = await mint({ policies: ['user'], subject: 'bob' });
    tokens.admin = await mint({ policies: ['admin'] });
    tokens.operator = await mint({ policies: ['operator'] });
  });
  after(() => box.cleanup());

  describe('per-user isolation', () => {
    it('alice writes and reads her own subtree', async () => {
      const w = await as('alice', 'PUT', '/v1/secrets/users/alice/bank', { data: { password: 'hunter2' } });
      assert.equal(w.status, 200, JSON.stringify(w.body));
      assert.equal(w.body.version, 1);
      assert.equal(w.body.path, 'users/alice/bank');
      const r = await as('alice', 'GET', '/v1/secrets/users/alice/bank');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.data, { password: 'hunter2' });
      const list = await as('alice', 'GET', '/v1/secrets?prefix=users/alice/');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.deepEqual(list.body.paths, ['users/alice/bank']);
      const versions = await as('alice', 'GET', '/v1/secret-versions/users/alice/bank');
      assert.equal(versions.status, 200);
    });

    for (const who of ['bob', 'admin', 'operator'] as const) {
      it(`${who} gets 403 on every operation on alice's paths`, async () => {
        const cases: [string, string, unknown?][] = [
          ['GET', '/v1/secrets/users/alice/bank'],
          ['GET', '/v1/secrets/users/alice/bank?version=1'],
          ['PUT', '/v1/secrets/users/alice/bank', { data: 'overwritten' }],
          ['PUT', '/v1/secrets/users/alice/new', { data: 'planted' }],
          ['DELETE', '/v1/secrets/users/alice/bank'],
          ['GET', '/v1/secrets?prefix=users/alice/'],
          ['GET', '/v1/secrets?prefix=users/alice/b'],
          ['GET', '/v1/secret-versions/users/alice/bank'],
          ['POST', '/v1/secret-versions/users/alice/bank', { action: 'destroy', versions: [1] }],
          ['POST', '/v1/secret-versions/users/alice/bank', { action: 'purge' }],
          ['POST', '/v1/secret-versions/users/alice/bank', { action: 'undelete', versions: [1] }],
          // an unknown path under alice's tree answers 403 too, not 404 (no existence oracle)
          ['GET', '/v1/secrets/users/alice/nothing-here'],
        ];
        for (const [method, url, body] of cases) {
          const res = await as(who, method, url, body);
          expectError(res, 403, 'PERMISSION_DENIED', `${who} ${method} ${url}`);
          assert.doesNotMatch(JSON.stringify(res.body), /hunter2/);
        }
        // nothing changed
        const r = await as('alice', 'GET', '/v1/secrets/users/alice/bank');
        assert.equal(r.status, 200);
        assert.equal(r.body.version, 1);
        assert.deepEqual(r.body.data, { password: 'hunter2' });
        expectError(await as('alice', 'GET', '/v1/secrets/users/alice/new'), 404, 'SECRET_NOT_FOUND', 'nothing planted');
      });
    }

    it('no broader listing reveals alice\'s path names to bob, admin or operator', async () => {
      for (const who of ['bob', 'admin', 'operator'] as const) {
        for (const prefix of ['', 'users/', 'users', 'u']) {
          const res = await as(who, 'GET', `/v1/secrets?prefix=${encodeURIComponent(prefix)}`);
          if (res.status === 200) {
            assert.ok(!res.body.paths.some((p: string) => p.startsWith('users/alice/')), `${who} listing prefix ${JSON.stringify(prefix)} shows alice's paths: ${JSON.stringify(res.body.paths)}`);
          } else {
            expectError(res, 403, 'PERMISSION_DENIED', `${who} list ${JSON.stringify(prefix)}`);
          }
        }
      }
    });

    it('alice cannot reach bob\'s subtree or paths outside her own', async () => {
      assert.equal((await as('bob', 'PUT', '/v1/secrets/users/bob/x', { data: 1 })).status, 200);
      for (const [method, url, body] of [
        ['PUT', '/v1/secrets/users/bob/x', { data: 'from alice' }],
        ['GET', '/v1/secrets/users/bob/x'],
        ['DELETE', '/v1/secrets/users/bob/x'],
        ['GET', '/v1/secrets?prefix=users/bob/'],
        ['PUT', '/v1/secrets/shared/x', { data: 1 }],
        ['PUT', '/v1/secrets/users/alice', { data: 1 }],
        ['PUT', '/v1/secrets/users/alicex/y', { data: 1 }],
        ['GET', '/v1/secrets?prefix='],
      ] as [string, string, unknown?][]) {
        expectError(await as('alice', method, url, body), 403, 'PERMISSION_DENIED', `alice ${method} ${url}`);
      }
      const r = await as('bob', 'GET', '/v1/secrets/users/bob/x');
      assert.equal(r.body.data, 1);
      assert.equal(r.body.version, 1);
    });

    it('root (break-glass) can read alice\'s secret; a token without a valid bearer gets 401', async () => {
      assert.equal((await as('root', 'GET', '/v1/secrets/users/alice/bank')).status, 200);
      expectError(await box.call('GET', '/v1/secrets/users/alice/bank', undefined, null), 401, 'UNAUTHENTICATED', 'no token');
      expectError(await box.call('GET', '/v1/secrets/users/alice/bank', undefined, tokens.alice + 'x'), 401, 'UNAUTHENTICATED', 'altered token');
    });
  });

  describe('versions and check-and-set', () => {
    const p = '/v1/secrets/users/alice/versioned';

    it('each write is a new version; ?version= reads an older one', async () => {
      for (let i = 1; i <= 3; i++) {
        const w = await as('alice', 'PUT', p, { data: { n: i } });
        assert.equal(w.status, 200, JSON.stringify(w.body));
        assert.equal(w.body.version, i);
      }
      const latest = await as('alice', 'GET', p);
      assert.equal(latest.body.version, 3);
      assert.deepEqual(latest.body.data, { n: 3 });
      const v1 = await as('alice', 'GET', `${p}?version=1`);
      assert.equal(v1.status, 200);
      assert.equal(v1.body.version, 1);
      assert.deepEqual(v1.body.data, { n: 1 });
      expectError(await as('alice', 'GET', `${p}?version=9`), 404, 'SECRET_NOT_FOUND', 'version 9');
      expectError(await as('alice', 'GET', `${p}?version=0`), 400, 'INVALID_ARGUMENT', 'version 0');
    });

    it('cas: a stale version is refused with 409 SECRET_CAS_MISMATCH; cas 0 only creates', async () => {
      for (const cas of [1, 2, 4, 0]) {
        const res = await as('alice', 'PUT', p, { data: 'stale', cas });
        expectError(res, 409, 'SECRET_CAS_MISMATCH', `cas ${cas}`);
        assert.equal(res.body.field, 'cas');
      }
      const ok = await as('alice', 'PUT', p, { data: { n: 4 }, cas: 3 });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.version, 4);
      const created = await as('alice', 'PUT', '/v1/secrets/users/alice/cas-new', { data: 'first', cas: 0 });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal(created.body.version, 1);
      expectError(await as('alice', 'PUT', '/v1/secrets/users/alice/cas-new', { data: 'second', cas: 0 }), 409, 'SECRET_CAS_MISMATCH', 'cas 0 on an existing path');
      assert.deepEqual((await as('alice', 'GET', p)).body.data, { n: 4 }, 'refused writes changed nothing');
    });

    it('soft delete hides the latest version; undelete restores it', async () => {
      const del = await as('alice', 'DELETE', p);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      assert.equal(del.body.changed, 1);
      expectError(await as('alice', 'GET', p), 404, 'SECRET_VERSION_DELETED', 'latest after delete');
      assert.deepEqual((await as('alice', 'GET', `${p}?version=3`)).body.data, { n: 3 }, 'older versions stay readable');
      const versions = await as('alice', 'GET', '/v1/secret-versions/users/alice/versioned');
      assert.equal(versions.body.currentVersion, 4);
      assert.notEqual(versions.body.versions[3].deletedAt, null);
      const undel = await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'undelete', versions: [4] });
      assert.equal(undel.status, 200, JSON.stringify(undel.body));
      assert.equal(undel.body.changed, 1);
      const back = await as('alice', 'GET', p);
      assert.equal(back.status, 200);
      assert.deepEqual(back.body.data, { n: 4 });
      assert.equal(back.body.deletedAt, null);
      // delete given versions
      const some = await as('alice', 'DELETE', `${p}?versions=1,2`);
      assert.equal(some.body.changed, 2);
      expectError(await as('alice', 'GET', `${p}?version=1`), 404, 'SECRET_VERSION_DELETED', 'v1 deleted');
      assert.equal((await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'undelete', versions: [1, 2] })).body.changed, 2);
      expectError(await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'undelete' }), 400, 'INVALID_ARGUMENT', 'undelete without versions');
    });

    it('destroy erases a version for good and GET /v1/secret-versions shows it destroyed', async () => {
      const d = await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'destroy', versions: [2] });
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal(d.body.changed, 1);
      expectError(await as('alice', 'GET', `${p}?version=2`), 404, 'SECRET_VERSION_DESTROYED', 'destroyed v2');
      const versions = await as('alice', 'GET', '/v1/secret-versions/users/alice/versioned');
      assert.equal(versions.status, 200);
      const v = versions.body.versions as { version: number; destroyed: boolean }[];
      assert.deepEqual(v.map((x) => [x.version, x.destroyed]), [[1, false], [2, true], [3, false], [4, false]]);
      assert.ok(v.every((x) => !('data' in x) && !('sealedValue' in x)), 'the version list carries no values');
      // undelete cannot bring a destroyed version back; destroying twice changes nothing
      assert.equal((await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'undelete', versions: [2] })).body.changed, 0);
      assert.equal((await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'destroy', versions: [2] })).body.changed, 0);
      expectError(await as('alice', 'GET', `${p}?version=2`), 404, 'SECRET_VERSION_DESTROYED', 'still destroyed');
      assert.deepEqual((await as('alice', 'GET', `${p}?version=1`)).body.data, { n: 1 });
    });

    it('purge removes every version and the path', async () => {
      const r = await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'purge' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      expectError(await as('alice', 'GET', p), 404, 'SECRET_NOT_FOUND', 'after purge');
      expectError(await as('alice', 'GET', `${p}?version=1`), 404, 'SECRET_NOT_FOUND', 'v1 after purge');
      expectError(await as('alice', 'GET', '/v1/secret-versions/users/alice/versioned'), 404, 'SECRET_NOT_FOUND', 'versions after purge');
      expectError(await as('alice', 'POST', '/v1/secret-versions/users/alice/versioned', { action: 'purge' }), 404, 'SECRET_NOT_FOUND', 'purge twice');
      assert.ok(!(await as('alice', 'GET', '/v1/secrets?prefix=users/alice/')).body.paths.includes('users/alice/versioned'));
      // the path can be written again from version 1
      const again = await as('alice', 'PUT', p, { data: 'reborn' });
      assert.equal(again.body.version, 1);
    });
  });

  describe('listing', () => {
    it('lists paths under a prefix in order, one page at a time (limit/after)', async () => {
      const names = ['e', 'a', 'c', 'b', 'd'];
      for (const n of names) assert.equal((await as('alice', 'PUT', `/v1/secrets/users/alice/list/${n}`, { data: n })).status, 200);
      assert.equal((await as('alice', 'PUT', '/v1/secrets/users/alice/listx', { data: 'not under list/' })).status, 200);
      const seen: string[][] = [];
      let after: string | null = null;
      do {
        const q: string = `prefix=users/alice/list/&limit=2${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
        const res: Res = await as('alice', 'GET', `/v1/secrets?${q}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        seen.push(res.body.paths);
        after = res.body.nextAfter;
      } while (after !== null && seen.length < 10);
      assert.deepEqual(seen, [
        ['users/alice/list/a', 'users/alice/list/b'],
        ['users/alice/list/c', 'users/alice/list/d'],
        ['users/alice/list/e'],
      ]);
      // the prefix is a plain string prefix: users/alice/list also covers users/alice/listx
      const loose = await as('alice', 'GET', '/v1/secrets?prefix=users/alice/list');
      assert.equal(loose.status, 200, JSON.stringify(loose.body));
      assert.deepEqual(loose.body.paths.slice(-1), ['users/alice/listx']);
      // users/alice (no slash) reaches beyond the subtree (users/alicex…), so it is refused
      expectError(await as('alice', 'GET', '/v1/secrets?prefix=users/alice'), 403, 'PERMISSION_DENIED', 'prefix outside the subtree (no trailing slash)');
      for (const limit of ['0', '1001']) expectError(await as('alice', 'GET', `/v1/secrets?prefix=users/alice/&limit=${limit}`), 400, 'INVALID_ARGUMENT', `limit ${limit}`);
    });
  });

  describe('validation', () => {
    it('bad paths answer 400 naming path', async () => {
      const bad = ['users/alice//b', 'users/alice/a//b', '../x', 'users/alice/../x', 'users/alice/./x', 'users/alice/x/', 'users/alice/sp ace', 'users/alice/' + 'x'.repeat(513 - 'users/alice/'.length)];
      assert.equal(bad.at(-1)!.length, 513);
      // Slashes are percent-encoded (the route decodes its wildcard): inject parses the URL as a
      // browser would and resolves ./ and ../ segments (even %2E%2E) before the server sees them,
      // whereas a raw HTTP client sends them as they are.
      const inUrl = (path: string) => encodeURIComponent(path);
      for (const path of bad) {
        for (const [method, body] of [['PUT', { data: 1 }], ['GET', undefined], ['DELETE', undefined]] as const) {
          const res = await as('root', method, `/v1/secrets/${inUrl(path)}`, body);
          expectError(res, 400, 'INVALID_ARGUMENT', `${method} ${JSON.stringify(path.slice(0, 40))}`);
          assert.equal(res.body.field, 'path', `${method} ${JSON.stringify(path.slice(0, 40))}: ${JSON.stringify(res.body)}`);
        }
        const versions = await as('root', 'GET', `/v1/secret-versions/${inUrl(path)}`);
        expectError(versions, 400, 'INVALID_ARGUMENT', `versions ${JSON.stringify(path.slice(0, 40))}`);
        assert.equal(versions.body.field, 'path', JSON.stringify(versions.body));
      }
      // a path of exactly 512 characters is fine
      const max = 'users/alice/' + 'y'.repeat(512 - 'users/alice/'.length);
      assert.equal((await as('alice', 'PUT', `/v1/secrets/${max}`, { data: 1 })).status, 200);
    });

    it('an empty path answers 400 naming path', async () => {
      for (const [method, url, body] of [
        ['PUT', '/v1/secrets/', { data: 1 }],
        ['GET', '/v1/secrets/', undefined],
        ['DELETE', '/v1/secrets/', undefined],
        ['GET', '/v1/secret-versions/', undefined],
        ['POST', '/v1/secret-versions/', { action: 'purge' }],
      ] as const) {
        const res = await as('root', method, url, body);
        expectError(res, 400, 'INVALID_ARGUMENT', `${method} ${url} (empty path)`);
        assert.equal(res.body.field, 'path', `${method} ${url} (empty path): ${JSON.stringify(res.body)}`);
      }
    });

    it('data over 64 KiB answers 400 naming data; 64 KiB of JSON is accepted', async () => {
      const big = 'z'.repeat(64 * 1024);
      const res = await as('alice', 'PUT', '/v1/secrets/users/alice/big', { data: big });
      expectError(res, 400, 'INVALID_ARGUMENT', 'data over 64 KiB');
      assert.equal(res.body.field, 'data');
      expectError(await as('alice', 'GET', '/v1/secrets/users/alice/big'), 404, 'SECRET_NOT_FOUND', 'nothing stored');
      const fits = 'z'.repeat(64 * 1024 - 2); // JSON string quotes make it exactly 64 KiB
      const ok = await as('alice', 'PUT', '/v1/secrets/users/alice/big', { data: fits });
      assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 200));
      assert.equal((await as('alice', 'GET', '/v1/secrets/users/alice/big')).body.data, fits);
      expectError(await as('alice', 'PUT', '/v1/secrets/users/alice/big', {}), 400, 'INVALID_ARGUMENT', 'missing data');
      expectError(await as('alice', 'PUT', '/v1/secrets/users/alice/big', { data: 1, extra: 2 }), 400, 'UNKNOWN_FIELD', 'unknown field');
    });
  });

  describe('at rest', () => {
    const marker = 'SB-MARKER-7f3c9a1e-secret-value-do-not-store';

    it('a written value is stored sealed: the marker is in no database file', async () => {
      const w = await as('alice', 'PUT', '/v1/secrets/users/alice/marker', { data: { note: marker } });
      assert.equal(w.status, 200);
      assert.equal((await as('alice', 'GET', '/v1/secrets/users/alice/marker')).body.data.note, marker);
      const files = storeFiles(box.dataDir);
      assert.ok(files.some((f) => f.name === 'strongbox.db'));
      // control: the (non-secret) path is visible to the same scan
      assert.notEqual(Buffer.concat(files.map((f) => f.bytes)).indexOf(Buffer.from('users/alice/marker')), -1, 'control: the path is found');
      for (const f of files) for (const needle of forms(marker)) assert.equal(f.bytes.indexOf(needle), -1, `marker (${needle.toString().slice(0, 20)}…) found in ${f.name}`);
    });

    it('destroyed and purged versions leave no sealed bytes in the database, WAL or SHM files', async () => {
      const path = 'users/alice/shred';
      for (let i = 1; i <= 3; i++) assert.equal((await as('alice', 'PUT', `/v1/secrets/${path}`, { data: `value ${i}` })).status, 200);
      const blobs = sealedValues(box.dataDir, path);
      assert.equal(blobs.size, 3);
      const [b1, b2, b3] = [blobs.get(1)!, blobs.get(2)!, blobs.get(3)!];
      const all = () => Buffer.concat(storeFiles(box.dataDir).map((f) => f.bytes));
      for (const blob of [b1, b2, b3]) assert.notEqual(all().indexOf(blob), -1, 'control: each sealed value is found before destruction');

      assert.equal((await as('alice', 'POST', `/v1/secret-versions/${path}`, { action: 'destroy', versions: [1, 2] })).body.changed, 2);
      assert.equal(sealedValues(box.dataDir, path).get(1), null);
      for (const f of storeFiles(box.dataDir)) {
        assert.equal(f.bytes.indexOf(b1), -1, `destroyed v1 still in ${f.name}`);
        assert.equal(f.bytes.indexOf(b2), -1, `destroyed v2 still in ${f.name}`);
      }
      assert.notEqual(all().indexOf(b3), -1, 'control: the surviving version is still found');
      assert.equal((await as('alice', 'GET', `/v1/secrets/${path}`)).body.data, 'value 3');

      // a soft delete keeps the sealed value (undelete needs it); purge erases it
      assert.equal((await as('alice', 'DELETE', `/v1/secrets/${path}`)).status, 200);
      assert.notEqual(all().indexOf(b3), -1, 'soft delete keeps the sealed value');
      assert.equal((await as('alice', 'POST', `/v1/secret-versions/${path}`, { action: 'purge' })).status, 200);
      assert.equal(sealedValues(box.dataDir, path).size, 0);
      for (const f of storeFiles(box.dataDir)) assert.equal(f.bytes.indexOf(b3), -1, `purged v3 still in ${f.name}`);
    });
  });
});
