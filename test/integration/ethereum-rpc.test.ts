/**
 * The Ethereum JSON-RPC signer without a chain node (the node-backed path is in
 * test/e2e/ethereum-rpc-node.test.ts): accounts per token, the signing methods checked with viem,
 * JSON-RPC error shapes, batches and notifications, and one audit record per call.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getAddress, recoverTransactionAddress, verifyMessage, verifyTypedData, type TransactionSerialized } from 'viem';
import { startTestBox, type TestBox } from '../helpers/app.js';

const typedData = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
    ],
    Order: [
      { name: 'maker', type: 'address' },
      { name: 'amount', type: 'uint256' },
    ],
  },
  primaryType: 'Order',
  domain: { name: 'Exchange', chainId: 1 },
  message: { maker: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', amount: '1000' },
} as const;

describe('Ethereum JSON-RPC signer (no upstream node)', () => {
  let box: TestBox;
  let a: `0x${string}`;
  let b: `0x${string}`;
  let limited: string;
  let rpcOnly: string;
  let id = 1;

  const rpc = async (method: string, params: unknown[] = [], token?: string | null) => {
    const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: id++, method, params }, token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { id: number; result?: any; error?: { code: number; message: string; data?: any } };
  };

  before(async () => {
    box = await startTestBox();
    const ka = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'rpc-a' });
    const kb = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'rpc-b' });
    await box.call('POST', '/v1/keys', { type: 'ed25519', name: 'rpc-ed' });
    a = ka.body.address;
    b = kb.body.address;
    const put = await box.call('PUT', '/v1/policies/rpc-a-only', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:name/rpc-a'] }] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    limited = (await box.call('POST', '/v1/tokens', { policies: ['rpc-a-only'], ttl: 600 })).body.token;
    rpcOnly = (await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl: 600 })).body.token;
  });
  after(() => box.cleanup());

  it('eth_accounts lists exactly the enabled secp256k1 keys the token may sign with', async () => {
    assert.deepEqual((await rpc('eth_accounts')).result, [a, b]);
    assert.deepEqual((await rpc('eth_requestAccounts', [], limited)).result, [a]);
    const kc = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'rpc-c' });
    await box.call('POST', `/v1/keys/${kc.body.id}/disable`);
    assert.deepEqual((await rpc('eth_accounts')).result, [a, b], 'a disabled key is not an account');
  });

  it('personal_sign and eth_sign: EIP-191 signatures viem verifies, for hex and UTF-8 messages', async () => {
    const text = 'Sign in to Example at 2026-11-22';
    const s1 = (await rpc('personal_sign', [text, a])).result;
    assert.equal(await verifyMessage({ address: a, message: text, signature: s1 }), true);
    const bytes = '0xdeadbeef00' as const;
    const s2 = (await rpc('personal_sign', [bytes, a.toLowerCase()])).result;
    assert.equal(await verifyMessage({ address: a, message: { raw: bytes }, signature: s2 }), true);
    const s3 = (await rpc('eth_sign', [a, bytes])).result;
    assert.equal(s3, s2, 'eth_sign(address, data) is personal_sign(data, address)');
  });

  it('eth_signTypedData_v4, with the typed data as a JSON string or an object', async () => {
    for (const form of [JSON.stringify(typedData), typedData]) {
      const sig = (await rpc('eth_signTypedData_v4', [b, form])).result;
      const { EIP712Domain: _, ...types } = typedData.types;
      assert.equal(await verifyTypedData({ address: b, domain: typedData.domain, types, primaryType: 'Order', message: { maker: typedData.message.maker, amount: 1000n }, signature: sig }), true);
    }
  });

  it('eth_signTransaction with every field given (no node needed): viem recovers the sender', async () => {
    const raw = (await rpc('eth_signTransaction', [{ from: a, to: b, value: '0xde0b6b3a7640000', gas: '0x5208', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00', nonce: '0x0', chainId: '0x1', input: '0x' }])).result as TransactionSerialized;
    assert.match(raw, /^0x02/);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), a);
    const legacy = (await rpc('eth_signTransaction', [{ from: a, to: b, value: '0x1', gas: '0x5208', gasPrice: '0x3b9aca00', nonce: '0x7', chainId: '0x38' }])).result as TransactionSerialized;
    assert.equal(await recoverTransactionAddress({ serializedTransaction: legacy }), a);
  });

  it('an account the token may not use, and an unknown one, give the same 4100 error', async () => {
    const forbidden = await rpc('personal_sign', ['hi', b], limited);
    const unknown = await rpc('personal_sign', ['hi', '0x000000000000000000000000000000000000dEaD'], limited);
    assert.equal(forbidden.error?.code, 4100);
    assert.equal(unknown.error?.code, 4100);
    assert.equal(forbidden.error?.data.code, 'PERMISSION_DENIED');
    assert.equal(forbidden.error?.message.replace(b, 'X'), unknown.error?.message.replace('0x000000000000000000000000000000000000dEaD', 'X'));
    assert.equal(forbidden.result, undefined);
  });

  it('JSON-RPC errors: bad params, unknown and never-forwarded methods, no upstream', async () => {
    assert.equal((await rpc('personal_sign', ['hi'])).error?.code, -32602);
    assert.equal((await rpc('personal_sign', ['hi', 'not-an-address'])).error?.code, -32602);
    assert.equal((await rpc('eth_signTransaction', [{ from: a, to: b, gas: '0x5208', gasPrice: '0x1', nonce: '0x0', chainId: '0x1', bogus: 1 }])).error?.data.code, 'UNKNOWN_FIELD');
    assert.equal((await rpc('eth_signTransaction', [{ from: a, to: b, gas: '0x5208', gasPrice: '0x1', nonce: '0x0' }])).error?.data.field, 'transaction.chainId');
    assert.equal((await rpc('eth_signTransaction', [{ from: a, to: b, data: '0x01', input: '0x02', gas: '0x5208', gasPrice: '0x1', nonce: '0x0', chainId: '0x1' }])).error?.code, -32602);
    assert.equal((await rpc('admin_peers')).error?.code, -32601);
    assert.equal((await rpc('personal_unlockAccount', [a, 'pw'])).error?.code, -32601, 'personal_* is never forwarded');
    assert.equal((await rpc('eth_signTypedData', [a, []])).error?.code, -32601, 'older typed-data versions are not signed or forwarded');
    const noUpstream = await rpc('eth_blockNumber');
    assert.equal(noUpstream.error?.data.code, 'UPSTREAM_NOT_CONFIGURED');
    const send = await rpc('eth_sendTransaction', [{ from: a, to: b, value: '0x1' }]);
    assert.equal(send.error?.data.code, 'UPSTREAM_NOT_CONFIGURED');
    const noPass = await rpc('eth_blockNumber', [], limited);
    assert.equal(noPass.error?.code, 4100, 'passing calls through needs ethereum:rpc');
    assert.equal((await rpc('eth_blockNumber', [], rpcOnly)).error?.data.code, 'UPSTREAM_NOT_CONFIGURED', 'the signer policy includes ethereum:rpc');
  });

  it('invalid requests, batches and notifications', async () => {
    const bad = await box.call('POST', '/v1/ethereum/rpc', { id: 1, method: 'eth_accounts' });
    assert.equal(bad.status, 400, 'not a JSON-RPC request at all: 400');
    assert.equal(bad.body.error.code, -32600);
    const noMethod = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 1 });
    assert.equal(noMethod.body.error.code, -32600);
    const objParams = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 1, method: 'personal_sign', params: { message: 'x' } });
    assert.equal(objParams.body.error.code, -32602);
    const empty = await box.call('POST', '/v1/ethereum/rpc', []);
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.code, -32600);
    const big = await box.call('POST', '/v1/ethereum/rpc', Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_accounts' })));
    assert.equal(big.body.error.code, -32600);

    const batch = await box.call('POST', '/v1/ethereum/rpc', [
      { jsonrpc: '2.0', id: 'x', method: 'eth_accounts' },
      { jsonrpc: '2.0', method: 'personal_sign', params: ['note', a] },
      { jsonrpc: '2.0', id: 'y', method: 'personal_sign', params: ['hello', a] },
      42,
    ]);
    assert.equal(batch.status, 200);
    assert.equal(batch.body.length, 3, 'the notification gets no response');
    assert.deepEqual(batch.body[0], { jsonrpc: '2.0', id: 'x', result: [a, b] });
    assert.equal(batch.body[1].id, 'y');
    assert.equal(await verifyMessage({ address: a, message: 'hello', signature: batch.body[1].result }), true);
    assert.equal(batch.body[2].error.code, -32600);

    const onlyNotifications = await box.call('POST', '/v1/ethereum/rpc', [{ jsonrpc: '2.0', method: 'eth_accounts' }]);
    assert.equal(onlyNotifications.status, 204);

    const notJson = await box.box.http.inject({ method: 'POST', url: '/v1/ethereum/rpc', headers: { authorization: `Bearer ${box.rootToken}`, 'content-type': 'application/json' }, payload: '{"jsonrpc":' });
    assert.equal(notJson.statusCode, 400);
    const noToken = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 1, method: 'eth_accounts' }, null);
    assert.equal(noToken.status, 401);
  });

  it('rules refusals are -32003 with the reason; tokens with use limits batch, each call taking a use', async () => {
    const k = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'rpc-ruled' });
    assert.equal((await box.call('PUT', '/v1/keys/rpc-ruled/transaction-rules', { version: 1, maxValuePerTransaction: '10' })).status, 200);
    const denied = await rpc('eth_signTransaction', [{ from: k.body.address, to: b, value: '0x64', gas: '0x5208', gasPrice: '0x1', nonce: '0x0', chainId: '0x1' }]);
    assert.equal(denied.error?.code, -32003);
    assert.equal(denied.error?.data.reason, 'value_exceeds_maximum');
    // The fee counts with the value: no value, but 21000 gas × 1 wei exceeds the 10-wei maximum.
    const feeOnly = await rpc('eth_signTransaction', [{ from: k.body.address, to: b, value: '0x0', gas: '0x5208', gasPrice: '0x1', nonce: '0x0', chainId: '0x1' }]);
    assert.equal(feeOnly.error?.code, -32003);
    assert.equal(feeOnly.error?.data.reason, 'value_exceeds_maximum');
    const free = await rpc('eth_signTransaction', [{ from: k.body.address, to: b, value: '0xa', gas: '0x5208', gasPrice: '0x0', nonce: '0x0', chainId: '0x1' }]);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: free.result as TransactionSerialized }), k.body.address, 'value 10 + fee 0 is within it');
    const blind = await rpc('personal_sign', ['0x01', k.body.address]);
    assert.ok(typeof blind.result === 'string', 'EIP-191 messages are not blind signing');

    const once = (await box.call('POST', '/v1/tokens', { policies: ['signer'], ttl: 600, numUses: 3 })).body.token;
    const batch = await box.call('POST', '/v1/ethereum/rpc', [{ jsonrpc: '2.0', id: 1, method: 'personal_sign', params: ['a', a] }, { jsonrpc: '2.0', id: 2, method: 'personal_sign', params: ['b', a] }], once);
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.equal(await verifyMessage({ address: a, message: 'a', signature: batch.body[0].result }), true);
    assert.equal(await verifyMessage({ address: a, message: 'b', signature: batch.body[1].result }), true);
    assert.ok(typeof (await rpc('personal_sign', ['a', a], once)).result === 'string', 'single calls still work, taking the last use');
    const spent = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 3, method: 'personal_sign', params: ['c', a] }, once);
    assert.equal(spent.status, 401, 'two calls of the batch took two uses, the single call the third');
  });

  it('each call is one audit record (ethrpc.<method>) with its outcome; signing inputs only as HMACs', async () => {
    const marker = 'audit-marker-' + Math.random().toString(36).slice(2);
    await rpc('personal_sign', [marker, a]);
    await rpc('personal_sign', [marker, b], limited);
    const res = await box.call('GET', '/v1/audit?limit=1000');
    const records = res.body.records as any[];
    const signed = records.filter((r) => r.operation === 'ethrpc.personal_sign' && r.outcome === 'success');
    const denied = records.filter((r) => r.operation === 'ethrpc.personal_sign' && r.outcome === 'denied');
    assert.ok(signed.length > 0 && denied.length > 0);
    const last = signed.at(-1)!;
    assert.equal(last.interface, 'ethrpc');
    assert.equal(last.action, 'keys:sign');
    assert.match(last.resource, /^key:[0-9a-f-]{36}$/);
    assert.match(last.inputs.params, /^[0-9a-f]{64}$/);
    assert.ok(denied.at(-1)!.reason.length > 0);
    assert.ok(!JSON.stringify(records).includes(marker), 'the message itself is not in the audit log');
    assert.equal(getAddress(a), a);
  });
});
