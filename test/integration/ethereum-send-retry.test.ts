/**
 * eth_sendTransaction when the upstream answers "already known": a retry of a send whose answer was
 * lost signs the very same bytes, and the node already holds them. Strongbox confirms the transaction
 * by its hash and answers it as sent (so the tracker records its nonce), and passes the error on when
 * the node does not hold it. The upstream is a stub JSON-RPC server (node:http) that records calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keccak256, recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { startTestBox, type TestBox } from '../helpers/app.js';

describe('eth_sendTransaction: the upstream answers "already known"', () => {
  let box: TestBox;
  let stub: Server;
  /** what the stub answers eth_getTransactionByHash with: the transaction it holds, or nothing */
  let holds = true;
  const sent: string[] = [];

  before(async () => {
    stub = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const call = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        const reply = (result: unknown, error?: { code: number; message: string }) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, ...(error ? { error } : { result }) }));
        };
        if (call.method === 'eth_chainId') return reply('0x1');
        if (call.method === 'eth_getTransactionCount') return reply('0x0');
        if (call.method === 'eth_sendRawTransaction') {
          sent.push(call.params[0] as string);
          return reply(undefined, { code: -32000, message: 'already known' });
        }
        if (call.method === 'eth_getTransactionByHash') {
          const hash = call.params[0] as string;
          return reply(holds && sent.some((raw) => keccak256(raw as `0x${string}`) === hash) ? { hash } : null);
        }
        return reply(undefined, { code: -32601, message: `stub: ${call.method}` });
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    box = await startTestBox({ ethereumUpstream: `http://127.0.0.1:${(stub.address() as AddressInfo).port}` });
  });
  after(async () => {
    await box?.cleanup();
    await new Promise((resolve) => stub?.close(resolve));
  });

  const send = async (address: string) =>
    (
      await box.call('POST', '/v1/ethereum/rpc', {
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_sendTransaction',
        params: [{ from: address, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '0x1', gas: '0x5208', maxFeePerGas: '0x3b9aca00', maxPriorityFeePerGas: '0x1', type: '0x2' }],
      })
    ).body as { result?: string; error?: { code: number; message: string } };

  it('the node holds these very bytes: answered with their hash, which is the transaction signed by the key', async () => {
    const key = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body as { address: string };
    holds = true;
    const answer = await send(key.address);
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    const raw = sent.at(-1)! as TransactionSerialized;
    assert.equal(answer.result, keccak256(raw));
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), key.address);
  });

  it('the node does not hold them: the upstream error is passed on', async () => {
    const key = (await box.call('POST', '/v1/keys', { type: 'secp256k1' })).body as { address: string };
    holds = false;
    const answer = await send(key.address);
    assert.equal(answer.result, undefined);
    assert.match(answer.error?.message ?? '', /already known/);
  });
});
