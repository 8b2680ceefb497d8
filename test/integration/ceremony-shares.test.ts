/**
 * Quorum ceremonies cannot be disrupted without credentials (issue 14, item 7), on a real SQLite file:
 * - a forged share (format byte 0x01, the threshold byte every response reveals, random bytes) is
 *   refused at once (400 UNKNOWN_SHARE naming `share`) and leaves the progress as it was, in unseal,
 *   generate-root and rekey — the next real share still completes the quorum;
 * - a share of an older set with the same threshold (after a rekey to the same N/M) is refused the same
 *   way: rekey writes commitments for the new shares;
 * - cancelling an attempt needs its nonce or one valid share; starting a new attempt does not discard
 *   one in progress;
 * - the seal configuration holds commitments, never a share;
 * - an installation initialized before commitments existed keeps working as before (a forged share
 *   counts until the quorum fails to combine), and a rekey gives it commitments.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { SYS } from '../../src/service/shared/context.js';
import { xorDecode } from '../../src/service/sys/generate-root.js';

/** A share anyone can make: the format byte, the threshold byte, and 33 random bytes. */
const forged = (threshold: number) => '0x01' + threshold.toString(16).padStart(2, '0') + randomBytes(33).toString('hex');

function assertProblem(res: { status: number; body: any }, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  if (field !== undefined) assert.equal(res.body.field, field, JSON.stringify(res.body));
}

async function sealConfig(box: TestBox): Promise<Record<string, any>> {
  const raw = await box.box.ctx.store.getSysValue(SYS.sealConfig);
  return JSON.parse(Buffer.from(raw!).toString('utf8'));
}

/** Turns the installation into one initialized before commitments existed. */
async function dropCommitments(box: TestBox): Promise<void> {
  const { commitments: _, ...legacy } = await sealConfig(box);
  await box.box.ctx.store.putSysValues({ [SYS.sealConfig]: Buffer.from(JSON.stringify(legacy)) });
}

describe('share commitments', () => {
  let box: TestBox;
  const unseal = (share: string) => box.call('POST', '/v1/sys/unseal', { share }, null);
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
  });
  after(() => box.cleanup());

  it('the seal configuration commits to each share and holds none of them', async () => {
    const config = await sealConfig(box);
    assert.equal(config.commitments.version, 1);
    assert.match(config.commitments.salt, /^[0-9a-f]{64}$/);
    assert.equal(config.commitments.hashes.length, 3);
    for (const h of config.commitments.hashes) assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(new Set(config.commitments.hashes).size, 3);
    const text = JSON.stringify(config);
    for (const s of box.shares) {
      const body = s.slice(2);
      // No share, and no 16-byte window of one, appears in the stored configuration.
      for (let i = 0; i + 32 <= body.length; i += 8) assert.ok(!text.includes(body.slice(i, i + 32)), 'a share is not stored');
    }
  });

  it('unseal: a forged share is refused at once and does not spoil the quorum', async () => {
    assert.equal((await box.call('POST', '/v1/sys/seal')).status, 200);
    const bad = await unseal(forged(2));
    assertProblem(bad, 400, 'UNKNOWN_SHARE', 'share');
    assert.match(bad.body.detail, /progress is unchanged/);
    const one = await unseal(box.shares[0]!);
    assert.deepEqual(one.body, { sealed: true, progress: 1, threshold: 2 });
    assertProblem(await unseal(forged(2)), 400, 'UNKNOWN_SHARE', 'share');
    const two = await unseal(box.shares[2]!);
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(two.body.sealed, false, 'the forged shares neither counted nor reset the progress');
  });

  it('generate-root: a forged share leaves the progress; the next real share completes', async () => {
    const start = await box.call('POST', '/v1/sys/generate-root/attempt', undefined, null);
    const { nonce, otp } = start.body;
    assert.equal((await box.call('POST', '/v1/sys/generate-root/update', { nonce, share: box.shares[1] }, null)).body.progress, 1);
    assertProblem(await box.call('POST', '/v1/sys/generate-root/update', { nonce, share: forged(2) }, null), 400, 'UNKNOWN_SHARE', 'share');
    const done = await box.call('POST', '/v1/sys/generate-root/update', { nonce, share: box.shares[0] }, null);
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    const token = xorDecode(done.body.encodedToken, otp);
    assert.equal((await box.call('GET', '/v1/tokens/self', undefined, token)).status, 200);
  });

  it('rekey to the same N/M: forged shares are refused, new commitments are written, old shares stop at once', async () => {
    const before = await sealConfig(box);
    const start = await box.call('POST', '/v1/sys/rekey/attempt', { shares: 3, threshold: 2 }, null);
    const { nonce } = start.body;
    assert.equal((await box.call('POST', '/v1/sys/rekey/update', { nonce, share: box.shares[2] }, null)).body.progress, 1);
    assertProblem(await box.call('POST', '/v1/sys/rekey/update', { nonce, share: forged(2) }, null), 400, 'UNKNOWN_SHARE', 'share');
    const done = await box.call('POST', '/v1/sys/rekey/update', { nonce, share: box.shares[1] }, null);
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    const after = await sealConfig(box);
    assert.notEqual(after.commitments.salt, before.commitments.salt);
    assert.equal(after.commitments.hashes.length, 3);
    const old = box.shares;
    box.shares = done.body.shares;

    await box.call('POST', '/v1/sys/seal');
    // An old share has the same format and threshold byte as the new ones: only its commitment tells.
    assertProblem(await unseal(old[0]!), 400, 'UNKNOWN_SHARE', 'share');
    assert.equal((await unseal(box.shares[0]!)).body.progress, 1);
    assertProblem(await unseal(old[1]!), 400, 'UNKNOWN_SHARE', 'share');
    assert.equal((await unseal(box.shares[1]!)).body.sealed, false);
  });
});

