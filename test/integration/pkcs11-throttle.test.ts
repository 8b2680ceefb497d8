/**
 * Wrong PKCS#11 PINs count against the same per-source authentication throttle as failed HTTP
 * logins (http/source-throttle.ts), with the socket as the source (`unix:pkcs11`): once its failure
 * budget is spent, C_Login answers CKR_PIN_LOCKED without looking the PIN up, even the right one, and
 * each refusal is an audit record (outcome denied, code AUTH_THROTTLED). HTTP clients from other
 * sources are not affected. The PKCS#11 server is the real one (src/pkcs11/server.ts) on a Unix
 * socket in a temp dir, talked to by the test-side RPC client; budgets are lowered and refill once
 * per 1,000 s, so nothing refills while the test runs (no timing in the assertions).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { P11RpcClient, RpcError } from '../helpers/p11-rpc-client.js';
import { createPkcs11Server, type Pkcs11Server } from '../../src/pkcs11/server.js';
import { createAuthenticator } from '../../src/service/access/authenticate.js';

const CKR_PIN_INCORRECT = 0xa0;
const CKR_PIN_LOCKED = 0xa4;
const BURST = 3;

async function rvOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    if (err instanceof RpcError) return err.rv;
    throw err;
  }
}

async function auditRecords(box: TestBox): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (let afterSeq = 0; ; ) {
    const page = await box.call('GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`);
    assert.equal(page.status, 200);
    out.push(...page.body.records);
    if (page.body.nextAfterSeq === null) return out;
    afterSeq = page.body.nextAfterSeq;
  }
}

describe('PKCS#11 login failures and the per-source auth throttle', () => {
  let t: TestBox;
  let dir: string;
  let p11: Pkcs11Server;
  let sock: string;

  before(async () => {
    t = await startTestBox({ sourceThrottle: { failureBurst: BURST, failuresPerSecond: 0.001 } });
    dir = mkdtempSync(join(tmpdir(), 'strongbox-p11t-'));
    sock = join(dir, 'p11.sock');
    p11 = createPkcs11Server({ ctx: t.box.ctx, auth: createAuthenticator(t.box.ctx), throttle: t.box.throttle });
    await p11.listen(sock);
  });

  after(async () => {
    await p11?.close();
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`after ${BURST} wrong PINs C_Login is CKR_PIN_LOCKED (the right PIN too, on a new connection), audited as AUTH_THROTTLED; HTTP from another source still works`, async () => {
    const c = await P11RpcClient.connect(sock);
    await c.initialize();
    const s = await c.openSession();
    for (let i = 0; i < BURST; i++) assert.equal(await rvOf(c.login(s, `wrong-pin-${i}`)), CKR_PIN_INCORRECT, `attempt ${i + 1}`);
    assert.equal(await rvOf(c.login(s, 'wrong-pin-again')), CKR_PIN_LOCKED);
    c.close();
    // Another process on the same socket shares the budget: the right PIN is refused unread.
    const d = await P11RpcClient.connect(sock);
    await d.initialize();
    const ds = await d.openSession();
    assert.equal(await rvOf(d.login(ds, t.rootToken)), CKR_PIN_LOCKED);
    d.close();

    const logins = (await auditRecords(t)).filter((r) => r.operation === 'pkcs11.C_Login');
    assert.equal(logins.length, BURST + 2, 'every attempt is audited');
    const wrong = logins.slice(0, BURST);
    for (const r of wrong) {
      assert.equal(r.interface, 'pkcs11');
      assert.equal(r.outcome, 'denied');
      assert.match(r.reason, /^CKR 0xa0/);
    }
    for (const r of logins.slice(BURST)) {
      assert.equal(r.outcome, 'denied');
      assert.equal(r.code, 'AUTH_THROTTLED');
      assert.equal(r.status, 429);
      assert.match(r.reason, /^CKR 0xa4: AUTH_THROTTLED/);
    }
    // No PIN in any record.
    assert.equal(JSON.stringify(logins).includes('wrong-pin'), false);
    assert.equal(JSON.stringify(logins).includes(t.rootToken), false);

    // HTTP from an address is its own source.
    const res = await t.box.http.inject({ method: 'GET', url: '/v1/keys', remoteAddress: '192.0.2.7', headers: { authorization: `Bearer ${t.rootToken}` } });
    assert.equal(res.statusCode, 200);
  });
});
