/**
 * Several nodes on one PostgreSQL database (the real binary twice, `--storage postgres://…`, on a
 * throwaway cluster this file starts): a key created on one node signs on the other at once;
 * lifecycle changes made on one node are refused on the other within the documented staleness
 * bound (KEY_RECORD_CACHE_MS / TOKEN_CACHE_MS / POLICY_CACHE_MS — used only as the upper limit of
 * polling); a keyring rotation on one node is picked up by the other when it meets the new term;
 * both nodes write ONE audit chain that `strongbox audit verify --storage` accepts. Then the
 * kill -9 test: a mixed load across both nodes, one node SIGKILLed mid-load; every acknowledged key
 * exists, every acknowledged signature verifies (@noble/curves), every acknowledged request has its
 * audit record, the chain verifies, and the survivor answered every request sent to it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { runCliOutput } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer, api, type ApiResponse } from '../helpers/server.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { KEY_RECORD_CACHE_MS } from '../../src/storage/key-record-cache.js';
import { TOKEN_CACHE_MS } from '../../src/service/access/authenticate.js';
import { POLICY_CACHE_MS } from '../../src/service/shared/policy-cache.js';


const cli = runCliOutput;



const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

/**
 * Polls `attempt` until it is refused. Every attempt sent once `boundMs` has passed since the change
 * was acknowledged must be refused: the first such attempt ends the polling and is asserted.
 */
async function refusedWithin(boundMs: number, changedAt: number, attempt: () => Promise<ApiResponse>, expectCode: string): Promise<void> {
  for (;;) {
    const sentAt = Date.now();
    const r = await attempt();
    if (r.status >= 400) {
      assert.equal(r.body.code, expectCode, JSON.stringify(r.body));
      return;
    }
    assert.ok(sentAt - changedAt < boundMs, `still accepted ${sentAt - changedAt} ms after the change, beyond the documented bound of ${boundMs} ms`);
    await sleep(50);
  }
}