describe('cancelling and restarting attempts', () => {
  let box: TestBox;
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
  });
  after(() => box.cleanup());

  for (const [kind, startUrl, updateUrl, startBody, notStarted] of [
    ['generate-root', '/v1/sys/generate-root/attempt', '/v1/sys/generate-root/update', undefined, 'GENERATE_ROOT_NOT_STARTED'],
    ['rekey', '/v1/sys/rekey/attempt', '/v1/sys/rekey/update', { shares: 3, threshold: 2 }, 'REKEY_NOT_STARTED'],
  ] as const) {
    it(`${kind}: DELETE without a credential, with a wrong nonce or with a forged share cancels nothing`, async () => {
      const { nonce } = (await box.call('POST', startUrl, startBody, null)).body;
      assert.equal((await box.call('POST', updateUrl, { nonce, share: box.shares[0] }, null)).body.progress, 1);
      assertProblem(await box.call('DELETE', startUrl, undefined, null), 400, 'INVALID_ARGUMENT', 'nonce');
      assertProblem(await box.call('DELETE', startUrl, {}, null), 400, 'INVALID_ARGUMENT', 'nonce');
      assertProblem(await box.call('DELETE', startUrl, { nonce: 'f'.repeat(32) }, null), 409, notStarted, 'nonce');
      assertProblem(await box.call('DELETE', startUrl, { share: forged(2) }, null), 400, 'UNKNOWN_SHARE', 'share');
      assertProblem(await box.call('DELETE', startUrl, { share: '0x01' }, null), 400, 'INVALID_ARGUMENT', 'share');
      // Nor does starting another attempt replace it.
      assertProblem(await box.call('POST', startUrl, startBody, null), 409, 'ATTEMPT_IN_PROGRESS');
      // The attempt is intact: its progress counts, and the nonce cancels it.
      const two = await box.call('POST', updateUrl, { nonce, share: box.shares[0] }, null);
      assert.equal(two.body.progress, 1, 'a duplicate share is not counted twice, and the first one is still there');
      assert.deepEqual((await box.call('DELETE', startUrl, { nonce }, null)).body, { started: false });
      assertProblem(await box.call('POST', updateUrl, { nonce, share: box.shares[1] }, null), 409, notStarted, 'nonce');
    });

    it(`${kind}: any custodian's valid share cancels (the nonce was lost), and a new attempt can start`, async () => {
      const { nonce } = (await box.call('POST', startUrl, startBody, null)).body;
      assert.equal((await box.call('POST', updateUrl, { nonce, share: box.shares[0] }, null)).body.progress, 1);
      assert.deepEqual((await box.call('DELETE', startUrl, { share: box.shares[2] }, null)).body, { started: false });
      assertProblem(await box.call('POST', updateUrl, { nonce, share: box.shares[1] }, null), 409, notStarted, 'nonce');
      const again = await box.call('POST', startUrl, startBody, null);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal((await box.call('POST', updateUrl, { nonce: again.body.nonce, share: box.shares[1] }, null)).body.progress, 1, 'the new attempt starts from nothing');
      assert.deepEqual((await box.call('DELETE', startUrl, { nonce: again.body.nonce }, null)).body, { started: false });
    });
  }

  it('with nothing in progress, DELETE answers started: false and still needs a credential', async () => {
    assert.deepEqual((await box.call('DELETE', '/v1/sys/rekey/attempt', { nonce: 'x' }, null)).body, { started: false });
    assertProblem(await box.call('DELETE', '/v1/sys/rekey/attempt', undefined, null), 400, 'INVALID_ARGUMENT', 'nonce');
    assertProblem(await box.call('DELETE', '/v1/sys/generate-root/attempt', { share: 'zz' }, null), 400, 'INVALID_ARGUMENT', 'share');
    assertProblem(await box.call('DELETE', '/v1/sys/ceremony/attempt', {}, null), 400, 'INVALID_ARGUMENT', 'nonce');
  });
});

