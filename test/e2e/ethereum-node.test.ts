/**
 * End to end against a real local Ethereum node (ganache, started by this test) and the real
 * server binary with --ethereum-upstream:
 *  - the JSON-RPC signer used by viem and ethers unmodified (only the URL and an auth header):
 *    EIP-1559 and legacy transfers sent with eth_sendTransaction are mined and the node's own
 *    sender recovery names the Strongbox address; personal_sign / EIP-712 checked with viem;
 *    concurrent sends from one address get distinct, gap-free nonces; other calls pass through;
 *    transaction rules judge the transaction as filled from the node (its gas and fees);
 *  - the SDK signers (strongbox/viem toStrongboxAccount, strongbox/ethers StrongboxSigner) talking
 *    to the node directly: deploy a small contract and send transfers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, createWalletClient, defineChain, http, parseEther, verifyMessage, verifyTypedData, type Chain } from 'viem';
import { FetchRequest, JsonRpcProvider, verifyMessage as ethersVerifyMessage } from 'ethers';
import { StrongboxClient } from 'strongbox/client';
import { toStrongboxAccount } from 'strongbox/viem';
import { StrongboxSigner } from 'strongbox/ethers';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { startLocalNode, type LocalNode } from '../helpers/ganache.js';

const TOKEN = 'ethereum-node-root-token';
const recipient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const;
/**
 * A contract whose every call returns 42: init code copies the 10-byte runtime
 * (PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN) into memory and returns it.
 */
const BYTECODE = '0x600a600c600039600a6000f3602a60005260206000f3' as const;
const FORTY_TWO = '0x' + '00'.repeat(31) + '2a';

