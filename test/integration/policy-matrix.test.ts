/**
 * Authorization matrix through real routes: every action × token kind → allowed (2xx), denied
 * (403 PERMISSION_DENIED) or unauthenticated (401). Then: an explicit deny in a second policy wins,
 * sourceIp conditions, 403-not-404 for keys the caller may not see, and the audit log holds a
 * `denied` record for every denial (matching request id, status, reason; no principal for 401s)
 * and no token value anywhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestBox, type TestBox } from '../helpers/app.js';

type KindName = 'root' | 'admin' | 'signerOne' | 'signerGlob' | 'auditor' | 'expired' | 'revoked' | 'wrong' | 'none';

interface Kind {
  name: KindName;
  /** null: no Authorization header */
  token: string | null;
  /** the accessor an audit record should name; null for credentials that do not authenticate */
  accessor: string | null;
  policies: string[];
  /** for credentials that do not authenticate: the 401 code */
  unauthenticated?: 'UNAUTHENTICATED' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED';
}

interface Denial {
  label: string;
  requestId: string;
  status: number;
  code: string;
  action: string | null;
  principal: string | null;
  /** the exact audit reason expected, when the test knows it */
  reason?: string;
}

interface Row {
  op: string;
  action: string | null;
  /** kinds that are allowed (every other authenticated kind must get 403) */
  allowed: KindName[];
  request(kind: Kind): Promise<{ method: string; url: string; body?: unknown }>;
  /** after an allowed request (e.g. unseal again after seal) */
  afterAllowed?(): Promise<void>;
}

const DIGEST = '0x' + 'ab'.repeat(32);

