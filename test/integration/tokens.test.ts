/**
 * Token API through inject on a real SQLite file: create (policies, ttl, name, numUses, rateLimit),
 * self lookup and renewal, lookup and revocation by accessor; the token value is shown once and
 * stored only hashed; a token never mints a more powerful one; use limits, expiry, revocation of a
 * whole tree, rate limits; the root token cannot be revoked away; generate-root from a share quorum.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashToken } from '../../src/service/shared/token-secret.js';
import { xorDecode } from '../../src/service/sys/generate-root.js';
import { startTestBox, type TestBox } from '../helpers/app.js';

const TOKEN_PATTERN = /^sbt\.[A-Za-z0-9_-]{43}$/;

interface Minted {
  token: string;
  accessor: string;
  expiresAt: string | null;
  [k: string]: unknown;
}

/** POST /v1/tokens, asserting 201. */
async function mint(box: TestBox, body: Record<string, unknown>, token?: string): Promise<Minted> {
  const res = await box.call('POST', '/v1/tokens', body, token);
  assert.equal(res.status, 201, `mint ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
  return res.body as Minted;
}

/** Waits (real timer) until the given ISO time has passed, plus a margin. */
async function waitPast(iso: string): Promise<void> {
  await sleep(Math.max(0, Date.parse(iso) - Date.now()) + 150);
}

function assertProblem(res: { status: number; body: any }, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
  if (field !== undefined) assert.equal(res.body.field, field);
}

describe('tokens API', () => {
  let box: TestBox;
  let rootAccessor: string;
  const issued: string[] = [];

  before(async () => {
    box = await startTestBox();
    const self = await box.call('GET', '/v1/tokens/self');
    assert.equal(self.status, 200);
    rootAccessor = self.body.accessor;
    const minter = await box.call('PUT', '/v1/policies/minter', { statements: [{ effect: 'allow', actions: ['tokens:create'], resources: ['token:*'] }] });
    assert.equal(minter.status, 200, JSON.stringify(minter.body));
    assert.equal((await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'budget-key' })).status, 201);
  });
  after(() => box.cleanup());

  it('creates a token with policies, ttl, name, numUses and rateLimit', async () => {
    const before = Date.now();
    const res = await box.call('POST', '/v1/tokens', { policies: ['signer', 'auditor'], ttl: 3600, name: 'ci-deploy', numUses: 5, rateLimit: { perSecond: 10, burst: 20 } });
    const afterMs = Date.now();
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const t = res.body;
    issued.push(t.token);
    assert.match(t.token, TOKEN_PATTERN);
    assert.match(t.accessor, /^acc\./);
    assert.notEqual(t.accessor, t.token);
    assert.equal(t.name, 'ci-deploy');
    assert.deepEqual(t.policies, ['signer', 'auditor']);
    assert.equal(t.parentAccessor, rootAccessor);
    assert.equal(t.numUsesLeft, 5);
    assert.deepEqual(t.rateLimit, { perSecond: 10, burst: 20 });
    assert.equal(t.revoked, false);
    assert.equal(t.subject, t.accessor, 'a token minted by root acts for itself unless a subject is given');
    const expires = Date.parse(t.expiresAt);
    assert.ok(expires >= before + 3600_000 && expires <= afterMs + 3600_000, `expiresAt ${t.expiresAt} is about an hour away`);
  });

  it('defaults: 30-day ttl, no use limit, no rate limit', async () => {
    const t = await mint(box, { policies: ['signer'] });
    issued.push(t.token);
    assert.equal(t['numUsesLeft'], null);
    assert.equal(t['rateLimit'], null);
    assert.equal(t['name'], null);
    const days = (Date.parse(t.expiresAt!) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `${days} days`);
  });

  it('shows the token value only in the create response', async () => {
    const t = await mint(box, { policies: ['signer'], name: 'shown-once' });
    issued.push(t.token);
    const self = await box.call('GET', '/v1/tokens/self', undefined, t.token);
    const byAccessor = await box.call('GET', `/v1/tokens/${t.accessor}`);
    const renewed = await box.call('POST', '/v1/tokens/self/renew', {}, t.token);
    for (const [label, res] of Object.entries({ self, byAccessor, renewed })) {
      assert.equal(res.status, 200, label);
      assert.equal(res.body.accessor, t.accessor, label);
      assert.equal(res.body.token, undefined, `${label} has no token field`);
      assert.ok(!JSON.stringify(res.body).includes(t.token), `${label} does not contain the token`);
      assert.ok(!JSON.stringify(res.headers).includes(t.token), `${label} headers do not contain the token`);
    }
    assert.deepEqual(self.body.policies, ['signer']);
    assert.equal(byAccessor.body.name, 'shown-once');
  });

  it('looks tokens up by accessor; an unknown accessor is 404 TOKEN_NOT_FOUND', async () => {
    const t = await mint(box, { policies: ['auditor'] });
    issued.push(t.token);
    const res = await box.call('GET', `/v1/tokens/${t.accessor}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.policies, ['auditor']);
    assert.equal(res.body.revoked, false);
    assertProblem(await box.call('GET', '/v1/tokens/acc.doesnotexist'), 404, 'TOKEN_NOT_FOUND');
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: 'acc.doesnotexist' }), 404, 'TOKEN_NOT_FOUND', 'accessor');
  });

  it('renews the calling token, never past its parent', async () => {
    const parent = await mint(box, { policies: ['admin'], ttl: 120, maxTtl: '3h' });
    issued.push(parent.token);
    const renewedParent = await box.call('POST', '/v1/tokens/self/renew', { increment: 7200 }, parent.token);
    assert.equal(renewedParent.status, 200, JSON.stringify(renewedParent.body));
    assert.ok(Date.parse(renewedParent.body.expiresAt) > Date.parse(parent.expiresAt!), 'a child of root can be extended');
    const lookedUp = await box.call('GET', `/v1/tokens/${parent.accessor}`);
    assert.equal(lookedUp.body.expiresAt, renewedParent.body.expiresAt, 'the renewal is stored');

    const child = await mint(box, { policies: ['admin'], ttl: 60, maxTtl: '365d' }, parent.token);
    issued.push(child.token);
    const renewedChild = await box.call('POST', '/v1/tokens/self/renew', { increment: 365 * 24 * 3600 }, child.token);
    assert.equal(renewedChild.status, 200, JSON.stringify(renewedChild.body));
    assert.ok(Date.parse(renewedChild.body.expiresAt) <= Date.parse(renewedParent.body.expiresAt), 'capped at the parent expiry');

    const root = await box.call('POST', '/v1/tokens/self/renew', {});
    assert.equal(root.status, 200);
    assert.equal(root.body.expiresAt, null, 'the root token does not expire');
  });

  describe('maximum lifetime (maxTtl) and renewable', () => {
    it('a token minted with a 60-second TTL cannot renew itself into a one-year credential (the review\'s exploit)', async () => {
      const t = await mint(box, { policies: ['signer'], ttl: 60 });
      assert.equal(t['maxExpiresAt'], t.expiresAt, 'by default the maximum lifetime is the creation TTL');
      assert.equal(t['renewable'], true);
      const renewed = await box.call('POST', '/v1/tokens/self/renew', { increment: 365 * 24 * 3600 }, t.token);
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      const created = Date.parse(renewed.body.createdAt);
      assert.ok(Date.parse(renewed.body.expiresAt) <= created + 60_000, `renewed to ${renewed.body.expiresAt}, created ${renewed.body.createdAt}`);
      assert.equal((await box.call('GET', `/v1/tokens/${t.accessor}`)).body.expiresAt, renewed.body.expiresAt, 'the stored expiry did not move past it either');
    });

    it('renewal goes up to maxTtl after creation and no further; a shorter increment still brings the expiry forward', async () => {
      const t = await mint(box, { policies: ['signer'], ttl: '1m', maxTtl: '2h' });
      const created = Date.parse(t['createdAt'] as string);
      assert.equal(Date.parse(t['maxExpiresAt'] as string), created + 2 * 3_600_000);
      assert.equal(Date.parse(t.expiresAt!), created + 60_000);
      const before = Date.now();
      const hour = await box.call('POST', '/v1/tokens/self/renew', { increment: '1h' }, t.token);
      assert.equal(hour.status, 200, JSON.stringify(hour.body));
      const hourExpires = Date.parse(hour.body.expiresAt);
      assert.ok(hourExpires >= before + 3_600_000 && hourExpires <= Date.now() + 3_600_000, 'within maxTtl the increment applies');
      const day = await box.call('POST', '/v1/tokens/self/renew', { increment: '1d' }, t.token);
      assert.equal(day.body.expiresAt, t['maxExpiresAt'], 'capped at the maximum lifetime');
      const byDefault = await box.call('POST', '/v1/tokens/self/renew', {}, t.token);
      assert.ok(Date.parse(byDefault.body.expiresAt) < Date.parse(day.body.expiresAt), 'the default increment is the creation TTL (1 minute)');
    });

    it('renewable: false refuses renewal (409 TOKEN_NOT_RENEWABLE) and leaves the expiry as it was', async () => {
      const t = await mint(box, { policies: ['signer'], ttl: '1h', maxTtl: '1d', renewable: false });
      assert.equal(t['renewable'], false);
      assertProblem(await box.call('POST', '/v1/tokens/self/renew', { increment: '2h' }, t.token), 409, 'TOKEN_NOT_RENEWABLE');
      const self = await box.call('GET', '/v1/tokens/self', undefined, t.token);
      assert.equal(self.body.expiresAt, t.expiresAt);
      assert.equal(self.body.renewable, false);
    });

    it('lookups show maxExpiresAt and renewable; a root token has neither an expiry nor a maximum', async () => {
      const t = await mint(box, { policies: ['auditor'], maxTtl: '2d' });
      assert.equal(Date.parse(t['maxExpiresAt'] as string) - Date.parse(t['createdAt'] as string), 2 * 86_400_000);
      assert.equal(Date.parse(t.expiresAt!), Date.parse(t['maxExpiresAt'] as string), 'without ttl, the expiry is the default 30 days or maxTtl if shorter');
      for (const res of [await box.call('GET', `/v1/tokens/${t.accessor}`), await box.call('GET', '/v1/tokens/self', undefined, t.token)]) {
        assert.equal(res.body.maxExpiresAt, t['maxExpiresAt']);
        assert.equal(res.body.renewable, true);
      }
      const root = await box.call('GET', '/v1/tokens/self');
      assert.deepEqual([root.body.expiresAt, root.body.maxExpiresAt], [null, null]);
    });

    it('ttl above maxTtl, or a malformed maxTtl or renewable, is 400 naming the field', async () => {
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl: '2h', maxTtl: '1h' }), 400, 'INVALID_ARGUMENT', 'ttl');
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'], maxTtl: '366d' }), 400, 'INVALID_ARGUMENT', 'maxTtl');
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'], maxTtl: 'forever' }), 400, 'INVALID_ARGUMENT', 'maxTtl');
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'], renewable: 'no' }), 400, 'INVALID_ARGUMENT', 'renewable');
    });

    it('a child\'s maximum never passes its parent\'s, so no renewal of the child can outlast the parent\'s', async () => {
      const parent = await mint(box, { policies: ['admin'], ttl: '1h', maxTtl: '2h' });
      const child = await mint(box, { policies: ['admin'], ttl: '1h', maxTtl: '30d' }, parent.token);
      assert.equal(child['maxExpiresAt'], parent['maxExpiresAt'], 'capped at the parent\'s maximum');
      // the parent renews to its maximum; the child then renews as far as it can: the parent's maximum
      assert.equal((await box.call('POST', '/v1/tokens/self/renew', { increment: '1d' }, parent.token)).body.expiresAt, parent['maxExpiresAt']);
      const renewed = await box.call('POST', '/v1/tokens/self/renew', { increment: '30d' }, child.token);
      assert.equal(renewed.body.expiresAt, parent['maxExpiresAt']);
    });
  });

  it('stores tokens only hashed: no token value in the SQLite file or its WAL', async () => {
    const latest = await mint(box, { policies: ['signer'], name: 'scan-me' });
    issued.push(latest.token);
    const files = readdirSync(box.dataDir).filter((f) => f.startsWith('strongbox.db'));
    assert.ok(files.includes('strongbox.db'), `database file present: ${files.join(', ')}`);
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(box.dataDir, f))));
    // positive control: the scan can see what the store wrote
    assert.ok(bytes.includes(Buffer.from(hashToken(latest.token))), 'the token hash is stored');
    assert.ok(bytes.includes(Buffer.from(latest.accessor)), 'the accessor is stored');
    for (const token of [box.rootToken, ...issued]) {
      assert.ok(!bytes.includes(Buffer.from(token, 'utf8')), `token ${token.slice(0, 8)}… is not stored in clear`);
      // nor its random part on its own (e.g. stored without the prefix)
      assert.ok(!bytes.includes(Buffer.from(token.slice(4), 'utf8')), `token body ${token.slice(0, 8)}… is not stored`);
    }
  });

  describe('no escalation', () => {
    it('a signer token without tokens:create cannot mint at all (403 PERMISSION_DENIED)', async () => {
      const signer = await mint(box, { policies: ['signer'] });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'] }, signer.token), 403, 'PERMISSION_DENIED');
    });

    it('a signer token that may mint cannot mint admin (403 ESCALATION_DENIED naming the policy)', async () => {
      const signer = await mint(box, { policies: ['signer', 'minter'] });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['admin'] }, signer.token), 403, 'ESCALATION_DENIED', 'policies.0');
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer', 'operator'] }, signer.token), 403, 'ESCALATION_DENIED', 'policies.1');
      const child = await mint(box, { policies: ['signer'] }, signer.token);
      assert.deepEqual(child['policies'], ['signer'], 'a subset of its own policies is fine');
      assert.equal(child['parentAccessor'], signer.accessor);
      assert.equal(child['subject'], signer['subject'], 'a child acts for its parent subject');
    });

    it('an admin token cannot mint a root token', async () => {
      const admin = await mint(box, { policies: ['admin'] });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['root'] }, admin.token), 403, 'ESCALATION_DENIED', 'policies.0');
    });

    it('a child never outlives its parent: expiresAt is capped', async () => {
      const parent = await mint(box, { policies: ['admin'], ttl: 120 });
      const longer = await mint(box, { policies: ['admin'], ttl: 3600 }, parent.token);
      assert.ok(Date.parse(longer.expiresAt!) <= Date.parse(parent.expiresAt!), `${longer.expiresAt} <= ${parent.expiresAt}`);
      const byDefault = await mint(box, { policies: ['admin'] }, parent.token);
      assert.ok(Date.parse(byDefault.expiresAt!) <= Date.parse(parent.expiresAt!), 'the default ttl is capped too');
      const grandchild = await mint(box, { policies: ['admin'], ttl: 365 * 24 * 3600 }, longer.token);
      assert.ok(Date.parse(grandchild.expiresAt!) <= Date.parse(parent.expiresAt!), 'and so on down the tree');
    });

    it('a use-limited token cannot mint children: the review\'s tree of 15 children from 5 uses (16 signatures) is refused', async () => {
      const parent = await mint(box, { policies: ['signer', 'minter'], numUses: 5 });
      // The exploit: every token with uses to spare mints a child holding all the uses it has left
      // after the minting request, and every token then signs until its own uses run out.
      const tokens = [{ token: parent.token, left: 5 }];
      let minted = 0;
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        while (t.left > 1) {
          t.left--; // the minting request spends one use
          const res = await box.call('POST', '/v1/tokens', { policies: ['signer', 'minter'], numUses: t.left }, t.token);
          if (res.status !== 201) {
            assertProblem(res, 403, 'ESCALATION_DENIED');
            assert.match(res.body.detail, /use limit/);
            break;
          }
          minted++;
          tokens.push({ token: res.body.token, left: t.left });
        }
      }
      let signatures = 0;
      for (const t of tokens) {
        while ((await box.call('POST', '/v1/keys/budget-key/sign', { message: '0x01' }, t.token)).status === 200) signatures++;
      }
      assert.ok(signatures <= 5, `${signatures} signatures from a token with 5 uses (${minted} children minted)`);
      assert.equal(minted, 0, 'no child was minted');
      assert.equal(signatures, 4, 'the parent keeps the uses the refused mint did not spend');
    });

    it('a rate-limited token cannot mint children: 20 children would each have had the parent\'s burst', async () => {
      // A refill of one request per 1,000 s: nothing refills while the test runs, so the budget is the burst.
      const parent = await mint(box, { policies: ['signer', 'minter'], rateLimit: { perSecond: 0.001, burst: 25 } });
      let admitted = 0;
      const children: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await box.call('POST', '/v1/tokens', { policies: ['signer'] }, parent.token);
        if (res.status === 201) children.push(res.body.token);
        else assertProblem(res, 403, 'ESCALATION_DENIED');
        if (res.status !== 429) admitted++;
      }
      for (const token of [parent.token, ...children]) {
        while ((await box.call('POST', '/v1/keys/budget-key/sign', { message: '0x02' }, token)).status === 200) admitted++;
      }
      assert.equal(admitted, 25, `requests admitted in all: the parent's burst, no more (${children.length} children minted)`);
      assert.deepEqual(children, [], 'no child was minted');
    });

    it('a token limited in both ways, or holding the root policy, is refused too; an unlimited one mints limited children', async () => {
      const both = await mint(box, { policies: ['admin'], numUses: 10, rateLimit: { perSecond: 100 } });
      const res = await box.call('POST', '/v1/tokens', { policies: ['admin'], numUses: 1 }, both.token);
      assertProblem(res, 403, 'ESCALATION_DENIED');
      assert.match(res.body.detail, /use limit \(numUses\) and a rate limit/);
      const limitedRoot = await mint(box, { policies: ['root'], numUses: 3 });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['signer'], numUses: 1 }, limitedRoot.token), 403, 'ESCALATION_DENIED');
      const unlimited = await mint(box, { policies: ['admin'] });
      const child = await mint(box, { policies: ['admin'], numUses: 2, rateLimit: { perSecond: 5, burst: 5 } }, unlimited.token);
      assert.equal(child['numUsesLeft'], 2);
      assert.deepEqual(child['rateLimit'], { perSecond: 5, burst: 5 });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['admin'] }, child.token), 403, 'ESCALATION_DENIED');
    });

    it('only root can mint orphan tokens or set subject', async () => {
      const admin = await mint(box, { policies: ['admin'] });
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['admin'], orphan: true }, admin.token), 403, 'ESCALATION_DENIED', 'orphan');
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['admin'], subject: 'bob' }, admin.token), 403, 'ESCALATION_DENIED', 'subject');
      const orphan = await mint(box, { policies: ['admin'], orphan: true });
      assert.equal(orphan['parentAccessor'], null);
      const forAlice = await mint(box, { policies: ['user'], subject: 'alice' });
      assert.equal(forAlice['subject'], 'alice');
    });

    it('refuses a policy that does not exist (404 POLICY_NOT_FOUND)', async () => {
      assertProblem(await box.call('POST', '/v1/tokens', { policies: ['no-such-policy'] }), 404, 'POLICY_NOT_FOUND', 'policies.0');
    });
  });

  it('a use-limited token fails with 401 TOKEN_USES_EXHAUSTED once its uses are spent', async () => {
    const t = await mint(box, { policies: ['signer'], numUses: 2 });
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, t.token)).status, 200);
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, t.token)).status, 200);
    assertProblem(await box.call('GET', '/v1/tokens/self', undefined, t.token), 401, 'TOKEN_USES_EXHAUSTED');
    assertProblem(await box.call('GET', '/v1/keys', undefined, t.token), 401, 'TOKEN_USES_EXHAUSTED');
    assert.equal((await box.call('GET', `/v1/tokens/${t.accessor}`)).body.numUsesLeft, 0);
  });

  it('self reports the uses actually left (the same count as a lookup by accessor)', async () => {
    const t = await mint(box, { policies: ['signer'], numUses: 3 });
    const self = await box.call('GET', '/v1/tokens/self', undefined, t.token);
    assert.equal(self.status, 200);
    const stored = (await box.call('GET', `/v1/tokens/${t.accessor}`)).body.numUsesLeft;
    assert.equal(stored, 2, 'one use spent');
    assert.equal(self.body.numUsesLeft, stored, 'self shows the count after this request, not before');
  });

  it('an expired token fails with 401 TOKEN_EXPIRED', async () => {
    const t = await mint(box, { policies: ['admin'], ttl: 1 });
    await waitPast(t.expiresAt!);
    assertProblem(await box.call('GET', '/v1/tokens/self', undefined, t.token), 401, 'TOKEN_EXPIRED');
    assertProblem(await box.call('GET', '/v1/keys', undefined, t.token), 401, 'TOKEN_EXPIRED');
    assertProblem(await box.call('POST', '/v1/tokens/self/renew', {}, t.token), 401, 'TOKEN_EXPIRED', undefined);
  });

  it('revoking a parent revokes its whole tree at once (401 TOKEN_REVOKED)', async () => {
    const parent = await mint(box, { policies: ['admin'], name: 'parent' });
    const child = await mint(box, { policies: ['admin'], name: 'child' }, parent.token);
    const grandchild = await mint(box, { policies: ['admin'], name: 'grandchild' }, child.token);
    const sibling = await mint(box, { policies: ['admin'], name: 'sibling' });
    // warm the authentication cache for each, so revocation must invalidate it
    for (const t of [parent, child, grandchild, sibling]) assert.equal((await box.call('GET', '/v1/tokens/self', undefined, t.token)).status, 200);

    const res = await box.call('POST', '/v1/tokens/revoke', { accessor: parent.accessor });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(new Set(res.body.revoked), new Set([parent.accessor, child.accessor, grandchild.accessor]));

    for (const t of [parent, child, grandchild]) {
      assertProblem(await box.call('GET', '/v1/tokens/self', undefined, t.token), 401, 'TOKEN_REVOKED');
      assert.equal((await box.call('GET', `/v1/tokens/${t.accessor}`)).body.revoked, true);
    }
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, sibling.token)).status, 200, 'a sibling is untouched');
  });

  it('a child can be revoked without touching its parent', async () => {
    const parent = await mint(box, { policies: ['admin'] });
    const child = await mint(box, { policies: ['admin'] }, parent.token);
    const res = await box.call('POST', '/v1/tokens/revoke', { accessor: child.accessor }, parent.token);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.revoked, [child.accessor]);
    assertProblem(await box.call('GET', '/v1/tokens/self', undefined, child.token), 401, 'TOKEN_REVOKED');
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, parent.token)).status, 200);
  });

  it('rate limit: the 3rd quick request with {perSecond: 1, burst: 2} is 429 RATE_LIMITED with Retry-After', async () => {
    const t = await mint(box, { policies: ['signer'], rateLimit: { perSecond: 1, burst: 2 } });
    assert.deepEqual(t['rateLimit'], { perSecond: 1, burst: 2 });
    const first = await box.call('GET', '/v1/tokens/self', undefined, t.token);
    const second = await box.call('GET', '/v1/tokens/self', undefined, t.token);
    const third = await box.call('GET', '/v1/tokens/self', undefined, t.token);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assertProblem(third, 429, 'RATE_LIMITED');
    const retryAfter = third.headers['retry-after'];
    assert.equal(typeof retryAfter, 'string', 'Retry-After header present');
    assert.match(retryAfter as string, /^[1-9][0-9]*$/, 'Retry-After is a positive number of seconds');
  });
});