describe('two nodes on one PostgreSQL database', () => {
  let cluster: PostgresCluster;
  let url: string;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let root: string;
  const servers: SpawnedServer[] = [];
  const node = async (): Promise<SpawnedServer> => {
    const s = await spawnServer(['--storage', url, '--log-level', 'warn', '--sign-workers', '0'], { STRONGBOX_DATA_DIR: '' });
    servers.push(s);
    return s;
  };

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('multinode');
    // Both nodes start (and migrate) at the same time.
    [a, b] = await Promise.all([node(), node()]);
    const init = await api(a.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    root = init.body.rootToken as string;
    const share = init.body.shares[0] as string;
    // Seal state is per node: each is unsealed on its own.
    for (const s of [a, b]) assert.equal((await api(s.addr, 'GET', '/v1/sys/health', null)).body.sealed, true);
    assert.equal((await api(a.addr, 'POST', '/v1/sys/unseal', null, { share })).body.sealed, false);
    assert.equal((await api(b.addr, 'GET', '/v1/sys/health', null)).body.sealed, true, 'unsealing A leaves B sealed');
    assert.equal((await api(b.addr, 'POST', '/v1/sys/unseal', null, { share })).body.sealed, false);
  });
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    cluster?.stop();
  });

  it('a key created on node A signs on node B at once', async () => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'ed25519', name: 'multi-ed' });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const sig = await api(b.addr, 'POST', `/v1/keys/${k.body.id}/sign`, root, { message: '0x0102' });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    assert.equal(ed25519.verify(bytes(sig.body.signature), bytes('0x0102'), bytes(k.body.publicKey)), true);
    const byName = await api(b.addr, 'POST', '/v1/keys/multi-ed/sign', root, { message: '0x03' });
    assert.equal(byName.status, 200);
  });

  it('disable on A, token revocation on A, policy deletion on A: refused on B within the documented bound', async () => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    const sign = () => api(b.addr, 'POST', `/v1/keys/${k.body.id}/sign`, root, { digest: '0x' + '11'.repeat(32) });
    assert.equal((await sign()).status, 200, 'B signs (and caches the key record)');
    const disabled = await api(a.addr, 'POST', `/v1/keys/${k.body.id}/disable`, root);
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    await refusedWithin(KEY_RECORD_CACHE_MS, Date.now(), sign, 'KEY_DISABLED');

    const policy = await api(a.addr, 'PUT', '/v1/policies/multi-reader', root, { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    const t1 = await api(a.addr, 'POST', '/v1/tokens', root, { policies: ['multi-reader'] });
    const t2 = await api(a.addr, 'POST', '/v1/tokens', root, { policies: ['multi-reader'] });
    const read = (token: string) => () => api(b.addr, 'GET', `/v1/keys/${k.body.id}`, token);
    assert.equal((await read(t1.body.token)()).status, 200, 'B accepts token 1 (and caches it)');
    assert.equal((await read(t2.body.token)()).status, 200, 'B accepts token 2 under the policy (and caches it)');
    const revoked = await api(a.addr, 'POST', '/v1/tokens/revoke', root, { accessor: t1.body.accessor });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    await refusedWithin(TOKEN_CACHE_MS, Date.now(), read(t1.body.token), 'TOKEN_REVOKED');

    const deleted = await api(a.addr, 'DELETE', '/v1/policies/multi-reader', root);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    await refusedWithin(POLICY_CACHE_MS, Date.now(), read(t2.body.token), 'PERMISSION_DENIED');
  });

  it('a keyring rotation on A is picked up by B when B meets an envelope of the new term', async () => {
    const before = await api(b.addr, 'GET', '/v1/sys/rotate', root);
    const rotated = await api(a.addr, 'POST', '/v1/sys/rotate', root);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.activeTerm, before.body.keyringTerm + 1);
    // Sealed under the new term on A; B opens it at once (it reloads the keyring on meeting the term,
    // if its periodic refresh has not already adopted it; the in-process test separates the two paths).
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    assert.equal(k.status, 201);
    const digest = '0x' + randomBytes(32).toString('hex');
    const sig = await api(b.addr, 'POST', `/v1/keys/${k.body.id}/sign`, root, { digest });
    assert.equal(sig.status, 200, JSON.stringify(sig.body));
    assert.equal(secp256k1.verify(bytes(sig.body.signature), bytes(digest), bytes(k.body.publicKey), { prehash: false, format: 'der' }), true);
    assert.equal((await api(b.addr, 'GET', '/v1/sys/rotate', root)).body.keyringTerm, rotated.body.activeTerm, 'B uses the new keyring');
    // A key B itself creates now is sealed under the new term and opens on A.
    const mine = await api(b.addr, 'POST', '/v1/keys', root, { type: 'ed25519' });
    assert.equal((await api(a.addr, 'POST', `/v1/keys/${mine.body.id}/sign`, root, { message: '0x05' })).status, 200);
  });

  it('a daily spending limit stays exact across nodes: 40 parallel spends on A and B never sign more than the limit', async () => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    const rules = await api(a.addr, 'PUT', `/v1/keys/${k.body.id}/transaction-rules`, root, { version: 1, dailyLimit: '1000' });
    assert.equal(rules.status, 200, JSON.stringify(rules.body));
    const tx = (nonce: number) => ({ type: 'eip1559', chainId: 1, nonce, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '75', gas: 21000, maxFeePerGas: 0, maxPriorityFeePerGas: 0 }); // fee 0: each spend reserves exactly 75
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => api(i % 2 === 0 ? a.addr : b.addr, 'POST', `/v1/keys/${k.body.id}/ethereum/sign-transaction`, root, { transaction: tx(i) })));
    const signed = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    assert.ok(refused.every((r) => r.status === 403 && r.body.reason === 'daily_limit_exceeded'), JSON.stringify(refused.map((r) => r.body)));
    assert.equal(signed.length, Math.floor(1000 / 75), 'exactly floor(limit / amount) spends sign, whichever node they reach');
    assert.ok(signed.length * 75 <= 1000);
  });

  it('backup through the API is refused on PostgreSQL storage, naming pg_dump / pg_basebackup', async () => {
    const r = await api(b.addr, 'GET', '/v1/sys/backup', root);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, 'BACKUP_UNSUPPORTED');
    assert.match(r.body.detail, /pg_dump/);
    assert.match(r.body.detail, /pg_basebackup/);
  });

  it('both nodes extend one audit chain: audit verify --storage accepts it, and it holds both nodes’ requests', async () => {
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const r = await api(i % 2 === 0 ? a.addr : b.addr, 'GET', '/v1/keys?limit=1', root);
        assert.equal(r.status, 200);
        ids.push(r.requestId!);
      }),
    );
    const verify = await cli(['audit', 'verify', '--storage', url]);
    assert.equal(verify.code, 0, verify.out);
    assert.match(verify.out, /audit log intact/);
    const exported = await cli(['audit', 'export', '--storage', url]);
    assert.equal(exported.code, 0, exported.out);
    for (const id of ids) assert.ok(exported.out.includes(id), `request ${id} is in the chain`);
  });

  it('kill -9 of one node under a mixed load: nothing acknowledged is lost, the chain verifies, the survivor kept serving', async (t) => {
    const TOTAL = 300;
    const KILL_AFTER_ACKS = 100;
    const edKey = await api(a.addr, 'POST', '/v1/keys', root, { type: 'ed25519' });
    const ecKey = await api(b.addr, 'POST', '/v1/keys', root, { type: 'secp256k1' });
    const acks: { node: 'A' | 'B'; requestId: string; kind: string; keyId: string; keyType?: string; publicKey?: string; input?: string; signature?: string }[] = [];
    const survivorFailures: unknown[] = [];
    const unexpectedOnA: unknown[] = [];
    let next = 0;
    let killed = false;
    let cutOff = 0;
    let acksAtKill = 0;
    const worker = async (w: number): Promise<void> => {
      const onA = w % 2 === 0;
      while (next < TOTAL && !(onA && killed)) {
        const i = next++;
        const n = onA ? a : b;
        const label = onA ? 'A' : 'B';
        try {
          if (i % 3 === 0) {
            const type = i % 2 === 0 ? 'secp256k1' : 'ed25519';
            const r = await api(n.addr, 'POST', '/v1/keys', root, { type });
            if (r.status === 201) acks.push({ node: label, requestId: r.requestId!, kind: 'create', keyId: r.body.id, keyType: type, publicKey: r.body.publicKey });
            else (onA ? unexpectedOnA : survivorFailures).push(r);
          } else if (i % 3 === 1) {
            const message = '0x' + randomBytes(40).toString('hex');
            const r = await api(n.addr, 'POST', `/v1/keys/${edKey.body.id}/sign`, root, { message });
            if (r.status === 200) acks.push({ node: label, requestId: r.requestId!, kind: 'sign-ed25519', keyId: edKey.body.id, input: message, signature: r.body.signature });
            else (onA ? unexpectedOnA : survivorFailures).push(r);
          } else {
            const digest = '0x' + randomBytes(32).toString('hex');
            const r = await api(n.addr, 'POST', `/v1/keys/${ecKey.body.id}/sign`, root, { digest });
            if (r.status === 200) acks.push({ node: label, requestId: r.requestId!, kind: 'sign-secp256k1', keyId: ecKey.body.id, input: digest, signature: r.body.signature });
            else (onA ? unexpectedOnA : survivorFailures).push(r);
          }
        } catch (err) {
          // A connection to A cut by the kill: not acknowledged, nothing is promised about it.
          if (onA && killed) cutOff++;
          else (onA ? unexpectedOnA : survivorFailures).push(String(err));
        }
        if (!killed && acks.length >= KILL_AFTER_ACKS) {
          killed = true;
          acksAtKill = acks.length;
          a.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, w) => worker(w)));
    await a.stop('SIGKILL');
    assert.equal(a.proc.signalCode, 'SIGKILL', 'node A was killed');
    assert.ok(killed);
    assert.deepEqual(survivorFailures, [], 'node B answered every request, before and after the kill');
    assert.deepEqual(unexpectedOnA, [], 'node A failed nothing before the kill');
    assert.ok(acks.some((x) => x.node === 'A'), 'node A acknowledged requests before the kill');
    assert.equal(acks.length + cutOff, TOTAL, 'every request was either acknowledged or cut off by the kill (on A)');
    assert.ok(acks.slice(acksAtKill).filter((x) => x.node === 'B').length >= 100, 'node B carried the load after the kill');

    // Every acknowledged key exists, read through the survivor, with its public key.
    for (const x of acks.filter((y) => y.kind === 'create')) {
      const k = await api(b.addr, 'GET', `/v1/keys/${x.keyId}`, root);
      assert.equal(k.status, 200, `acknowledged key ${x.keyId} (node ${x.node}) is missing`);
      assert.equal(k.body.type, x.keyType);
      assert.equal(k.body.publicKey, x.publicKey);
    }
    const edPub = bytes(edKey.body.publicKey);
    const ecPub = bytes(ecKey.body.publicKey);
    for (const x of acks) {
      if (x.kind === 'sign-ed25519') assert.equal(ed25519.verify(bytes(x.signature!), bytes(x.input!), edPub), true, `ed25519 signature of ${x.requestId}`);
      if (x.kind === 'sign-secp256k1') assert.equal(secp256k1.verify(bytes(x.signature!), bytes(x.input!), ecPub, { prehash: false, format: 'der' }), true, `secp256k1 signature of ${x.requestId}`);
    }

    // One chain, gap-free, holding every acknowledged request exactly once.
    const verify = await cli(['audit', 'verify', '--storage', url]);
    assert.equal(verify.code, 0, `audit verify after the kill: ${verify.out}`);
    const seen = new Map<string, number>();
    let lastSeq = 0;
    let afterSeq = 0;
    for (;;) {
      const page = await api(b.addr, 'GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`, root);
      assert.equal(page.status, 200);
      for (const r of page.body.records as { seq: number; requestId: string }[]) {
        assert.equal(r.seq, lastSeq + 1, 'audit seqs are consecutive');
        lastSeq = r.seq;
        seen.set(r.requestId, (seen.get(r.requestId) ?? 0) + 1);
      }
      if (page.body.nextAfterSeq === null) break;
      afterSeq = page.body.nextAfterSeq;
    }
    const missing = acks.filter((x) => seen.get(x.requestId) !== 1);
    assert.deepEqual(missing.map((x) => `${x.node} ${x.kind} ${x.requestId}`), [], 'every acknowledged request has exactly one audit record');
    // The survivor still serves after everything.
    assert.equal((await api(b.addr, 'POST', `/v1/keys/${edKey.body.id}/sign`, root, { message: '0x01' })).status, 200);
    t.diagnostic(`acknowledged ${acks.length} (A: ${acks.filter((x) => x.node === 'A').length}, B: ${acks.filter((x) => x.node === 'B').length}); ${cutOff} cut off by the kill; chain ends at seq ${lastSeq}`);
  });
});
