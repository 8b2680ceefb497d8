/**
 * The signed-request replay cache across nodes: two spawned servers on one PostgreSQL database (a
 * throwaway cluster this file starts), reached as one service name (the Host header a load balancer
 * would pass on). A request signed by the SDK's signer and accepted by one node is refused as a replay
 * by the other, in both directions; fresh signatures pass on both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { type SpawnedServer, api } from '../helpers/server.js';
import { startTwoNodes, type TwoNodes } from '../helpers/two-nodes.js';
import { rawRequest } from '../helpers/signed-requests.js';
import { createRequestSigner } from '../../src/sdk/request-signer.js';

/** The URL the application signs: the service name in front of both nodes. */
const SERVICE = 'http://strongbox.internal:8230';

describe('signed requests on two nodes sharing one PostgreSQL database', () => {
  let nodes: TwoNodes;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let token: string;
  const key = generateKeyPairSync('ed25519');
  const signer = createRequestSigner({ keyId: 'mn-app', privateKey: key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string });

  const signed = async (method: string, path: string, body?: unknown) => {
    const bytes = body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body));
    const headers = await signer.sign(method, SERVICE + path, bytes);
    return {
      method,
      path,
      ...(bytes === undefined ? {} : { body: bytes }),
      headers: { ...headers, host: new URL(SERVICE).host, authorization: `Bearer ${token}`, ...(bytes === undefined ? {} : { 'content-type': 'application/json' }) },
    };
  };

  before(async () => {
    nodes = await startTwoNodes('signedrequests');
    ({ a, b } = nodes);
    const root = nodes.root;
    const policy = await api(a.addr, 'PUT', '/v1/policies/signed-app', root, { statements: [{ effect: 'allow', actions: ['keys:*'], resources: ['*'] }], requireSignedRequests: true });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    const minted = await api(b.addr, 'POST', '/v1/tokens', root, { policies: ['signed-app'] });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    token = minted.body.token as string;
    const reg = await api(a.addr, 'POST', '/v1/auth/app-keys', root, { keyId: 'mn-app', accessor: minted.body.accessor, publicKey: key.publicKey.export({ format: 'pem', type: 'spki' }) });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
  });
  after(async () => {
    await nodes?.stop();
  });

  it('fresh signatures pass on both nodes; unsigned requests are refused on both', async () => {
    for (const s of [a, b]) {
      const res = await rawRequest(s.addr, await signed('GET', '/v1/keys?limit=1'));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const unsigned = await rawRequest(s.addr, { method: 'GET', path: '/v1/keys', headers: { authorization: `Bearer ${token}` } });
      assert.equal(unsigned.status, 401);
      assert.equal(unsigned.body.code, 'SIGNATURE_REQUIRED');
    }
  });

  it('a request accepted by node A is refused as a replay by node B, and the other way round', async () => {
    const create = await signed('POST', '/v1/keys', { type: 'ed25519' });
    assert.equal((await rawRequest(a.addr, create)).status, 201);
    const replayB = await rawRequest(b.addr, create);
    assert.equal(replayB.status, 401, JSON.stringify(replayB.body));
    assert.equal(replayB.body.code, 'SIGNATURE_REPLAYED');
    assert.equal(replayB.body.reason, 'replay');

    const read = await signed('GET', '/v1/keys?limit=5');
    assert.equal((await rawRequest(b.addr, read)).status, 200);
    const replayA = await rawRequest(a.addr, read);
    assert.equal(replayA.status, 401, JSON.stringify(replayA.body));
    assert.equal(replayA.body.code, 'SIGNATURE_REPLAYED');
  });

  it('the same request sent to both nodes at once passes exactly once', async () => {
    const create = await signed('POST', '/v1/keys', { type: 'secp256k1' });
    const results = await Promise.all([a, b, a, b].map((s) => rawRequest(s.addr, create)));
    assert.equal(results.filter((r) => r.status === 201).length, 1, JSON.stringify(results.map((r) => r.body)));
    assert.ok(results.filter((r) => r.status !== 201).every((r) => r.status === 401 && r.body.code === 'SIGNATURE_REPLAYED'));
  });
});