describe('revoking the root token', () => {
  let box: TestBox;
  let rootAccessor: string;

  before(async () => {
    box = await startTestBox();
    rootAccessor = (await box.call('GET', '/v1/tokens/self')).body.accessor;
  });
  after(() => box.cleanup());

  it('is refused (409 LAST_ROOT_TOKEN) while no admin token outside its tree exists', async () => {
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor }), 409, 'LAST_ROOT_TOKEN');
    // an admin token minted by root is inside root's tree: it would be revoked along with it
    const child = await mint(box, { policies: ['admin'] });
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor }), 409, 'LAST_ROOT_TOKEN');
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor }, child.token), 409, 'LAST_ROOT_TOKEN');
    assert.equal((await box.call('GET', '/v1/tokens/self')).status, 200, 'the root token still works');
  });

  it('an expired orphan admin token does not count', async () => {
    const orphan = await mint(box, { policies: ['admin'], orphan: true, ttl: 1 });
    await waitPast(orphan.expiresAt!);
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor }), 409, 'LAST_ROOT_TOKEN');
  });

  it('succeeds once an orphan admin token exists; the old root token and its tree then get 401', async () => {
    const child = await mint(box, { policies: ['admin'] });
    const orphan = await mint(box, { policies: ['admin'], orphan: true });
    const res = await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.revoked.includes(rootAccessor));
    assert.ok(res.body.revoked.includes(child.accessor));
    assert.ok(!res.body.revoked.includes(orphan.accessor));
    assertProblem(await box.call('GET', '/v1/tokens/self'), 401, 'TOKEN_REVOKED');
    assertProblem(await box.call('POST', '/v1/keys', { type: 'ed25519' }), 401, 'TOKEN_REVOKED');
    assertProblem(await box.call('GET', '/v1/tokens/self', undefined, child.token), 401, 'TOKEN_REVOKED');
    const self = await box.call('GET', '/v1/tokens/self', undefined, orphan.token);
    assert.equal(self.status, 200);
    assert.deepEqual(self.body.policies, ['admin']);
    assert.equal((await box.call('POST', '/v1/keys', { type: 'ed25519' }, orphan.token)).status, 201, 'the orphan admin carries on');
  });
});

