/**
 * ERC-4337 user operations: the userOpHash against viem's own implementation (getUserOperationHash, for
 * EntryPoint 0.7 and 0.8, with and without factory and paymaster); packing round trips; callData of each
 * account shape read into calls (built with viem's encoder), non-canonical and unknown callData unread, an
 * ERC-7579 delegatecall flagged. On-chain hashes: test/integration/transaction-rules-user-operations.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatHex, encodeAbiParameters, encodeFunctionData, erc20Abi, pad, parseAbi, toHex, type Hex } from 'viem';
import { getUserOperationHash } from 'viem/account-abstraction';
import { packUserOperation, parseUserOperation, unpackUserOperation, userOperationHash, userOperationMaxFee } from './user-operation.js';
import { readAccountCallData, userOperationIntent } from './user-operation-intent.js';
import { StrongboxError } from '../../protocol/errors.js';

const SENDER = '0x1111111111111111111111111111111111111111' as const;
const A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as const;
const B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as const;
const TOKEN = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48' as const;
const EP = '0x0000000071727De22E5E9d8BAf0edAc6f37da032' as const;
const ABI = parseAbi([
  'function execute(address dest, uint256 value, bytes func)',
  'function executeBatch(address[] dest, uint256[] value, bytes[] func)',
  'function executeBatch(address[] dest, bytes[] func)',
  'function executeBatch((address target, uint256 value, bytes data)[] calls)',
  'function execute(bytes32 mode, bytes executionData)',
  'function delegateExecute(address delegate, bytes data)',
]);
const transfer = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [B, 5n] });

function op(overrides: Record<string, unknown> = {}) {
  return parseUserOperation({
    sender: SENDER, nonce: '0x1', callData: encodeFunctionData({ abi: ABI, functionName: 'execute', args: [A, 7n, '0x'] }),
    callGasLimit: 100_000, verificationGasLimit: 200_000, preVerificationGas: 50_000, maxFeePerGas: '3000000000', maxPriorityFeePerGas: '1000000000', ...overrides,
  });
}

describe('userOpHash', () => {
  const variants: [string, Record<string, unknown>][] = [
    ['plain', {}],
    ['with factory', { factory: '0x9406Cc6185a346906296840746125a0E44976454', factoryData: '0x5fbfb9cf' + '00'.repeat(64) }],
    ['with paymaster', { paymaster: A, paymasterVerificationGasLimit: 60_000, paymasterPostOpGasLimit: 40_000, paymasterData: '0xdeadbeef' }],
    ['with paymaster, no data', { paymaster: A, paymasterVerificationGasLimit: 1, paymasterPostOpGasLimit: 2 }],
  ];
  for (const version of ['0.7', '0.8'] as const) {
    for (const [name, overrides] of variants) {
      it(`v${version} ${name}: equals viem's getUserOperationHash`, () => {
        const o = op(overrides);
        const viemOp = { ...o, factory: o.factory ?? undefined, factoryData: o.factory === null ? undefined : o.factoryData, paymaster: o.paymaster ?? undefined, paymasterData: o.paymaster === null ? undefined : o.paymasterData, paymasterVerificationGasLimit: o.paymaster === null ? undefined : o.paymasterVerificationGasLimit, paymasterPostOpGasLimit: o.paymaster === null ? undefined : o.paymasterPostOpGasLimit, signature: '0x' as Hex };
        const expected = getUserOperationHash({ chainId: 11155111, entryPointAddress: EP, entryPointVersion: version, userOperation: viemOp as never });
        assert.equal(userOperationHash(o, EP, 11155111, version), expected);
        assert.notEqual(userOperationHash(o, EP, 1, version), expected, 'the chain id is bound');
        assert.deepEqual(unpackUserOperation(packUserOperation(o), 'm'), o, 'pack/unpack round trip');
      });
    }
  }
  it('the fee bound counts every gas limit, the paymaster\'s too, at maxFeePerGas', () => {
    assert.equal(userOperationMaxFee(op({ paymaster: A, paymasterVerificationGasLimit: 60_000, paymasterPostOpGasLimit: 40_000 })), (100_000n + 200_000n + 50_000n + 60_000n + 40_000n) * 3_000_000_000n);
  });
  it('validation names the field', () => {
    const field = (o: Record<string, unknown>) => {
      try {
        op(o);
      } catch (e) {
        return (e as StrongboxError).field;
      }
      return undefined;
    };
    assert.equal(field({ callGasLimit: (2n ** 128n).toString() }), 'userOperation.callGasLimit');
    assert.equal(field({ sender: '0x12' }), 'userOperation.sender');
    assert.equal(field({ paymasterData: '0x01' }), 'userOperation.paymaster');
    assert.equal(field({ factoryData: '0x01' }), 'userOperation.factoryData');
    assert.equal(field({ initCode: '0x' }), 'userOperation.initCode');
    assert.equal(field({ maxPriorityFeePerGas: '4000000000' }), 'userOperation.maxPriorityFeePerGas');
    assert.equal(field({ factory: '0x7702000000000000000000000000000000000000' }), 'userOperation.factory');
  });
});

describe('account callData', () => {
  const single = (target: Hex, value: bigint, data: Hex) => concatHex([target, pad(toHex(value), { size: 32 }), data]);
  const batch = (calls: { target: Hex; value: bigint; data: Hex }[]) => encodeAbiParameters([{ type: 'tuple[]', components: [{ name: 'target', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' }] }], [calls]);
  const mode = (callType: string, execType = '00', selector = '00000000') => `0x${callType}${execType}00000000${selector}${'00'.repeat(22)}` as Hex;
  const cases: [string, Hex, { to: string; value: bigint; data: Hex }[]][] = [
    ['execute(address,uint256,bytes)', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [A, 7n, transfer] }), [{ to: A, value: 7n, data: transfer }]],
    ['executeBatch(address[],uint256[],bytes[])', encodeFunctionData({ abi: ABI, functionName: 'executeBatch', args: [[A, TOKEN], [1n, 0n], ['0x', transfer]] }), [{ to: A, value: 1n, data: '0x' }, { to: TOKEN, value: 0n, data: transfer }]],
    ['executeBatch with an empty value array', encodeFunctionData({ abi: ABI, functionName: 'executeBatch', args: [[A], [], ['0x12345678']] }), [{ to: A, value: 0n, data: '0x12345678' }]],
    ['executeBatch(address[],bytes[])', encodeFunctionData({ abi: ABI, functionName: 'executeBatch', args: [[A], ['0x']] }), [{ to: A, value: 0n, data: '0x' }]],
    ['executeBatch((address,uint256,bytes)[])', encodeFunctionData({ abi: ABI, functionName: 'executeBatch', args: [[{ target: A, value: 2n, data: '0x' }, { target: TOKEN, value: 0n, data: transfer }]] }), [{ to: A, value: 2n, data: '0x' }, { to: TOKEN, value: 0n, data: transfer }]],
    ['ERC-7579 single', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('00'), single(A, 3n, '0xabcdef01')] }), [{ to: A, value: 3n, data: '0xabcdef01' }]],
    ['ERC-7579 single, try', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('00', '01'), single(A, 3n, '0x')] }), [{ to: A, value: 3n, data: '0x' }]],
    ['ERC-7579 batch', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('01'), batch([{ target: A, value: 4n, data: '0x' }, { target: B, value: 5n, data: '0x' }])] }), [{ to: A, value: 4n, data: '0x' }, { to: B, value: 5n, data: '0x' }]],
    ['ERC-7821 batch with opData', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('01', '00', '78210001'), encodeAbiParameters([{ type: 'tuple[]', components: [{ name: 'target', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' }] }, { type: 'bytes' }], [[{ target: A, value: 4n, data: '0x' }], '0x1234'])] }), [{ to: A, value: 4n, data: '0x' }]],
  ];
  for (const [name, callData, calls] of cases) {
    it(`reads ${name}`, () => {
      const r = readAccountCallData(callData, SENDER);
      assert.ok('calls' in r, JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      assert.deepEqual(r.calls.map((c) => ({ ...c, to: c.to.toLowerCase() })), calls);
    });
  }
  it('an ERC-7579 delegatecall and Solady\'s delegateExecute are flagged', () => {
    assert.deepEqual(readAccountCallData(encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('ff'), single(A, 0n, '0x')] }), SENDER), { delegatecall: true });
    assert.deepEqual(readAccountCallData(encodeFunctionData({ abi: ABI, functionName: 'delegateExecute', args: [A, '0x12345678'] }), SENDER), { delegatecall: true });
  });
  it('unknown selectors, modes and non-canonical encodings are unread', () => {
    const canonical = encodeFunctionData({ abi: ABI, functionName: 'execute', args: [A, 7n, '0x'] });
    for (const [name, data] of [
      ['unknown selector', '0x12345678'],
      ['trailing bytes', `${canonical}00`],
      ['staticcall mode', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('fe'), single(A, 0n, '0x')] })],
      ['unknown mode selector', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('01', '00', '12345678'), batch([])] })],
      ['unknown exec type', encodeFunctionData({ abi: ABI, functionName: 'execute', args: [mode('00', '02'), single(A, 0n, '0x')] })],
    ] as const) {
      assert.ok('unread' in readAccountCallData(data as Hex, SENDER), name);
    }
  });
  it('the intent: transfers, ERC-20 recipients, calls, factory, paymaster, fee; a self-call is unread', () => {
    const o = op({ callData: encodeFunctionData({ abi: ABI, functionName: 'executeBatch', args: [[{ target: A, value: 2n, data: '0x' }, { target: TOKEN, value: 0n, data: transfer }]] }), factory: B, factoryData: '0x5fbfb9cf', paymaster: A, paymasterVerificationGasLimit: 1, paymasterPostOpGasLimit: 1 });
    const r = userOperationIntent(o, '1', new Date(0));
    assert.equal(r.unread, null);
    assert.equal(r.intent.network, '1');
    assert.equal(r.intent.fee, userOperationMaxFee(o));
    assert.deepEqual(r.intent.calls, [{ to: B, selector: '0x5fbfb9cf' }, { to: TOKEN, selector: '0xa9059cbb', tokenEffect: true }]);
    assert.deepEqual(r.intent.transfers.map((t) => ({ ...t, to: t.to?.toLowerCase() ?? null })), [
      { to: B, amount: 0n, asset: 'native' },
      { to: A, amount: 0n, asset: 'native' },
      { to: A, amount: 2n, asset: 'native' },
      { to: TOKEN, amount: 0n, asset: 'native' },
      { to: B, amount: 5n, asset: `token:${TOKEN}` },
    ]);
    const self = userOperationIntent(op({ callData: encodeFunctionData({ abi: ABI, functionName: 'execute', args: [SENDER, 0n, '0x12345678'] }) }), '1', new Date(0));
    assert.match(self.unread ?? '', /account itself/);
    const unknown = userOperationIntent(op({ callData: '0xdeadbeef' }), '1', new Date(0));
    assert.notEqual(unknown.unread, null);
    assert.deepEqual(unknown.intent.calls, [{ to: SENDER, selector: '0xdeadbeef' }]);
  });
});
