/**
 * Issue 13, section 3: ERC-4337 user operations judged by the transaction rules, on a local EDR node
 * (Prague) with the EntryPoints v0.7 (@account-abstraction/contracts 0.7.0) and v0.8 (0.8.0) and their
 * SimpleAccountFactory deployed from the npm artifacts. A SimpleAccount owned by a Strongbox key is created
 * by the first user operation (factory + factoryData) and funded; each operation Strongbox signs is executed
 * by calling handleOps directly (no bundler) — the EntryPoint verifies the signature — and its userOpHash is
 * checked against the deployed EntryPoint's getUserOpHash and viem's getUserOperationHash. Refusals: 403
 * with a reason, audited, nothing signed; a held operation is approved and then executes; v0.8 operations
 * as EIP-712 typed data (sign-typed-data, eth_signTypedData_v4) are judged the same way; a v0.7
 * userOpHash through sign-message / personal_sign is blind signing.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEventLog, decodeFunctionResult, encodeFunctionData, parseAbi, parseEther, type Hex } from 'viem';
import { getUserOperationHash } from 'viem/account-abstraction';
import { startEdrNode, type EdrNode } from '../helpers/edr.js';
import { artifact, balanceOf, deploy, sendFromFaucet, type Artifact } from '../helpers/contracts.js';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { StrongboxClient } from '../../src/sdk/client.js';
import { toStrongboxUserOperationSigner } from '../../src/sdk/viem.js';

const RECIPIENT = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const;
const DENIED = '0x90F79bf6EB2c4f870365E785982E1f101E93b906' as const;
const BENEFICIARY = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' as const;
const ACCOUNT_ABI = parseAbi(['function execute(address dest, uint256 value, bytes func)', 'function executeBatch((address target, uint256 value, bytes data)[] calls)', 'function transferOwnership(address newOwner)']);

type Version = '0.7' | '0.8';
interface Deployment {
  version: Version;
  entryPoint: Artifact & { address: Hex };
  factory: Artifact & { address: Hex };
  account: Hex;
  deployed: boolean;
}

/** A user operation as viem and bundlers write it (unpacked, bigints). */
interface UserOp {
  sender: Hex;
  nonce: bigint;
  factory?: Hex;
  factoryData?: Hex;
  callData: Hex;
  callGasLimit: bigint;
  verificationGasLimit: bigint;
  preVerificationGas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  signature: Hex;
}

const wire = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
const u128 = (n: bigint) => n.toString(16).padStart(32, '0');

function pack(op: UserOp) {
  return {
    sender: op.sender,
    nonce: op.nonce,
    initCode: op.factory === undefined ? '0x' : `${op.factory}${(op.factoryData ?? '0x').slice(2)}`,
    callData: op.callData,
    accountGasLimits: `0x${u128(op.verificationGasLimit)}${u128(op.callGasLimit)}`,
    preVerificationGas: op.preVerificationGas,
    gasFees: `0x${u128(op.maxPriorityFeePerGas)}${u128(op.maxFeePerGas)}`,
    paymasterAndData: '0x',
    signature: op.signature,
  };
}