describe('policy matrix', () => {
  let box: TestBox;
  const kinds = new Map<KindName, Kind>();
  const denials: Denial[] = [];
  /** every token value this file ever saw, to check none reaches the audit log */
  const tokenValues = new Set<string>();
  let keyA: { id: string };
  let keyB: { id: string };
  let aes: { id: string };

  async function mint(body: Record<string, unknown>): Promise<{ token: string; accessor: string; expiresAt: string }> {
    const res = await box.call('POST', '/v1/tokens', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    tokenValues.add(res.body.token);
    return res.body;
  }

  async function putPolicy(name: string, statements: unknown[]): Promise<void> {
    const res = await box.call('PUT', `/v1/policies/${name}`, { statements });
    assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
  }

  async function createKey(body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await box.call('POST', '/v1/keys', body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  /**
   * Sends a request as `kind`; when it is denied (401/403), remembers it for the audit check.
   * Returns the response.
   */
  async function send(label: string, kind: Kind, action: string | null, req: { method: string; url: string; body?: unknown }, reason?: string) {
    const res = await box.call(req.method, req.url, req.body, kind.token);
    if (typeof res.body?.token === 'string') tokenValues.add(res.body.token);
    const requestId = res.headers['x-request-id'];
    assert.equal(typeof requestId, 'string', `${label}: x-request-id header`);
    if (res.status === 401 || res.status === 403) {
      denials.push({
        label,
        requestId: requestId as string,
        status: res.status,
        code: res.body.code,
        action,
        principal: res.status === 401 ? null : kind.accessor,
        ...(reason === undefined ? {} : { reason }),
      });
    }
    return res;
  }

  before(async () => {
    box = await startTestBox();
    tokenValues.add(box.rootToken);
    keyA = await createKey({ type: 'secp256k1', name: 'payments-hot' });
    keyB = await createKey({ type: 'secp256k1', name: 'treasury' });
    aes = await createKey({ type: 'aes256', name: 'payments-vault' });
    await putPolicy('sign-one', [{ effect: 'allow', actions: ['keys:read', 'keys:sign', 'keys:verify'], resources: [`key:${keyA.id}`] }]);
    await putPolicy('sign-payments', [{ effect: 'allow', actions: ['keys:read', 'keys:sign', 'keys:verify', 'keys:encrypt'], resources: ['key:name/payments-*'] }]);
    await putPolicy('x', [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }]);

    const rootAccessor = (await box.call('GET', '/v1/tokens/self')).body.accessor as string;
    const admin = await mint({ policies: ['admin'], name: 'matrix-admin' });
    const signerOne = await mint({ policies: ['sign-one'], name: 'matrix-signer-one' });
    const signerGlob = await mint({ policies: ['sign-payments'], name: 'matrix-signer-glob' });
    const auditor = await mint({ policies: ['auditor'], name: 'matrix-auditor' });
    const expired = await mint({ policies: ['admin'], ttl: 1, name: 'matrix-expired' });
    const revoked = await mint({ policies: ['admin'], name: 'matrix-revoked' });
    assert.equal((await box.call('POST', '/v1/tokens/revoke', { accessor: revoked.accessor })).status, 200);
    const wrong = 'sbt.' + randomBytes(32).toString('base64url');
    tokenValues.add(wrong);

    const list: Kind[] = [
      { name: 'root', token: box.rootToken, accessor: rootAccessor, policies: ['admin'] },
      { name: 'admin', token: admin.token, accessor: admin.accessor, policies: ['admin'] },
      { name: 'signerOne', token: signerOne.token, accessor: signerOne.accessor, policies: ['sign-one'] },
      { name: 'signerGlob', token: signerGlob.token, accessor: signerGlob.accessor, policies: ['sign-payments'] },
      { name: 'auditor', token: auditor.token, accessor: auditor.accessor, policies: ['auditor'] },
      { name: 'expired', token: expired.token, accessor: null, policies: ['admin'], unauthenticated: 'TOKEN_EXPIRED' },
      { name: 'revoked', token: revoked.token, accessor: null, policies: ['admin'], unauthenticated: 'TOKEN_REVOKED' },
      { name: 'wrong', token: wrong, accessor: null, policies: ['admin'], unauthenticated: 'UNAUTHENTICATED' },
      { name: 'none', token: null, accessor: null, policies: ['admin'], unauthenticated: 'UNAUTHENTICATED' },
    ];
    for (const k of list) kinds.set(k.name, k);
    // real timer: wait until the 1-second token has expired
    await sleep(Math.max(0, Date.parse(expired.expiresAt) - Date.now()) + 150);
  });
  after(() => box.cleanup());

  const kindOrder: KindName[] = ['signerOne', 'signerGlob', 'auditor', 'expired', 'revoked', 'wrong', 'none', 'admin', 'root'];

  const rows: Row[] = [
    { op: 'create key', action: 'keys:create', allowed: ['root', 'admin'], request: async () => ({ method: 'POST', url: '/v1/keys', body: { type: 'ed25519' } }) },
    { op: 'read the allowed key', action: 'keys:read', allowed: ['root', 'admin', 'signerOne', 'signerGlob', 'auditor'], request: async () => ({ method: 'GET', url: `/v1/keys/${keyA.id}` }) },
    { op: 'read the allowed key by name', action: 'keys:read', allowed: ['root', 'admin', 'signerOne', 'signerGlob', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/keys/payments-hot' }) },
    { op: 'read another key', action: 'keys:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: `/v1/keys/${keyB.id}` }) },
    { op: 'list keys', action: 'keys:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/keys' }) },
    { op: 'sign with the allowed key', action: 'keys:sign', allowed: ['root', 'admin', 'signerOne', 'signerGlob'], request: async () => ({ method: 'POST', url: `/v1/keys/${keyA.id}/sign`, body: { digest: DIGEST } }) },
    { op: 'sign with another key', action: 'keys:sign', allowed: ['root', 'admin'], request: async () => ({ method: 'POST', url: `/v1/keys/${keyB.id}/sign`, body: { digest: DIGEST } }) },
    { op: 'encrypt with an aes key', action: 'keys:encrypt', allowed: ['root', 'admin', 'signerGlob'], request: async () => ({ method: 'POST', url: `/v1/keys/${aes.id}/encrypt`, body: { plaintext: '0x68656c6c6f' } }) },
    { op: 'create token', action: 'tokens:create', allowed: ['root', 'admin'], request: async (k) => ({ method: 'POST', url: '/v1/tokens', body: { policies: k.policies, ttl: 600 } }) },
    {
      op: 'revoke token',
      action: 'tokens:revoke',
      allowed: ['root', 'admin'],
      request: async () => ({ method: 'POST', url: '/v1/tokens/revoke', body: { accessor: (await mint({ policies: ['auditor'], name: 'victim' })).accessor } }),
    },
    { op: 'look up a token', action: 'tokens:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: `/v1/tokens/${kinds.get('signerOne')!.accessor}` }) },
    { op: 'look up self', action: null, allowed: ['root', 'admin', 'signerOne', 'signerGlob', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/tokens/self' }) },
    { op: 'read audit', action: 'audit:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/audit?limit=1' }) },
    {
      op: 'write policy',
      action: 'policies:write',
      allowed: ['root', 'admin'],
      request: async () => ({ method: 'PUT', url: '/v1/policies/x', body: { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] } }),
    },
    { op: 'read policy', action: 'policies:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/policies/x' }) },
    { op: 'list policies', action: 'policies:read', allowed: ['root', 'admin', 'auditor'], request: async () => ({ method: 'GET', url: '/v1/policies' }) },
    {
      // last: an allowed seal is followed by an unseal so the next kind finds the box usable
      op: 'seal',
      action: 'sys:seal',
      allowed: ['root', 'admin'],
      request: async () => ({ method: 'POST', url: '/v1/sys/seal' }),
      afterAllowed: async () => {
        const res = await box.call('POST', '/v1/sys/unseal', { share: box.shares[0] }, null);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.sealed, false);
      },
    },
  ];

  describe('every action × token kind', () => {
    for (const row of rows) {
      for (const kindName of kindOrder) {
        const allowed = row.allowed.includes(kindName);
        it(`${row.op} as ${kindName}`, async () => {
          const kind = kinds.get(kindName)!;
          const label = `${row.op} as ${kindName}`;
          const res = await send(label, kind, row.action, await row.request(kind));
          if (kind.unauthenticated !== undefined) {
            assert.equal(res.status, 401, `${label}: ${JSON.stringify(res.body)}`);
            assert.equal(res.body.code, kind.unauthenticated, label);
          } else if (allowed) {
            assert.ok(res.status >= 200 && res.status < 300, `${label}: expected 2xx, got ${res.status} ${JSON.stringify(res.body)}`);
            await row.afterAllowed?.();
          } else {
            assert.equal(res.status, 403, `${label}: ${JSON.stringify(res.body)}`);
            assert.equal(res.body.code, 'PERMISSION_DENIED', label);
          }
        });
      }
    }
  });

  describe('beyond the matrix', () => {
    it('a deny statement in a second policy wins over an allow, whatever the order', async () => {
      await putPolicy('read-all-keys', [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }]);
      await putPolicy('hide-treasury', [{ effect: 'deny', actions: ['keys:read'], resources: ['key:name/treasury'] }]);
      for (const policies of [['read-all-keys', 'hide-treasury'], ['hide-treasury', 'read-all-keys']]) {
        const t = await mint({ policies });
        const kind: Kind = { name: 'admin', token: t.token, accessor: t.accessor, policies };
        const label = `deny wins (${policies.join(', ')})`;
        assert.equal((await send(label, kind, 'keys:read', { method: 'GET', url: `/v1/keys/${keyA.id}` })).status, 200, label);
        const denied = await send(label, kind, 'keys:read', { method: 'GET', url: `/v1/keys/${keyB.id}` }, 'denied by hide-treasury#0');
        assert.equal(denied.status, 403, label);
        assert.equal(denied.body.code, 'PERMISSION_DENIED');
      }
    });

    it('sourceIp: inject comes from 127.0.0.1, so 10.0.0.0/8 denies and 127.0.0.0/8 allows', async () => {
      await putPolicy('from-ten', [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'], conditions: { sourceIp: ['10.0.0.0/8'] } }]);
      await putPolicy('from-loopback', [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'], conditions: { sourceIp: ['127.0.0.0/8'] } }]);
      const ten = await mint({ policies: ['from-ten'] });
      const loop = await mint({ policies: ['from-loopback'] });
      const tenKind: Kind = { name: 'admin', token: ten.token, accessor: ten.accessor, policies: ['from-ten'] };
      const loopKind: Kind = { name: 'admin', token: loop.token, accessor: loop.accessor, policies: ['from-loopback'] };
      const denied = await send('sourceIp 10.0.0.0/8', tenKind, 'keys:read', { method: 'GET', url: `/v1/keys/${keyA.id}` }, 'no statement allows');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'PERMISSION_DENIED');
      const allowed = await send('sourceIp 127.0.0.0/8', loopKind, 'keys:read', { method: 'GET', url: `/v1/keys/${keyA.id}` });
      assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
      const rec = (await box.call('GET', `/v1/audit?principal=${encodeURIComponent(loop.accessor)}`)).body.records.at(-1);
      assert.equal(rec.clientIp, '127.0.0.1', 'the audit records the address the policy saw');
    });

    it('a key the caller may not read gives 403, not 404; an admin gets 404', async () => {
      const signerOne = kinds.get('signerOne')!;
      const signerGlob = kinds.get('signerGlob')!;
      const admin = kinds.get('admin')!;
      const unknownId = '00000000-0000-4000-8000-000000000000';
      for (const ref of ['no-such-key', unknownId, 'treasury']) {
        const res = await send(`unknown key ${ref} as signerOne`, signerOne, 'keys:read', { method: 'GET', url: `/v1/keys/${ref}` }, 'no statement allows');
        assert.equal(res.status, 403, `${ref}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'PERMISSION_DENIED');
      }
      for (const ref of ['no-such-key', unknownId]) {
        const res = await send(`unknown key ${ref} as admin`, admin, 'keys:read', { method: 'GET', url: `/v1/keys/${ref}` });
        assert.equal(res.status, 404, `${ref}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'KEY_NOT_FOUND');
      }
      // the name-glob signer may read any payments-* key, so an absent one is a plain 404 for it
      const mine = await send('payments-missing as signerGlob', signerGlob, 'keys:read', { method: 'GET', url: '/v1/keys/payments-missing' });
      assert.equal(mine.status, 404, JSON.stringify(mine.body));
      const notMine = await send('treasury-missing as signerGlob', signerGlob, 'keys:read', { method: 'GET', url: '/v1/keys/treasury-missing' }, 'no statement allows');
      assert.equal(notMine.status, 403, JSON.stringify(notMine.body));
    });

    it('a 403 for a key named in the URL reveals neither whether it exists nor its id', async () => {
      const signerOne = kinds.get('signerOne')!;
      const existing = await send('treasury (exists) as signerOne', signerOne, 'keys:read', { method: 'GET', url: '/v1/keys/treasury' }, 'no statement allows');
      const absent = await send('treasury-2 (absent) as signerOne', signerOne, 'keys:read', { method: 'GET', url: '/v1/keys/treasury-2' }, 'no statement allows');
      assert.equal(existing.status, 403);
      assert.equal(absent.status, 403);
      assert.ok(!JSON.stringify(existing.body).includes(keyB.id), `the 403 body leaks the id of the key named treasury: ${existing.body.detail}`);
      const shape = (res: { body: any }, ref: string) => ({ ...res.body, requestId: '<id>', detail: String(res.body.detail).replaceAll(ref, '<ref>') });
      assert.deepEqual(shape(existing, 'treasury'), shape(absent, 'treasury-2'), 'the two 403s are indistinguishable');
    });
  });

  describe('audit', () => {
    async function allRecords(query: string): Promise<any[]> {
      const out: any[] = [];
      let after = 0;
      for (;;) {
        const res = await box.call('GET', `/v1/audit?limit=1000&afterSeq=${after}${query}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        out.push(...res.body.records);
        if (res.body.nextAfterSeq === null) return out;
        after = res.body.nextAfterSeq;
      }
    }

    it('the matrix made denials of every kind', () => {
      assert.ok(denials.some((d) => d.status === 403));
      for (const code of ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']) assert.ok(denials.some((d) => d.code === code), code);
    });

    it('every denied request has a matching denied audit record', async () => {
      const records = await allRecords('&outcome=denied');
      const byRequestId = new Map(records.map((r) => [r.requestId, r]));
      for (const d of denials) {
        const rec = byRequestId.get(d.requestId);
        assert.ok(rec !== undefined, `${d.label}: no audit record for request ${d.requestId}`);
        assert.equal(rec.outcome, 'denied', d.label);
        assert.equal(rec.status, d.status, d.label);
        assert.equal(rec.code, d.code, d.label);
        assert.equal(rec.action, d.action, d.label);
        assert.equal(rec.principal, d.principal, `${d.label}: principal`);
        if (d.status === 403) {
          assert.equal(typeof rec.reason, 'string', `${d.label}: a reason`);
          assert.match(rec.reason, /^(no statement allows|denied by [a-z0-9._-]+#[0-9]+)$/, `${d.label}: the reason names the decision`);
          if (d.reason !== undefined) assert.equal(rec.reason, d.reason, d.label);
          assert.equal(typeof rec.resource, 'string', `${d.label}: the resource is recorded`);
        } else {
          assert.equal(rec.principal, null, `${d.label}: a 401 has no principal`);
        }
      }
    });

    it('no token value appears anywhere in the audit log', async () => {
      const text = JSON.stringify(await allRecords(''));
      assert.ok(text.length > 0);
      assert.ok(tokenValues.size > 10, `checked ${tokenValues.size} tokens`);
      for (const token of tokenValues) {
        assert.ok(!text.includes(token), `token ${token.slice(0, 8)}… is in the audit log`);
        assert.ok(!text.includes(token.slice(4)), `the body of token ${token.slice(0, 8)}… is in the audit log`);
      }
    });
  });
});