describe('Ethereum against a local node', () => {
  let node: LocalNode;
  let server: SpawnedServer;
  let client: StrongboxClient;
  let rpcUrl: string;
  let chain: Chain;

  async function fundedKey(name: string): Promise<`0x${string}`> {
    const key = await client.createKey({ type: 'secp256k1', name });
    const address = key.address as `0x${string}`;
    await node.request('eth_sendTransaction', [{ from: node.faucet, to: address, value: '0x' + parseEther('100').toString(16) }]);
    return address;
  }

  before(async () => {
    node = await startLocalNode();
    server = await spawnServer(['--dev', '--dev-root-token', TOKEN, '--log-level', 'warn', '--ethereum-upstream', node.url]);
    client = new StrongboxClient({ addr: server.addr, token: TOKEN });
    rpcUrl = `${server.addr}/v1/ethereum/rpc`;
    chain = defineChain({ id: node.chainId, name: 'local', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  });
  after(async () => {
    await server?.stop();
    await node?.close();
  });

  describe('JSON-RPC signer', () => {
    const transport = () => http(rpcUrl, { fetchOptions: { headers: { authorization: `Bearer ${TOKEN}` } }, retryCount: 0, timeout: 60_000 });

    it('viem: EIP-1559 and legacy transfers through eth_sendTransaction are mined from the Strongbox address', async () => {
      const from = await fundedKey('viem-rpc');
      const wallet = createWalletClient({ account: from, chain, transport: transport() });
      const pub = createPublicClient({ chain, transport: transport() });
      assert.deepEqual(await wallet.getAddresses(), [from]);

      const before = await pub.getBalance({ address: recipient });
      const h1 = await wallet.sendTransaction({ to: recipient, value: parseEther('1') });
      const r1 = await pub.waitForTransactionReceipt({ hash: h1 });
      assert.equal(r1.status, 'success');
      assert.equal(r1.from, from.toLowerCase(), 'the node recovered the Strongbox address as sender');
      const t1 = await pub.getTransaction({ hash: h1 });
      assert.equal(t1.type, 'eip1559');

      const h2 = await wallet.sendTransaction({ to: recipient, value: parseEther('2'), type: 'legacy', gasPrice: 3_000_000_000n });
      const r2 = await pub.waitForTransactionReceipt({ hash: h2 });
      assert.equal(r2.status, 'success');
      assert.equal(r2.from, from.toLowerCase());
      const t2 = await pub.getTransaction({ hash: h2 });
      assert.equal(t2.type, 'legacy');
      assert.ok(t2.v === BigInt(node.chainId * 2 + 35) || t2.v === BigInt(node.chainId * 2 + 36), `EIP-155 replay protection: v = ${t2.v}`);
      assert.equal(await pub.getBalance({ address: recipient }), before + parseEther('3'));
    });

    it('viem: personal_sign and EIP-712 through the signer verify with viem', async () => {
      const from = await fundedKey('viem-sign');
      const wallet = createWalletClient({ account: from, chain, transport: transport() });
      const signature = await wallet.signMessage({ account: from, message: 'gm from strongbox' });
      assert.equal(await verifyMessage({ address: from, message: 'gm from strongbox', signature }), true);
      const domain = { name: 'Permit', version: '1', chainId: node.chainId, verifyingContract: recipient } as const;
      const types = { Permit: [{ name: 'owner', type: 'address' }, { name: 'value', type: 'uint256' }] } as const;
      const message = { owner: from, value: 10n ** 18n };
      const sig712 = await wallet.signTypedData({ account: from, domain, types, primaryType: 'Permit', message });
      assert.equal(await verifyTypedData({ address: from, domain, types, primaryType: 'Permit', message, signature: sig712 }), true);
    });

    it('ethers: JsonRpcSigner sends EIP-1559 and legacy transfers and signs messages', async () => {
      const from = await fundedKey('ethers-rpc');
      const request = new FetchRequest(rpcUrl);
      request.setHeader('authorization', `Bearer ${TOKEN}`);
      const provider = new JsonRpcProvider(request, node.chainId, { staticNetwork: true, batchMaxCount: 1 });
      try {
        const signer = await provider.getSigner(from);
        const tx1 = await signer.sendTransaction({ to: recipient, value: parseEther('0.5') });
        const r1 = await tx1.wait();
        assert.equal(r1?.status, 1);
        assert.equal(r1?.from, from);
        assert.equal(tx1.type, 2);
        const tx2 = await signer.sendTransaction({ to: recipient, value: parseEther('0.25'), type: 0, gasPrice: 2_000_000_000n });
        const r2 = await tx2.wait();
        assert.equal(r2?.status, 1);
        assert.equal(r2?.from, from);
        assert.equal(tx2.type, 0);
        const sig = await signer.signMessage('hello ethers');
        assert.equal(ethersVerifyMessage('hello ethers', sig), from);
      } finally {
        provider.destroy();
      }
    });

    it('concurrent sends from one address get distinct, consecutive nonces and all are mined', async () => {
      const from = await fundedKey('concurrent');
      const wallet = createWalletClient({ account: from, chain, transport: transport() });
      const pub = createPublicClient({ chain, transport: transport() });
      const start = await pub.getTransactionCount({ address: from, blockTag: 'pending' });
      const n = 12;
      const hashes = await Promise.all(Array.from({ length: n }, (_, i) => wallet.sendTransaction({ to: recipient, value: BigInt(i + 1) })));
      assert.equal(new Set(hashes).size, n);
      const receipts = await Promise.all(hashes.map((hash) => pub.waitForTransactionReceipt({ hash })));
      assert.ok(receipts.every((r) => r.status === 'success'));
      const nonces = (await Promise.all(hashes.map((hash) => pub.getTransaction({ hash })))).map((t) => t.nonce).sort((x, y) => x - y);
      assert.deepEqual(nonces, Array.from({ length: n }, (_, i) => start + i));
    });

    it('other methods pass through to the node; a wrong chain id is refused before signing', async () => {
      const pub = createPublicClient({ chain, transport: transport() });
      assert.equal(await pub.getChainId(), node.chainId);
      assert.equal(await pub.getBlockNumber(), BigInt(await node.request<string>('eth_blockNumber')));
      const from = await fundedKey('wrong-chain');
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendTransaction', params: [{ from, to: recipient, value: '0x1', chainId: '0x1' }] }),
      });
      const body = (await res.json()) as { error: { code: number; data: { field: string } } };
      assert.equal(body.error.code, -32602);
      assert.equal(body.error.data.field, 'transaction.chainId');
      // The node's own error for an unaffordable transaction comes back unchanged.
      const poor = (await client.createKey({ type: 'secp256k1', name: 'poor' })).address;
      const res2 = await fetch(rpcUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_sendTransaction', params: [{ from: poor, to: recipient, value: '0xde0b6b3a7640000', gas: '0x5208' }] }),
      });
      const body2 = (await res2.json()) as { error: { code: number; message: string } };
      assert.ok(body2.error.code !== 4100 && /fund|balance/i.test(body2.error.message), body2.error.message);
    });
  });

  describe('transaction rules on filled transactions', () => {
    const send = async (params: Record<string, unknown>) => {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendTransaction', params: [params] }),
      });
      return (await res.json()) as { result?: `0x${string}`; error?: { code: number; data: { reason?: string } } };
    };
    const audit = async (): Promise<any[]> => ((await (await fetch(`${server.addr}/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { records: any[] }).records;

    it('eth_sendTransaction fills gas and fees from the node before the rules judge: the filled fee counts', async () => {
      const from = await fundedKey('fee-ruled');
      const pub = createPublicClient({ chain, transport: http(node.url) });
      const put = (rules: unknown) => fetch(`${server.addr}/v1/keys/fee-ruled/transaction-rules`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(rules) });
      // Nothing in the request names gas or a fee: the node's estimate and fee market fill them, and a
      // fee cap below what they come to refuses the transaction (-32003 fee_limit_exceeded).
      assert.equal((await put({ version: 1, maxFeePerTransaction: '1000' })).status, 200);
      const refused = await send({ from, to: recipient, value: '0x1' });
      assert.equal(refused.error?.code, -32003, JSON.stringify(refused));
      assert.equal(refused.error?.data.reason, 'fee_limit_exceeded');

      assert.equal((await put({ version: 1, maxFeePerTransaction: parseEther('0.01').toString(), maxValuePerTransaction: parseEther('1').toString() })).status, 200);
      const overWithFee = await send({ from, to: recipient, value: '0x' + parseEther('1').toString(16) });
      assert.equal(overWithFee.error?.data.reason, 'value_exceeds_maximum', 'a value at the maximum is over it once the filled fee counts');
      const hash = (await send({ from, to: recipient, value: '0x' + parseEther('0.5').toString(16) })).result!;
      assert.match(hash, /^0x[0-9a-f]{64}$/);
      const mined = await pub.getTransaction({ hash });
      assert.equal((await pub.waitForTransactionReceipt({ hash })).status, 'success');
      const decision = (await audit()).filter((r) => r.operation === 'ethrpc.eth_sendTransaction' && r.decision?.outcome === 'allow').at(-1)!.decision;
      assert.equal(decision.amount, parseEther('0.5').toString());
      assert.equal(decision.fee, (mined.gas * mined.maxFeePerGas!).toString(), 'the fee judged is gas × maxFeePerGas of the transaction the node mined');
    });
  });

  describe('SDK signers against the node', () => {
    it('strongbox/viem: deploys a contract and sends a transfer', async () => {
      const from = await fundedKey('sdk-viem');
      const account = await toStrongboxAccount(client, 'sdk-viem');
      assert.equal(account.address, from);
      const direct: Chain = { ...chain, rpcUrls: { default: { http: [node.url] } } };
      const wallet = createWalletClient({ account, chain: direct, transport: http(node.url) });
      const pub = createPublicClient({ chain: direct, transport: http(node.url) });
      const deployHash = await wallet.deployContract({ abi: [], bytecode: BYTECODE });
      const deployed = await pub.waitForTransactionReceipt({ hash: deployHash });
      assert.equal(deployed.status, 'success');
      assert.equal(deployed.from, from.toLowerCase());
      assert.equal(await pub.call({ to: deployed.contractAddress! }).then((r) => r.data), FORTY_TWO);
      const hash = await wallet.sendTransaction({ to: recipient, value: 7n });
      const receipt = await pub.waitForTransactionReceipt({ hash });
      assert.equal(receipt.status, 'success');
      assert.equal(receipt.from, from.toLowerCase());
    });

    it('strongbox/ethers: deploys a contract and sends transfers', async () => {
      const from = await fundedKey('sdk-ethers');
      const provider = new JsonRpcProvider(node.url, node.chainId, { staticNetwork: true, cacheTimeout: -1 });
      try {
        const signer = new StrongboxSigner(client, 'sdk-ethers', provider);
        assert.equal(await signer.getAddress(), from);
        const deploy = await signer.sendTransaction({ data: BYTECODE });
        const deployed = await deploy.wait();
        assert.equal(deployed?.status, 1);
        assert.equal(deployed?.from, from);
        assert.equal(await provider.call({ to: deployed!.contractAddress! }), FORTY_TWO);
        const before = await provider.getBalance(recipient);
        const t1 = await signer.sendTransaction({ to: recipient, value: 11n });
        const t2 = await signer.sendTransaction({ to: recipient, value: 13n, type: 0 });
        assert.equal((await t1.wait())?.status, 1);
        assert.equal((await t2.wait())?.status, 1);
        assert.equal(await provider.getBalance(recipient), before + 24n);
      } finally {
        provider.destroy();
      }
    });
  });
});