describe('ERC-4337 user operations are judged (EntryPoint v0.7 and v0.8 on a local EDR node)', () => {
  let node: EdrNode;
  let box: TestBox;
  let owner: Hex;
  let approverToken: string;
  const deployments = new Map<Version, Deployment>();
  let listening: Promise<string> | undefined;
  const listenAddr = () => (listening ??= box.box.http.listen({ port: 0, host: '127.0.0.1' }));
  let rpcId = 1;

  const setRules = async (rules: Record<string, unknown> | null) => {
    if (rules === null) return void (await box.call('DELETE', '/v1/keys/aa-owner/transaction-rules'));
    const res = await box.call('PUT', '/v1/keys/aa-owner/transaction-rules', { version: 1, ...rules });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const call = async (target: Artifact & { address: Hex }, functionName: string, args: readonly unknown[]): Promise<any> => {
    const data = encodeFunctionData({ abi: target.abi, functionName, args } as never);
    return decodeFunctionResult({ abi: target.abi, functionName, data: await node.request<Hex>('eth_call', [{ to: target.address, data }, 'latest']) } as never);
  };
  /** A fresh operation for the deployment's account: deploys it on first use. */
  const userOp = async (d: Deployment, callData: Hex): Promise<UserOp> => {
    const nonce = (await call(d.entryPoint, 'getNonce', [d.account, 0n])) as bigint;
    const block = await node.request<{ baseFeePerGas: Hex }>('eth_getBlockByNumber', ['latest', false]);
    const op: UserOp = {
      sender: d.account, nonce, callData, callGasLimit: 200_000n, verificationGasLimit: d.deployed ? 150_000n : 600_000n, preVerificationGas: 60_000n,
      maxFeePerGas: BigInt(block.baseFeePerGas) * 2n + 1_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, signature: '0x',
    };
    if (!d.deployed) {
      op.factory = d.factory.address;
      op.factoryData = encodeFunctionData({ abi: d.factory.abi, functionName: 'createAccount', args: [owner, 0n] } as never);
    }
    return op;
  };
  const transferTo = (to: Hex, value: bigint) => encodeFunctionData({ abi: ACCOUNT_ABI, functionName: 'execute', args: [to, value, '0x'] });
  const signOp = (d: Deployment, op: UserOp, extra: Record<string, unknown> = {}, token?: string) =>
    box.call('POST', '/v1/keys/aa-owner/ethereum/sign-user-operation', { userOperation: wire(op), entryPoint: d.entryPoint.address, entryPointVersion: d.version, chainId: node.chainId, ...extra }, token);
  /** handleOps([op], beneficiary) from the faucet: whether the operation ran and succeeded (UserOperationEvent.success). */
  const handleOps = async (d: Deployment, op: UserOp): Promise<boolean> => {
    const data = encodeFunctionData({ abi: d.entryPoint.abi, functionName: 'handleOps', args: [[pack(op)], BENEFICIARY] } as never);
    const receipt = await sendFromFaucet(node, { to: d.entryPoint.address, data }, true);
    if (receipt.status !== '0x1') return false;
    for (const log of receipt.logs) {
      try {
        const ev = decodeEventLog({ abi: d.entryPoint.abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] }) as unknown as { eventName: string; args: Record<string, unknown> };
        if (ev.eventName === 'UserOperationEvent') {
          d.deployed = true;
          return ev.args['success'] === true;
        }
      } catch {
        // other events (the account's, the factory's)
      }
    }
    return false;
  };
  /** The userOpHash three ways: Strongbox's answer, the deployed EntryPoint's getUserOpHash, viem's. */
  const assertHash = async (d: Deployment, op: UserOp, hash: Hex) => {
    assert.equal(hash, await call(d.entryPoint, 'getUserOpHash', [pack(op)]), 'EntryPoint.getUserOpHash');
    assert.equal(hash, getUserOperationHash({ chainId: node.chainId, entryPointAddress: d.entryPoint.address, entryPointVersion: d.version, userOperation: op as never }), 'viem getUserOperationHash');
  };

  before(async () => {
    node = await startEdrNode({ hardfork: 'Prague' });
    box = await startTestBox();
    const key = await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'aa-owner' });
    assert.equal(key.status, 201);
    owner = key.body.address;
    const approver = await box.call('POST', '/v1/tokens', { policies: ['admin'], subject: 'approver' });
    approverToken = approver.body.token;
    for (const [version, pkg] of [['0.7', '@account-abstraction/contracts-v0.7'], ['0.8', '@account-abstraction/contracts']] as const) {
      const ep = artifact(`${pkg}/artifacts/EntryPoint.json`);
      const epAddress = await deploy(node, ep);
      const fac = artifact(`${pkg}/artifacts/SimpleAccountFactory.json`);
      const facAddress = await deploy(node, fac, [epAddress]);
      const entryPoint = { ...ep, address: epAddress };
      const factory = { ...fac, address: facAddress };
      const account = (await call(factory, 'getAddress', [owner, 0n])) as Hex;
      await sendFromFaucet(node, { to: account, value: parseEther('10') });
      deployments.set(version, { version, entryPoint, factory, account, deployed: false });
    }
  });
  after(async () => {
    await box?.cleanup();
    await node?.close();
  });
  beforeEach(() => setRules(null));

  for (const version of ['0.7', '0.8'] as const) {
    it(`v${version}: an operation within the rules (deploying the account) is signed, its hash is the EntryPoint's, and handleOps executes it`, async () => {
      const d = deployments.get(version)!;
      await setRules({ forbidBlindSigning: true, maxValuePerTransaction: parseEther('1').toString(), allowedNetworks: { ethereum: [String(node.chainId)] } });
      const op = await userOp(d, transferTo(RECIPIENT, 1000n));
      const res = await signOp(d, op);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.signatureFormat, version === '0.7' ? 'eip191' : 'raw');
      await assertHash(d, op, res.body.hash);
      const audit = await auditRecordOf(box, res.headers['x-request-id'] as string);
      assert.equal(audit.decision.outcome, 'allow');
      assert.equal(audit.decision.amount, '1000');
      assert.equal(BigInt(audit.decision.fee), (op.callGasLimit + op.verificationGasLimit + op.preVerificationGas) * op.maxFeePerGas);
      const before = await balanceOf(node, RECIPIENT);
      assert.equal(await handleOps(d, { ...op, signature: res.body.signature }), true);
      assert.equal(await balanceOf(node, RECIPIENT), before + 1000n);
    });

    it(`v${version}: the other signature format is not what SimpleAccount ${version} verifies (handleOps reverts)`, async () => {
      const d = deployments.get(version)!;
      const op = await userOp(d, transferTo(RECIPIENT, 1n));
      const res = await signOp(d, op, { signatureFormat: version === '0.7' ? 'raw' : 'eip191' });
      assert.equal(res.status, 200);
      assert.equal(await handleOps(d, { ...op, signature: res.body.signature }), false);
    });
  }

  it('a denied destination stays denied: 403 TRANSACTION_DENIED with the reason, audited, nothing signed', async () => {
    const d = deployments.get('0.8')!;
    await setRules({ destinations: { deny: [DENIED] } });
    const op = await userOp(d, encodeFunctionData({ abi: ACCOUNT_ABI, functionName: 'executeBatch', args: [[{ target: RECIPIENT, value: 1n, data: '0x' }, { target: DENIED, value: 1n, data: '0x' }]] }));
    const res = await signOp(d, op);
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'TRANSACTION_DENIED');
    assert.equal(res.body.reason, 'destination_denied');
    assert.equal(res.body.signature, undefined);
    const audit = await auditRecordOf(box, res.headers['x-request-id'] as string);
    assert.equal(audit.outcome, 'denied');
    assert.equal(audit.decision.outcome, 'deny');
    assert.equal(audit.decision.reason, 'destination_denied');
  });

  it('the fee counts: the most the operation can pay, with the value, against maxValuePerTransaction', async () => {
    const d = deployments.get('0.8')!;
    const op = await userOp(d, transferTo(RECIPIENT, 1n));
    const fee = (op.callGasLimit + op.verificationGasLimit + op.preVerificationGas) * op.maxFeePerGas;
    await setRules({ maxValuePerTransaction: String(fee) });
    const res = await signOp(d, op);
    assert.equal(res.status, 403);
    assert.equal(res.body.reason, 'value_exceeds_maximum');
    assert.match(res.body.detail, new RegExp(`value 1 \\+ fee ${fee} = ${fee + 1n}`));
    await setRules({ maxValuePerTransaction: String(fee + 1n) });
    assert.equal((await signOp(d, op)).status, 200);
  });

  it('unread operations (unknown callData, a call to the account itself) are blind: refused under forbidBlindSigning, else judged by the allow lists', async () => {
    const d = deployments.get('0.8')!;
    await setRules({ forbidBlindSigning: true });
    const selfCall = encodeFunctionData({ abi: ACCOUNT_ABI, functionName: 'execute', args: [d.account, 0n, encodeFunctionData({ abi: ACCOUNT_ABI, functionName: 'transferOwnership', args: [DENIED] })] });
    for (const callData of ['0xdeadbeef', selfCall] as Hex[]) {
      const res = await signOp(d, await userOp(d, callData));
      assert.equal(res.status, 403, callData);
      assert.equal(res.body.code, 'BLIND_SIGNING_FORBIDDEN');
      assert.equal(res.body.field, 'userOperation.callData');
    }
    await setRules({ destinations: { allow: [RECIPIENT] } });
    const judged = await signOp(d, await userOp(d, '0xdeadbeef'));
    assert.equal(judged.status, 403);
    assert.equal(judged.body.reason, 'destination_not_allowed', 'the account itself is not on the allow list');
  });

  it('approval: a held operation (202) is approved, signed at the quorum, and executes', async () => {
    const d = deployments.get('0.8')!;
    await setRules({ approval: { required: 1, approvers: { subjects: ['approver'] } } });
    const op = await userOp(d, transferTo(RECIPIENT, 7n));
    const held = await signOp(d, op);
    assert.equal(held.status, 202, JSON.stringify(held.body));
    const view = await box.call('GET', `/v1/approvals/${held.body.approvalId}`);
    assert.equal(view.body.summary.transfers.find((t: { to: string }) => t.to.toLowerCase() === RECIPIENT.toLowerCase())?.amount, '7');
    const approved = await box.call('POST', `/v1/approvals/${held.body.approvalId}/approve`, undefined, approverToken);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, 'signed');
    await assertHash(d, op, approved.body.result.hash);
    const before = await balanceOf(node, RECIPIENT);
    assert.equal(await handleOps(d, { ...op, signature: approved.body.result.signature }), true);
    assert.equal(await balanceOf(node, RECIPIENT), before + 7n);
  });

  it('v0.8 as EIP-712 typed data (sign-typed-data, eth_signTypedData_v4) is judged the same way; an allowed one executes', async () => {
    const d = deployments.get('0.8')!;
    await setRules({ forbidBlindSigning: true, destinations: { deny: [DENIED] } });
    const typed = (op: UserOp) => {
      const { signature: _s, ...packed } = pack(op);
      return wire({
        domain: { name: 'ERC4337', version: '1', chainId: node.chainId, verifyingContract: d.entryPoint.address },
        types: { PackedUserOperation: [
          { name: 'sender', type: 'address' }, { name: 'nonce', type: 'uint256' }, { name: 'initCode', type: 'bytes' }, { name: 'callData', type: 'bytes' },
          { name: 'accountGasLimits', type: 'bytes32' }, { name: 'preVerificationGas', type: 'uint256' }, { name: 'gasFees', type: 'bytes32' }, { name: 'paymasterAndData', type: 'bytes' },
        ] },
        primaryType: 'PackedUserOperation',
        message: packed,
      });
    };
    const denied = await userOp(d, transferTo(DENIED, 1n));
    const rest = await box.call('POST', '/v1/keys/aa-owner/ethereum/sign-typed-data', { typedData: typed(denied) });
    assert.equal(rest.status, 403);
    assert.equal(rest.body.reason, 'destination_denied');
    const rpc = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: rpcId++, method: 'eth_signTypedData_v4', params: [owner, typed(denied)] });
    assert.equal(rpc.body.error?.code, -32003);
    assert.equal(rpc.body.error?.data?.reason, 'destination_denied');
    const blind = await box.call('POST', '/v1/keys/aa-owner/ethereum/sign-typed-data', { typedData: typed(await userOp(d, '0xdeadbeef')) });
    assert.equal(blind.status, 403);
    assert.equal(blind.body.code, 'BLIND_SIGNING_FORBIDDEN');

    const op = await userOp(d, transferTo(RECIPIENT, 3n));
    const ok = await box.call('POST', '/v1/keys/aa-owner/ethereum/sign-typed-data', { typedData: typed(op) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await assertHash(d, op, ok.body.hash);
    assert.equal(await handleOps(d, { ...op, signature: ok.body.signature }), true);
  });

  it('v0.7: the EIP-191 signature of a userOpHash executes without rules — and is blind signing under forbidBlindSigning (sign-message, personal_sign)', async () => {
    const d = deployments.get('0.7')!;
    const op = await userOp(d, transferTo(RECIPIENT, 11n));
    const hash = getUserOperationHash({ chainId: node.chainId, entryPointAddress: d.entryPoint.address, entryPointVersion: '0.7', userOperation: op as never });
    await setRules({ forbidBlindSigning: true, destinations: { deny: [RECIPIENT] } });
    const refused = await box.call('POST', '/v1/keys/aa-owner/ethereum/sign-message', { message: hash, encoding: 'hex' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'BLIND_SIGNING_FORBIDDEN');
    const rpc = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: rpcId++, method: 'personal_sign', params: [hash, owner] });
    assert.equal(rpc.body.error?.data?.code, 'BLIND_SIGNING_FORBIDDEN');
    assert.equal((await signOp(d, op)).body.reason, 'destination_denied', 'the judged route refuses it too');
    await setRules(null);
    const signed = await box.call('POST', '/v1/keys/aa-owner/ethereum/sign-message', { message: hash, encoding: 'hex' });
    assert.equal(signed.status, 200);
    assert.equal(await handleOps(d, { ...op, signature: signed.body.signature }), true, 'the gap was real: SimpleAccount v0.7 accepts it');
  });

  it('SDK: toStrongboxUserOperationSigner signs a viem UserOperation, which handleOps executes', async () => {
    const d = deployments.get('0.7')!;
    await setRules({ maxValuePerTransaction: parseEther('1').toString() });
    const client = new StrongboxClient({ addr: await listenAddr(), token: box.rootToken });
    const signer = toStrongboxUserOperationSigner(client, 'aa-owner', { entryPoint: { address: d.entryPoint.address, version: '0.7' }, chainId: node.chainId });
    const op = await userOp(d, transferTo(RECIPIENT, 13n));
    const signature = await signer.signUserOperation(op as never);
    const before = await balanceOf(node, RECIPIENT);
    assert.equal(await handleOps(d, { ...op, signature }), true);
    assert.equal(await balanceOf(node, RECIPIENT), before + 13n);
    const tooMuch = await userOp(d, transferTo(RECIPIENT, parseEther('2')));
    await assert.rejects(signer.signUserOperation(tooMuch as never), (e: any) => e.code === 'TRANSACTION_DENIED' && e.reason === 'value_exceeds_maximum');
  });
});
