/**
 * End to end: the SDK's Ethereum methods against a spawned server whose secp256k1 signing runs on
 * the worker pool (`--sign-workers 2`, so the cached signer's sign() is asynchronous). The key is
 * imported from a known private key, so viem's own local account (@noble/curves, RFC 6979) must
 * produce byte-identical signatures and raw transactions; ethers recovers the sender.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyToAccount } from 'viem/accounts';
import { Transaction } from 'ethers';
import { StrongboxApiError, StrongboxClient } from '../../src/sdk/client.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';

// anvil's first development account: a well-known, valueless private key.
const PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const account = privateKeyToAccount(PRIVATE_KEY);

describe('Ethereum signing through the SDK (pooled signer)', () => {
  let dir: string;
  let server: SpawnedServer;
  let client: StrongboxClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strongbox-e2e-eth-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn', '--sign-workers', '2']);
    const anon = new StrongboxClient({ addr: server.addr });
    const init = await anon.init({ shares: 1, threshold: 1 });
    await anon.unseal(init.shares[0]!);
    client = new StrongboxClient({ addr: server.addr, token: init.rootToken });
    const key = await client.importKey({ type: 'secp256k1', name: 'anvil0', privateKey: PRIVATE_KEY });
    assert.equal(key.address, account.address);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ethereumSignMessage equals viem signMessage', async () => {
    const res = await client.ethereumSignMessage('anvil0', { message: 'hello strongbox' });
    assert.equal(res.signature, await account.signMessage({ message: 'hello strongbox' }));
    const hex = await client.ethereumSignMessage('anvil0', { message: '0x00ff', encoding: 'hex' });
    assert.equal(hex.signature, await account.signMessage({ message: { raw: '0x00ff' } }));
  });

  it('ethereumSignTypedData equals viem signTypedData', async () => {
    const types = { Permit: [{ name: 'owner', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] } as const;
    const domain = { name: 'Token', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' } as const;
    const res = await client.ethereumSignTypedData('anvil0', { types, primaryType: 'Permit', domain, message: { owner: account.address, value: '1000000', deadline: 1700000000 } });
    const expected = await account.signTypedData({ types, primaryType: 'Permit', domain, message: { owner: account.address, value: 1000000n, deadline: 1700000000n } });
    assert.equal(res.signature, expected);
  });

  it('ethereumSignTransaction equals viem signTransaction, for each type, concurrently', async () => {
    const to = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
    const txs = [
      { request: { type: 'eip1559', chainId: 1, nonce: 5, to, value: '0xde0b6b3a7640000', gas: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }, viem: { type: 'eip1559', chainId: 1, nonce: 5, to, value: 10n ** 18n, gas: 21000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n } },
      { request: { type: 'eip2930', chainId: 1, nonce: 6, to, gas: 30000, gasPrice: 7, data: '0xabcd' }, viem: { type: 'eip2930', chainId: 1, nonce: 6, to, value: 0n, gas: 30000n, gasPrice: 7n, data: '0xabcd', accessList: [] } },
      { request: { type: 'legacy', chainId: 56, nonce: 7, to, value: 1, gas: 21000, gasPrice: '5000000000' }, viem: { type: 'legacy', chainId: 56, nonce: 7, to, value: 1n, gas: 21000n, gasPrice: 5_000_000_000n } },
    ] as const;
    const results = await Promise.all(txs.map((t) => client.ethereumSignTransaction('anvil0', t.request)));
    for (const [i, t] of txs.entries()) {
      const res = results[i]!;
      assert.equal(res.rawTransaction, await account.signTransaction(t.viem), t.request.type);
      assert.equal(res.from, account.address);
      assert.equal(Transaction.from(res.rawTransaction).from, account.address);
      assert.equal(Transaction.from(res.rawTransaction).hash, res.hash);
    }
  });

  it('a bad field comes back as StrongboxApiError naming it', async () => {
    await assert.rejects(
      client.ethereumSignTransaction('anvil0', { chainId: 1, nonce: 0, to: '0x1234', gas: 21000, maxFeePerGas: 1, maxPriorityFeePerGas: 1 }),
      (err: unknown) => err instanceof StrongboxApiError && err.status === 400 && err.field === 'transaction.to',
    );
  });
});