describe('revoking the root token: an admin token with no uses left does not count', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  it('is refused (409 LAST_ROOT_TOKEN) when the only orphan admin token has spent its uses', async () => {
    const rootAccessor = (await box.call('GET', '/v1/tokens/self')).body.accessor;
    const orphan = await mint(box, { policies: ['admin'], orphan: true, numUses: 1 });
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, orphan.token)).status, 200);
    assertProblem(await box.call('GET', '/v1/tokens/self', undefined, orphan.token), 401, 'TOKEN_USES_EXHAUSTED');
    // Revoking root now would leave no usable administrator (revoke-token.ts: "a root token is
    // revocable only while an admin or root token outside the revoked tree stays valid").
    assertProblem(await box.call('POST', '/v1/tokens/revoke', { accessor: rootAccessor }), 409, 'LAST_ROOT_TOKEN');
  });
});

describe('generate-root', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
    assert.equal(box.shares.length, 3);
  });
  after(() => box.cleanup());

  const update = (nonce: string, share: string) => box.call('POST', '/v1/sys/generate-root/update', { nonce, share }, null);
  const start = () => box.call('POST', '/v1/sys/generate-root/attempt', undefined, null);

  it('refuses shares when no attempt was started (409 GENERATE_ROOT_NOT_STARTED)', async () => {
    assertProblem(await update('00'.repeat(16), box.shares[0]!), 409, 'GENERATE_ROOT_NOT_STARTED', 'nonce');
  });

  it('mints a working root token from a quorum of shares, returned only XOR-ed with the one-time pad', async () => {
    const attempt = await start();
    assert.equal(attempt.status, 200, JSON.stringify(attempt.body));
    const { nonce, otp } = attempt.body;
    assert.equal(typeof nonce, 'string');
    assert.equal(typeof otp, 'string');
    assert.equal(attempt.body.threshold, 2);
    assert.equal(attempt.body.progress, 0);

    assertProblem(await update('ff'.repeat(16), box.shares[0]!), 409, 'GENERATE_ROOT_NOT_STARTED', 'nonce');

    const first = await update(nonce, box.shares[0]!);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.complete, false);
    assert.equal(first.body.progress, 1);
    assert.equal(first.body.encodedToken, undefined);

    const second = await update(nonce, box.shares[1]!);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.complete, true);
    assert.equal(typeof second.body.encodedToken, 'string');

    const token = xorDecode(second.body.encodedToken, otp);
    assert.match(token, TOKEN_PATTERN);
    assert.notEqual(token, box.rootToken);
    assert.ok(!JSON.stringify(second.body).includes(token), 'the response does not carry the token in clear');

    const self = await box.call('GET', '/v1/tokens/self', undefined, token);
    assert.equal(self.status, 200, JSON.stringify(self.body));
    assert.deepEqual(self.body.policies, ['root']);
    assert.equal(self.body.expiresAt, null);
    assert.equal((await box.call('POST', '/v1/keys', { type: 'ed25519' }, token)).status, 201, 'it works as a root token');

    assertProblem(await update(nonce, box.shares[2]!), 409, 'GENERATE_ROOT_NOT_STARTED', 'nonce');
  });

  it('a corrupted share is refused at once (400 UNKNOWN_SHARE), gives no token and leaves the progress', async () => {
    const attempt = await start();
    const { nonce } = attempt.body;
    const good = box.shares[0]!;
    // flip one byte of the share payload (after the 0x prefix, the format byte and the threshold byte)
    const at = 2 + 2 * 10;
    const byte = Number.parseInt(good.slice(at, at + 2), 16) ^ 0xff;
    const corrupted = good.slice(0, at) + byte.toString(16).padStart(2, '0') + good.slice(at + 2);
    assert.notEqual(corrupted, good);

    const first = await update(nonce, box.shares[1]!);
    assert.equal(first.body.progress, 1);
    const bad = await update(nonce, corrupted);
    assertProblem(bad, 400, 'UNKNOWN_SHARE', 'share');
    assert.equal(bad.body.encodedToken, undefined);
    assert.ok(!JSON.stringify(bad.body).includes('sbt.'), 'no token in the body');
    const again = await update(nonce, box.shares[2]!);
    assert.equal(again.status, 200);
    assert.equal(again.body.complete, true, 'the corrupted share neither counted nor reset the progress');
  });

  it('random bytes in a well-formed share are rejected too', async () => {
    const { nonce } = (await start()).body;
    const random = '0x0102' + randomBytes(33).toString('hex');
    await update(nonce, box.shares[0]!);
    const bad = await update(nonce, random);
    assertProblem(bad, 400, 'UNKNOWN_SHARE', 'share');
    assert.equal(bad.body.encodedToken, undefined);
    assert.deepEqual((await box.call('DELETE', '/v1/sys/generate-root/attempt', { nonce }, null)).body, { started: false });
  });
});
