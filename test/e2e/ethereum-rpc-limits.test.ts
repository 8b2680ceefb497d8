/**
 * JSON-RPC batches under token limits (issue 20), against the built server: a token's use count and
 * rate limit count calls, not requests, as REST batches count items. A batch over the limit answers
 * the calls within it and refuses just the rest, each with its own JSON-RPC error and audit record.
 * Driven with raw batch bodies and with the clients that batch on their own — viem's http transport
 * (`batch: true`) and ethers' JsonRpcProvider (batches by default) — and every signature is checked
 * with viem or ethers, not with Strongbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWalletClient, http, toHex, verifyMessage } from 'viem';
import { FetchRequest, JsonRpcProvider, verifyMessage as ethersVerifyMessage } from 'ethers';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';

const ROOT = 'ethereum-rpc-limits-root-token';

describe('JSON-RPC batches charge token limits per call', () => {
  let server: SpawnedServer;
  let rpcUrl: string;
  let address: `0x${string}`;

  /** A token for the signer policy with the given limits, and its accessor. */
  async function limitedToken(limits: { numUses?: number; rateLimit?: { perSecond: number; burst?: number } }): Promise<{ token: string; accessor: string }> {
    const res = await api(server.addr, 'POST', '/v1/tokens', ROOT, { policies: ['signer'], ttl: 600, ...limits });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { token: res.body.token, accessor: res.body.accessor ?? res.body.info?.accessor };
  }

  async function rawBatch(token: string, calls: unknown[]): Promise<{ status: number; body: any; requestId: string | null }> {
    const res = await fetch(rpcUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(calls) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text), requestId: res.headers.get('x-request-id') };
  }

  /** The audit records of one HTTP request's calls (`<request id>#<i>`), by index. */
  async function callRecords(requestId: string): Promise<Map<number, any>> {
    const res = await api(server.addr, 'GET', '/v1/audit?limit=1000', ROOT);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const out = new Map<number, any>();
    for (const r of res.body.records as any[]) {
      const m = /^(.*)#(\d+)$/.exec(r.requestId);
      if (m && m[1] === requestId) out.set(Number(m[2]), r);
    }
    return out;
  }

  const sign = (i: number, message: string) => ({ jsonrpc: '2.0', id: i, method: 'personal_sign', params: [message, address] });

  before(async () => {
    server = await spawnServer(['--dev', '--dev-root-token', ROOT, '--log-level', 'warn']);
    rpcUrl = `${server.addr}/v1/ethereum/rpc`;
    const key = await api(server.addr, 'POST', '/v1/keys', ROOT, { type: 'secp256k1', name: 'rpc-limits' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    address = key.body.address;
  });
  after(async () => {
    await server?.stop();
  });

  it('a token with 3 uses and a batch of 5 signing calls: 3 signatures, 2 refusals, uses exhausted, one audit record per call', async () => {
    const { token, accessor } = await limitedToken({ numUses: 3 });
    const messages = ['m0', 'm1', 'm2', 'm3', 'm4'];
    const res = await rawBatch(token, messages.map((m, i) => sign(i, m)));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.length, 5);
    for (let i = 0; i < 3; i++) {
      assert.equal(res.body[i].id, i);
      assert.equal(await verifyMessage({ address, message: messages[i]!, signature: res.body[i].result }), true, `call ${i} is a valid signature`);
    }
    for (let i = 3; i < 5; i++) {
      assert.equal(res.body[i].id, i);
      assert.equal(res.body[i].result, undefined);
      assert.equal(res.body[i].error.code, 4100, JSON.stringify(res.body[i]));
      assert.equal(res.body[i].error.data.code, 'TOKEN_USES_EXHAUSTED');
    }
    const info = await api(server.addr, 'GET', `/v1/tokens/${accessor}`, ROOT);
    assert.equal(info.body.numUsesLeft, 0, 'the batch spent every use');
    const next = await rawBatch(token, [sign(0, 'again')]);
    assert.equal(next.status, 401, 'the token is spent');

    const records = await callRecords(res.requestId!);
    assert.deepEqual([...records.keys()].sort(), [0, 1, 2, 3, 4], 'one audit record per call');
    for (let i = 0; i < 5; i++) {
      const r = records.get(i)!;
      assert.equal(r.operation, 'ethrpc.personal_sign');
      assert.equal(r.principal, accessor);
      assert.equal(r.outcome, i < 3 ? 'success' : 'denied', `call ${i}`);
      if (i >= 3) assert.equal(r.code, 'TOKEN_USES_EXHAUSTED');
    }
  });

  it('read-only calls count too (a batch costs what its calls would cost alone); invalid calls cost nothing', async () => {
    const { token, accessor } = await limitedToken({ numUses: 3 });
    const res = await rawBatch(token, [
      { jsonrpc: '2.0', id: 'a', method: 'eth_accounts' },
      { id: 'bad', method: 'eth_accounts' },
      sign(1, 'x'),
      sign(2, 'y'),
      { jsonrpc: '2.0', id: 'late', method: 'eth_accounts' },
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body[0], { jsonrpc: '2.0', id: 'a', result: [address] });
    assert.equal(res.body[1].error.code, -32600, 'not a JSON-RPC request: refused before running, not charged');
    assert.equal(await verifyMessage({ address, message: 'x', signature: res.body[2].result }), true);
    assert.equal(await verifyMessage({ address, message: 'y', signature: res.body[3].result }), true);
    assert.equal(res.body[4].error.data.code, 'TOKEN_USES_EXHAUSTED', 'the fourth call that runs is over the 3 uses');
    assert.equal((await api(server.addr, 'GET', `/v1/tokens/${accessor}`, ROOT)).body.numUsesLeft, 0);
  });

  it('a rate limit refuses the calls over the burst, each with -32002 RATE_LIMITED', async () => {
    // 0.01/s refills one call in 100 s: within this test the burst of 2 is all there is.
    const { token } = await limitedToken({ rateLimit: { perSecond: 0.01, burst: 2 } });
    const res = await rawBatch(token, [sign(0, 'r0'), sign(1, 'r1'), sign(2, 'r2'), sign(3, 'r3')]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await verifyMessage({ address, message: 'r0', signature: res.body[0].result }), true);
    assert.equal(await verifyMessage({ address, message: 'r1', signature: res.body[1].result }), true);
    for (const i of [2, 3]) {
      assert.equal(res.body[i].error.code, -32002, JSON.stringify(res.body[i]));
      assert.equal(res.body[i].error.data.code, 'RATE_LIMITED');
    }
    const records = await callRecords(res.requestId!);
    // RATE_LIMITED is RESOURCE_EXHAUSTED (429): an error, not a denial, as for a single request.
    assert.deepEqual([0, 1, 2, 3].map((i) => [records.get(i)?.outcome, records.get(i)?.code]), [['success', null], ['success', null], ['error', 'RATE_LIMITED'], ['error', 'RATE_LIMITED']]);
  });

  it('viem http transport with batch: true — concurrent signMessage calls go as one batch, the ones over the limit reject', async () => {
    const { token, accessor } = await limitedToken({ numUses: 3 });
    const requests: number[] = [];
    const wallet = createWalletClient({
      account: address,
      transport: http(rpcUrl, {
        batch: true,
        retryCount: 0,
        fetchOptions: { headers: { authorization: `Bearer ${token}` } },
        onFetchRequest: async (req) => void requests.push(((await req.clone().json()) as unknown[]).length),
      }),
    });
    const messages = ['v0', 'v1', 'v2', 'v3', 'v4'];
    const settled = await Promise.allSettled(messages.map((message) => wallet.signMessage({ message })));
    assert.deepEqual(requests, [5], 'viem sent the five calls as one JSON-RPC batch');
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.equal(ok.length, 3);
    assert.equal(refused.length, 2);
    for (let i = 0; i < 3; i++) {
      const s = settled[i]!;
      assert.equal(s.status, 'fulfilled', `call ${i}`);
      assert.equal(await verifyMessage({ address, message: messages[i]!, signature: (s as PromiseFulfilledResult<`0x${string}`>).value }), true);
    }
    for (const r of refused) assert.match(String((r.reason as Error).message), /no uses left/);
    assert.equal((await api(server.addr, 'GET', `/v1/tokens/${accessor}`, ROOT)).body.numUsesLeft, 0);
  });

  it('ethers JsonRpcProvider (batches by default) — the same split, signatures checked with ethers', async () => {
    const { token } = await limitedToken({ numUses: 3 });
    const request = new FetchRequest(rpcUrl);
    request.setHeader('authorization', `Bearer ${token}`);
    const sizes: number[] = [];
    request.preflightFunc = async (req) => {
      sizes.push((JSON.parse(Buffer.from(req.body!).toString('utf8')) as unknown[]).length);
      return req;
    };
    const provider = new JsonRpcProvider(request, 1, { staticNetwork: true, batchMaxCount: 10 });
    try {
      const messages = ['e0', 'e1', 'e2', 'e3', 'e4'];
      const settled = await Promise.allSettled(messages.map((m) => provider.send('personal_sign', [toHex(m), address])));
      assert.deepEqual(sizes, [5], 'ethers sent the five calls as one JSON-RPC batch');
      for (let i = 0; i < 3; i++) {
        const s = settled[i]!;
        assert.equal(s.status, 'fulfilled', `call ${i}: ${s.status === 'rejected' ? String(s.reason) : ''}`);
        assert.equal(ethersVerifyMessage(messages[i]!, (s as PromiseFulfilledResult<string>).value), address);
      }
      for (let i = 3; i < 5; i++) assert.equal(settled[i]!.status, 'rejected', `call ${i} is over the limit`);
    } finally {
      provider.destroy();
    }
  });
});
