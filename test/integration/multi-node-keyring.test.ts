/**
 * Keyring rotation across nodes, in process: two Strongbox instances on one PostgreSQL database
 * (throwaway cluster), the periodic keyring refresh switched off so only the on-demand path acts:
 * a node that meets an envelope sealed under a term it does not know reloads the stored keyring
 * (ensureTerm → Barrier.reloadKeyring) and opens it. Then the periodic refresh alone: a node that
 * reads nothing new adopts the rotated keyring, and what it sealed under the old term meanwhile ends up
 * re-wrapped (by its own pass or the rotating node's).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { readEnvelopeHeader } from '../../src/keyring/envelope.js';
import { startTestBox, type TestBox } from '../helpers/app.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

async function join(url: string, shares: string[], keyringRefreshMs: number): Promise<TestBox> {
  const b = await startTestBox({ storage: url, bare: true, keyringRefreshMs });
  for (const share of shares) assert.equal((await b.call('POST', '/v1/sys/unseal', { share }, null)).status, 200);
  return b;
}

describe('keyring rotation seen by another node', () => {
  let cluster: PostgresCluster;
  const boxes: TestBox[] = [];
  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    for (const b of boxes) await b.stop();
    cluster?.stop();
  });

  it('on demand: a node meeting an unknown term reloads the keyring and opens the envelope', async () => {
    const url = await cluster.createDatabase('keyring');
    const a = await startTestBox({ storage: url, keyringRefreshMs: 0 });
    boxes.push(a);
    const b = await join(url, a.shares, 0);
    b.rootToken = a.rootToken;
    boxes.push(b);
    const before = b.box.ctx.barrier.activeTerm!;
    const rotated = await a.call('POST', '/v1/sys/rotate');
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(a.box.ctx.barrier.activeTerm, before + 1);
    assert.equal(b.box.ctx.barrier.activeTerm, before, 'B has not seen the rotation');

    const k = await a.call('POST', '/v1/keys', { type: 'secp256k1' });
    assert.equal(k.status, 201);
    const stored = await b.box.ctx.store.getKeyVersion(k.body.id, 1);
    assert.equal(readEnvelopeHeader(stored!.sealedMaterial).term, before + 1, 'A sealed the new key under the new term');
    const digest = '0x' + '5a'.repeat(32);
    const sig = await b.call('POST', `/v1/keys/${k.body.id}/sign`, { digest });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    assert.equal(secp256k1.verify(bytes(sig.body.signature), bytes(digest), bytes(k.body.publicKey), { prehash: false, format: 'der' }), true);
    assert.equal(b.box.ctx.barrier.activeTerm, before + 1, 'B reloaded the keyring');
  });

  it('periodic: a node that reads nothing new adopts the rotated keyring; its writes end up under the new term', async () => {
    const url = await cluster.createDatabase('keyring');
    const a = await startTestBox({ storage: url, keyringRefreshMs: 0 });
    boxes.push(a);
    const refreshMs = 100;
    const b = await join(url, a.shares, refreshMs);
    b.rootToken = a.rootToken;
    boxes.push(b);
    const before = b.box.ctx.barrier.activeTerm!;
    assert.equal((await a.call('POST', '/v1/sys/rotate')).status, 200);
    // Written by B under the old term (B has not looked yet, or is about to).
    const k = await b.call('POST', '/v1/keys', { type: 'ed25519' });
    assert.equal(k.status, 201);
    // Polled with a generous upper limit: the refresh runs every 100 ms.
    for (let i = 0; i < 100 && b.box.ctx.barrier.activeTerm === before; i++) await sleep(refreshMs);
    assert.equal(b.box.ctx.barrier.activeTerm, before + 1, 'B adopted the new term without meeting it');
    for (let i = 0; i < 100; i++) {
      const v = await a.box.ctx.store.getKeyVersion(k.body.id, 1);
      if (readEnvelopeHeader(v!.sealedMaterial).term === before + 1) break;
      await sleep(refreshMs);
    }
    const v = await a.box.ctx.store.getKeyVersion(k.body.id, 1);
    assert.equal(readEnvelopeHeader(v!.sealedMaterial).term, before + 1, `the key B wrote around the rotation is under the new term (B's re-wrap: ${JSON.stringify(b.box.ctx.rewrap.progress)}; A's: ${JSON.stringify(a.box.ctx.rewrap.progress)})`);
    assert.equal((await a.call('POST', `/v1/keys/${k.body.id}/sign`, { message: '0x01' })).status, 200);
  });
});
