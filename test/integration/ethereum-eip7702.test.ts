/**
 * EIP-7702 on a real Prague and Osaka node (test/helpers/edr.ts, Hardhat's EDR in process): a delegate
 * contract deployed from hand-assembled bytecode, an authorization signed by Strongbox (REST, then the
 * viem and ethers signers) and checked with viem's and ethers' recovery, a type-4 transaction signed by
 * Strongbox and mined, after which eth_getCode of the key's address is 0xef0100 ‖ delegate and calling
 * it runs the delegate's code. The rules: a delegate outside allowedDelegates, chain id 0, the key's
 * own authorization inside a type-4 transaction — 403 TRANSACTION_DENIED with a reason, in the audit
 * log; authorizations by other accounts pass; clearing (0x0…0) through the JSON-RPC signer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWalletClient, defineChain, http, parseTransaction, recoverTransactionAddress, type Hex, type TransactionSerialized } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { recoverAuthorizationAddress } from 'viem/utils';
import { JsonRpcProvider, Signature, verifyAuthorization } from 'ethers';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { startEdrNode, type EdrNode } from '../helpers/edr.js';
import { StrongboxClient } from '../../src/sdk/client.js';
import { toStrongboxAccount } from '../../src/sdk/viem.js';
import { StrongboxSigner } from '../../src/sdk/ethers.js';

/**
 * The delegate: runtime code PUSH1 0x42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN (returns the word 0x42 to
 * any call), deployed by init code PUSH10 <runtime> PUSH1 0 MSTORE PUSH1 10 PUSH1 22 RETURN.
 */
const RUNTIME = '604260005260206000f3';
const INIT = `0x69${RUNTIME}600052600a6016f3` as const;
const WORD_42 = `0x${'42'.padStart(64, '0')}`;
const CLEAR = '0x0000000000000000000000000000000000000000';
const OTHER_DELEGATE = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const GWEI = 10n ** 9n;
/** The sign-authorization response without its `hash` and `from`: the authorizationList entry. */
const entry = ({ hash: _hash, from: _from, ...auth }: Record<string, unknown>) => auth;

async function deploy(node: EdrNode, data: Hex): Promise<Hex> {
  const hash = await node.request<Hex>('eth_sendTransaction', [{ from: node.faucet, data, gas: '0x100000' }]);
  const receipt = await node.request<{ contractAddress: Hex; status: string }>('eth_getTransactionReceipt', [hash]);
  assert.equal(receipt.status, '0x1');
  return receipt.contractAddress;
}

async function mined(node: EdrNode, raw: string): Promise<{ status: string }> {
  const hash = await node.request<Hex>('eth_sendRawTransaction', [raw]);
  return node.request('eth_getTransactionReceipt', [hash]);
}