describe('installations initialized before share commitments', () => {
  let box: TestBox;
  const unseal = (share: string) => box.call('POST', '/v1/sys/unseal', { share }, null);
  before(async () => {
    box = await startTestBox({ shares: 3, threshold: 2 });
    await dropCommitments(box);
    await box.call('POST', '/v1/sys/seal');
  });
  after(() => box.cleanup());

  it('unseal as before: real shares unseal; a forged share counts until the quorum fails to combine', async () => {
    assert.deepEqual((await unseal(forged(2))).body, { sealed: true, progress: 1, threshold: 2 });
    assertProblem(await unseal(box.shares[0]!), 400, 'UNSEAL_FAILED', 'share');
    assert.equal((await unseal(box.shares[0]!)).body.progress, 1, 'progress was reset');
    assert.equal((await unseal(box.shares[1]!)).body.sealed, false);
  });

  it('a structurally valid share cancels an attempt, as anyone could before', async () => {
    const { nonce } = (await box.call('POST', '/v1/sys/generate-root/attempt', undefined, null)).body;
    assertProblem(await box.call('DELETE', '/v1/sys/generate-root/attempt', { share: forged(3) }, null), 400, 'INVALID_SHARE', 'share');
    assert.deepEqual((await box.call('DELETE', '/v1/sys/generate-root/attempt', { share: forged(2) }, null)).body, { started: false });
    assertProblem(await box.call('POST', '/v1/sys/generate-root/update', { nonce, share: box.shares[0] }, null), 409, 'GENERATE_ROOT_NOT_STARTED', 'nonce');
  });

  it('a rekey gives the installation commitments', async () => {
    assert.equal((await sealConfig(box)).commitments, undefined);
    const { nonce } = (await box.call('POST', '/v1/sys/rekey/attempt', { shares: 3, threshold: 2 }, null)).body;
    await box.call('POST', '/v1/sys/rekey/update', { nonce, share: box.shares[0] }, null);
    const done = await box.call('POST', '/v1/sys/rekey/update', { nonce, share: box.shares[2] }, null);
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    assert.equal((await sealConfig(box)).commitments.hashes.length, 3);
    await box.call('POST', '/v1/sys/seal');
    assertProblem(await unseal(forged(2)), 400, 'UNKNOWN_SHARE', 'share');
    assert.equal((await unseal(done.body.shares[0])).body.progress, 1);
    assert.equal((await unseal(done.body.shares[1])).body.sealed, false);
  });
});
