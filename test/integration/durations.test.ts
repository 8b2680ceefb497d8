/**
 * Every TTL and period the REST API takes accepts durations as Vault users type them ("1h", "30m",
 * "7d", "90s", "1h30m") as well as a plain number in the field's unit (JSON number or numeric string),
 * through the one parser in protocol/duration.ts; a malformed or out-of-range value is a 400 naming the
 * field. Fields: token ttl and renewal increment, AWS credential ttl, aes256 rotationPeriodDays (create
 * and POST …/rotation), pendingDays, and transaction-rules approval.expiresAfterSeconds (key and wallet).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBox, type TestBox } from '../helpers/app.js';

const DAY_MS = 86_400_000;

function assertInvalid(res: { status: number; body: any }, field: string, label: string): void {
  assert.equal(res.status, 400, `${label}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, 'INVALID_ARGUMENT', label);
  assert.equal(res.body.field, field, `${label}: ${JSON.stringify(res.body)}`);
  assert.ok(res.body.detail.startsWith(`${field} `), `${label}: the detail names the field: ${res.body.detail}`);
}

/** Asserts that `iso` is `ms` after a time between `before` and `after` (the request's own clock reading). */
function assertAhead(iso: string, ms: number, before: number, after: number, label: string): void {
  const t = Date.parse(iso);
  assert.ok(t >= before + ms && t <= after + ms, `${label}: ${iso} is ${ms / 1000} s after the request`);
}