for (const hardfork of ['Prague', 'Osaka'] as const) {
  describe(`EIP-7702 on ${hardfork}`, () => {
    let node: EdrNode;
    let box: TestBox;
    let address: Hex;
    let delegate: Hex;
    const signAuth = (authorization: unknown, key = 'delegator') => box.call('POST', `/v1/keys/${key}/ethereum/sign-authorization`, { authorization });
    const signTx = (transaction: unknown, key = 'delegator') => box.call('POST', `/v1/keys/${key}/ethereum/sign-transaction`, { transaction });
    const nonceOf = async (a: string) => Number(BigInt(await node.request<string>('eth_getTransactionCount', [a, 'latest'])));
    const type4 = (nonce: number, authorizationList: unknown[]) => ({ type: 'eip7702', chainId: node.chainId, nonce, to: address, gas: 200000, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: GWEI.toString(), authorizationList });

    before(async () => {
      node = await startEdrNode({ hardfork });
      box = await startTestBox({ ethereumUpstream: node.url });
      const key = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'delegator' });
      address = key.body.address;
      await node.request('eth_sendTransaction', [{ from: node.faucet, to: address, value: `0x${(10n ** 19n).toString(16)}` }]);
      delegate = await deploy(node, INIT);
      assert.equal(await node.request('eth_getCode', [delegate, 'latest']), `0x${RUNTIME}`);
    });
    after(async () => {
      await box.cleanup();
      await node.close();
    });

    it('an authorization signed by Strongbox and a type-4 transaction make the account run the delegate', async () => {
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate] })).status, 200);
      const nonce = await nonceOf(address);
      // The sender's nonce is incremented before the authorization list is processed (EIP-7702): nonce + 1.
      const auth = await signAuth({ chainId: node.chainId, address: delegate, nonce: nonce + 1 });
      assert.equal(auth.status, 200, JSON.stringify(auth.body));
      const { r, s, yParity } = auth.body;
      assert.equal(await recoverAuthorizationAddress({ authorization: { chainId: node.chainId, address: delegate, nonce: nonce + 1, r, s, yParity } }), address, 'viem recovers the key');
      assert.equal(verifyAuthorization({ address: delegate, chainId: node.chainId, nonce: nonce + 1 }, Signature.from({ r, s, yParity })), address, 'ethers recovers the key');

      const signed = await signTx(type4(nonce, [entry(auth.body)]));
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      const parsed = parseTransaction(signed.body.rawTransaction as TransactionSerialized);
      assert.equal(parsed.type, 'eip7702');
      assert.equal(parsed.authorizationList?.[0]?.address.toLowerCase(), delegate.toLowerCase());
      assert.equal(await recoverTransactionAddress({ serializedTransaction: signed.body.rawTransaction }), address);
      assert.equal((await mined(node, signed.body.rawTransaction)).status, '0x1');
      assert.equal(await node.request('eth_getCode', [address, 'latest']), `0xef0100${delegate.slice(2).toLowerCase()}`);
      assert.equal(await node.request('eth_call', [{ to: address, data: '0x' }, 'latest']), WORD_42, 'the account runs the delegate code');
    });

    it('a delegate outside allowedDelegates is refused: 403 delegate_not_allowed, audited, nothing signed', async () => {
      const res = await signAuth({ chainId: node.chainId, address: OTHER_DELEGATE, nonce: 5 });
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'TRANSACTION_DENIED');
      assert.equal(res.body.reason, 'delegate_not_allowed');
      assert.equal(res.body.r, undefined);
      const record = await auditRecordOf(box, res.headers['x-request-id'] as string);
      assert.equal(record['outcome'], 'denied');
      assert.equal(record['decision']?.outcome, 'deny');
      assert.equal(record['decision']?.reason, 'delegate_not_allowed');
    });

    it('chain id 0 is refused unless allowChainIdZeroAuthorizations; clearing is always allowed', async () => {
      const zero = await signAuth({ chainId: 0, address: delegate, nonce: 9 });
      assert.equal(zero.status, 403);
      assert.equal(zero.body.reason, 'authorization_chain_id_zero');
      assert.equal((await auditRecordOf(box, zero.headers['x-request-id'] as string))['decision']?.reason, 'authorization_chain_id_zero');
      assert.equal((await signAuth({ chainId: node.chainId, address: CLEAR, nonce: 9 })).status, 200, 'clearing needs no listing');
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate], allowChainIdZeroAuthorizations: true })).status, 200);
      const allowed = await signAuth({ chainId: 0, address: delegate, nonce: 9 });
      assert.equal(allowed.status, 200);
      assert.equal(await recoverAuthorizationAddress({ authorization: { chainId: 0, address: delegate, nonce: 9, r: allowed.body.r, s: allowed.body.s, yParity: allowed.body.yParity } }), address);
    });

    it('in a type-4 transaction the key\'s own authorizations are judged; other accounts\' are not its delegations', async () => {
      // Signed while the key had no rules: a key's authorization out in the world, now carried by a transaction.
      await box.call('DELETE', '/v1/keys/delegator/transaction-rules');
      const nonce = await nonceOf(address);
      const stray = await signAuth({ chainId: node.chainId, address: OTHER_DELEGATE, nonce: nonce + 1 });
      assert.equal(stray.status, 200, 'a key without rules signs any authorization');
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate] })).status, 200);
      const denied = await signTx(type4(nonce, [entry(stray.body)]));
      assert.equal(denied.status, 403);
      assert.equal(denied.body.reason, 'delegate_not_allowed');
      assert.equal((await auditRecordOf(box, denied.headers['x-request-id'] as string))['decision']?.reason, 'delegate_not_allowed');

      // Another account's authorization to any delegate: the key sponsors it, it does not delegate the key.
      const other = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
      const foreign = await other.signAuthorization({ chainId: node.chainId, address: OTHER_DELEGATE, nonce: await nonceOf(other.address) });
      const sponsored = await signTx(type4(nonce, [{ ...foreign, v: undefined }].map(({ v: _v, ...a }) => a)));
      assert.equal(sponsored.status, 200, JSON.stringify(sponsored.body));
      assert.equal((await mined(node, sponsored.body.rawTransaction)).status, '0x1');
      assert.equal(await node.request('eth_getCode', [other.address, 'latest']), `0xef0100${OTHER_DELEGATE.slice(2).toLowerCase()}`);
      assert.equal(await node.request('eth_getCode', [address, 'latest']), `0xef0100${delegate.slice(2).toLowerCase()}`, 'the key\'s own delegation is unchanged');
    });

    it('approval.delegations holds a delegation change for approval (202), even with a value threshold', async () => {
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate], approval: { aboveValue: (10n ** 30n).toString(), required: 1, approvers: { subjects: ['alice'] }, delegations: true } })).status, 200);
      const held = await signAuth({ chainId: node.chainId, address: delegate, nonce: 42 });
      assert.equal(held.status, 202, JSON.stringify(held.body));
      assert.match(held.body.reason, /approval.delegations/);
      const plain = await signTx({ type: 'eip1559', chainId: node.chainId, nonce: 0, to: OTHER_DELEGATE, gas: 21000, maxFeePerGas: 1, maxPriorityFeePerGas: 1 });
      assert.equal(plain.status, 200, 'a transaction without delegation is not held');
      await box.call('DELETE', '/v1/keys/delegator/transaction-rules');
    });

    it('the JSON-RPC signer sends a type-4 transaction (eth_sendTransaction with authorizationList): clearing the delegation', async () => {
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate] })).status, 200);
      const nonce = await nonceOf(address);
      const clear = await signAuth({ chainId: node.chainId, address: CLEAR, nonce: nonce + 1 });
      assert.equal(clear.status, 200);
      const rpc = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 1, method: 'eth_sendTransaction', params: [{ from: address, to: address, authorizationList: [entry(clear.body)] }] });
      assert.equal(rpc.status, 200);
      assert.ok(typeof rpc.body.result === 'string', JSON.stringify(rpc.body));
      const receipt = await node.request<{ status: string }>('eth_getTransactionReceipt', [rpc.body.result]);
      assert.equal(receipt.status, '0x1');
      assert.equal(await node.request('eth_getCode', [address, 'latest']), '0x', 'the delegation is cleared');
      const refused = await box.call('POST', '/v1/ethereum/rpc', {
        jsonrpc: '2.0', id: 2, method: 'eth_signTransaction',
        params: [{ from: address, to: address, authorizationList: [(await (async () => { await box.call('DELETE', '/v1/keys/delegator/transaction-rules'); const a = await signAuth({ chainId: node.chainId, address: OTHER_DELEGATE, nonce: nonce + 2 }); await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate] }); return entry(a.body); })())] }],
      });
      assert.equal(refused.body.error?.code, -32003);
      assert.equal(refused.body.error?.data?.reason, 'delegate_not_allowed');
    });

    it('SDK: viem walletClient.signAuthorization + sendTransaction, and ethers Signer.authorize + sendTransaction', async () => {
      await box.call('DELETE', '/v1/keys/delegator/transaction-rules');
      assert.equal((await box.call('PUT', '/v1/keys/delegator/transaction-rules', { version: 1, allowedDelegates: [delegate, CLEAR] })).status, 200);
      const base = await box.box.http.listen({ port: 0, host: '127.0.0.1' });
      const client = new StrongboxClient({ addr: base, token: box.rootToken });
      const account = await toStrongboxAccount(client, 'delegator');
      const chain = defineChain({ id: node.chainId, name: 'edr', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [node.url] } } });
      const wallet = createWalletClient({ account, chain, transport: http(node.url) });
      const authorization = await wallet.signAuthorization({ account, contractAddress: delegate, executor: 'self' });
      assert.equal(await recoverAuthorizationAddress({ authorization }), address);
      const hash = await wallet.sendTransaction({ account, authorizationList: [authorization], to: address, data: '0x' });
      assert.equal((await node.request<{ status: string }>('eth_getTransactionReceipt', [hash])).status, '0x1');
      assert.equal(await node.request('eth_getCode', [address, 'latest']), `0xef0100${delegate.slice(2).toLowerCase()}`);
      await assert.rejects(wallet.signAuthorization({ account, contractAddress: OTHER_DELEGATE }), /delegate_not_allowed|not in allowedDelegates/);

      const provider = new JsonRpcProvider(node.url, node.chainId, { staticNetwork: true });
      const signer = new StrongboxSigner(client, 'delegator', provider);
      const next = await provider.getTransactionCount(address);
      const auth = await signer.authorize({ address: CLEAR, nonce: next + 1 });
      assert.equal(verifyAuthorization({ address: CLEAR, chainId: auth.chainId, nonce: auth.nonce }, auth.signature), address);
      const sent = await signer.sendTransaction({ type: 4, to: address, authorizationList: [auth] });
      assert.equal((await sent.wait())?.status, 1);
      assert.equal(await node.request('eth_getCode', [address, 'latest']), '0x');
      provider.destroy();
    });
  });
}