describe('durations in TTLs and periods', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox();
  });
  after(() => box.cleanup());

  it('token ttl: "1h30m", "90s", "7d", "3600" and 3600', async () => {
    for (const [ttl, seconds] of [['1h30m', 5400], ['90s', 90], ['7d', 7 * 86_400], ['3600', 3600], [3600, 3600], ['1.5h', 5400]] as const) {
      const before = Date.now();
      const res = await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl });
      assert.equal(res.status, 201, `${JSON.stringify(ttl)}: ${JSON.stringify(res.body)}`);
      assertAhead(res.body.expiresAt, seconds * 1000, before, Date.now(), `ttl ${JSON.stringify(ttl)}`);
    }
  });

  it('renewal increment: "30m" moves the expiry to now + 30 minutes', async () => {
    const t = (await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl: '2h' })).body;
    const before = Date.now();
    const res = await box.call('POST', '/v1/tokens/self/renew', { increment: '30m' }, t.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assertAhead(res.body.expiresAt, 30 * 60_000, before, Date.now(), 'increment "30m"');
  });

  it('AWS credential ttl: "12h"', async () => {
    const before = Date.now();
    const res = await box.call('POST', '/v1/aws-credentials', { ttl: '12h' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assertAhead(res.body.expiresAt, 12 * 3_600_000, before, Date.now(), 'aws ttl "12h"');
  });

  it('rotationPeriodDays: "90d" and "2160h" on create, "30d" through POST …/rotation, null turns it off', async () => {
    for (const [period, days] of [['90d', 90], ['2160h', 90], ['45', 45], [45, 45]] as const) {
      const res = await box.call('POST', '/v1/keys', { type: 'aes256', rotationPeriodDays: period });
      assert.equal(res.status, 201, `${JSON.stringify(period)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.rotationPeriodDays, days, JSON.stringify(period));
      const next = Date.parse(res.body.nextRotationAt) - Date.parse(res.body.createdAt);
      assert.equal(next, days * DAY_MS, `${JSON.stringify(period)}: next rotation ${days} days after creation`);
    }
    const key = (await box.call('POST', '/v1/keys', { type: 'aes256', name: 'rotating' })).body;
    const set = await box.call('POST', '/v1/keys/rotating/rotation', { rotationPeriodDays: '30d' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.rotationPeriodDays, 30);
    const off = await box.call('POST', `/v1/keys/${key.id}/rotation`, { rotationPeriodDays: null });
    assert.equal(off.body.rotationPeriodDays, null);
  });

  it('pendingDays: "7d", "168h" and "7" schedule deletion 7 days ahead', async () => {
    for (const pendingDays of ['7d', '168h', '7']) {
      const key = (await box.call('POST', '/v1/keys', { type: 'ed25519' })).body;
      const before = Date.now();
      const res = await box.call('DELETE', `/v1/keys/${key.id}`, { pendingDays });
      assert.equal(res.status, 200, `${pendingDays}: ${JSON.stringify(res.body)}`);
      assertAhead(res.body.deletionDate, 7 * DAY_MS, before, Date.now(), `pendingDays ${pendingDays}`);
    }
  });

  it('approval.expiresAfterSeconds: "24h" on a key and "7d" on a wallet are stored as seconds', async () => {
    const key = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body;
    const rules = (expiresAfterSeconds: unknown) => ({ version: 1, approval: { required: 1, approvers: { policy: 'admin' }, expiresAfterSeconds } });
    const put = await box.call('PUT', `/v1/keys/${key.id}/transaction-rules`, rules('24h'));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.rules.approval.expiresAfterSeconds, 86_400);
    assert.equal((await box.call('GET', `/v1/keys/${key.id}/transaction-rules`)).body.rules.approval.expiresAfterSeconds, 86_400);
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'durations' })).status, 201);
    const wallet = await box.call('PUT', '/v1/wallets/durations/transaction-rules', rules('7d'));
    assert.equal(wallet.status, 200, JSON.stringify(wallet.body));
    assert.equal(wallet.body.rules.approval.expiresAfterSeconds, 7 * 86_400);
    assertInvalid(await box.call('PUT', `/v1/keys/${key.id}/transaction-rules`, rules('30s')), 'approval.expiresAfterSeconds', 'below the 60 s minimum');
    assertInvalid(await box.call('PUT', `/v1/keys/${key.id}/transaction-rules`, rules('1 day')), 'approval.expiresAfterSeconds', 'words');
  });

  it('malformed or out-of-range durations are 400 naming the field, for every field', async () => {
    const aes = (await box.call('POST', '/v1/keys', { type: 'aes256' })).body.id;
    const ed = (await box.call('POST', '/v1/keys', { type: 'ed25519' })).body.id;
    const token = (await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl: '1h' })).body.token;
    const cases: [string, string, unknown, string, string?][] = [
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: '1x' }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: '366d' }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: '0s' }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: '1.5s' }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: 1.5 }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: 1e308 }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: true }, 'ttl'],
      ['POST', '/v1/tokens', { policies: ['signer'], ttl: 'x'.repeat(1000) }, 'ttl'],
      ['POST', '/v1/tokens/self/renew', { increment: '1 hour' }, 'increment', token],
      ['POST', '/v1/tokens/self/renew', { increment: '-1h' }, 'increment', token],
      ['POST', '/v1/aws-credentials', { ttl: '1y' }, 'ttl'],
      ['POST', '/v1/keys', { type: 'aes256', rotationPeriodDays: '36h' }, 'rotationPeriodDays'],
      ['POST', '/v1/keys', { type: 'aes256', rotationPeriodDays: '3651d' }, 'rotationPeriodDays'],
      ['POST', `/v1/keys/${aes}/rotation`, { rotationPeriodDays: '1w' }, 'rotationPeriodDays'],
      ['DELETE', `/v1/keys/${ed}`, { pendingDays: '12h' }, 'pendingDays'],
      ['DELETE', `/v1/keys/${ed}`, { pendingDays: '6d' }, 'pendingDays'],
      ['DELETE', `/v1/keys/${ed}`, { pendingDays: '31d' }, 'pendingDays'],
    ];
    for (const [method, url, body, field, as] of cases) {
      assertInvalid(await box.call(method, url, body, as), field, `${method} ${url} ${JSON.stringify(body).slice(0, 80)}`);
    }
    assert.equal((await box.call('GET', `/v1/keys/${ed}`)).body.state, 'enabled', 'a refused schedule changes nothing');
  });
});
