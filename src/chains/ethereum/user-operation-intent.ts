/**
 * An ERC-4337 user operation as an intent for the transaction rules (policy/transaction-rules.ts): the
 * calls the account (`sender`) will make, read from `callData` in the account shapes below, each judged
 * as a transaction's call is (chains/ethereum/intent.ts addCallEffects: native value to `to`, the call by
 * selector, ERC-20 transfer/approve recipients); the factory (when the operation deploys the account) is
 * a call too, and the paymaster a destination; the fee is the most the operation can cost
 * (user-operation.ts userOperationMaxFee).
 *
 * callData read (only in canonical ABI encoding — the decoded call re-encodes to exactly the bytes given):
 * - `execute(address,uint256,bytes)` 0xb61d27f6: SimpleAccount v0.7 and v0.8, and most accounts;
 * - `executeBatch(address[],uint256[],bytes[])` 0x47e1da2a: SimpleAccount v0.7 (an empty value array means
 *   no value); `executeBatch(address[],bytes[])` 0x18dfb3c7: SimpleAccount v0.6, no value;
 * - `executeBatch((address,uint256,bytes)[])` 0x34fcd5be: SimpleAccount v0.8 (BaseAccount), Coinbase Smart Wallet;
 * - `execute(bytes32 mode,bytes executionData)` 0xe9ae5c53: ERC-7579 (Kernel v3, Safe7579, Nexus) and ERC-7821
 *   (Solady): call type 0x00 single (executionData = target ‖ uint256 value ‖ callData, packed) or 0x01 batch
 *   (abi.encode((address,uint256,bytes)[]), or with ERC-7821's mode selector 0x78210001
 *   abi.encode(calls, bytes opData)); exec type 0x00 (revert) or 0x01 (try); mode selector 0 or 0x78210001.
 *   Call type 0xff (delegatecall) is returned as `delegatecall`. A target of address(0) is read as the
 *   account itself (ERC-7821 calls address(this) for it);
 * - `delegateExecute(address,bytes)` (Solady's ERC4337) is returned as `delegatecall` too.
 *
 * Anything else — other callData, other modes, a call whose target is the account itself (it reconfigures
 * the account: owners, modules, upgrades) — is unread: `unread` says why, and the intent carries a call to
 * the account with callData's selector, so allow lists and selectors judge it as they judge calldata they do
 * not read. Keys with forbidBlindSigning refuse unread operations.
 */
import { decodeAbiParameters, decodeFunctionData, encodeAbiParameters, encodeFunctionData, parseAbi, sliceHex, type Hex } from 'viem';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { addCallEffects } from './intent.js';
import { userOperationMaxFee, type UserOperation } from './user-operation.js';

const ACCOUNT_ABI = parseAbi([
  'function execute(address dest, uint256 value, bytes func)',
  'function executeBatch(address[] dest, uint256[] value, bytes[] func)',
  'function executeBatch(address[] dest, bytes[] func)',
  'function executeBatch((address target, uint256 value, bytes data)[] calls)',
  'function execute(bytes32 mode, bytes executionData)',
  'function delegateExecute(address delegate, bytes data)',
]);
const CALLS = [{ type: 'tuple[]', components: [{ name: 'target', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'data', type: 'bytes' }] }] as const;
const CALLS_WITH_OP_DATA = [...CALLS, { type: 'bytes' }] as const;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
/** ERC-7821's mode selector for a batch with opData (`0x78210001`); 0 is ERC-7579's default. */
const ERC7821_OP_DATA = '0x78210001';

export interface AccountCall {
  to: Hex;
  value: bigint;
  data: Hex;
}

export type CallDataReading = { calls: AccountCall[] } | { unread: string } | { delegatecall: true };

/** What the account's callData makes it do, when it is one of the shapes above. */
export function readAccountCallData(callData: Hex, sender: Hex): CallDataReading {
  if (callData === '0x') return { calls: [] };
  let decoded;
  try {
    decoded = decodeFunctionData({ abi: ACCOUNT_ABI, data: callData });
    if (encodeFunctionData({ abi: ACCOUNT_ABI, functionName: decoded.functionName, args: decoded.args } as never).toLowerCase() !== callData.toLowerCase()) {
      return { unread: 'its callData is not in canonical ABI encoding' };
    }
  } catch {
    return { unread: `its callData (selector ${callData.slice(0, 10)}) is no account call Strongbox reads (execute, executeBatch, ERC-7579/7821 execute)` };
  }
  if (decoded.functionName === 'delegateExecute') return { delegatecall: true };
  if (decoded.functionName === 'execute' && decoded.args.length === 3) {
    const [to, value, data] = decoded.args;
    return { calls: [{ to, value, data }] };
  }
  if (decoded.functionName === 'executeBatch') {
    const args = decoded.args as readonly unknown[];
    if (args.length === 1) return { calls: (args[0] as readonly { target: Hex; value: bigint; data: Hex }[]).map((c) => ({ to: c.target, value: c.value, data: c.data })) };
    if (args.length === 2) {
      const [to, data] = args as [readonly Hex[], readonly Hex[]];
      if (to.length !== data.length) return { unread: 'its executeBatch arrays differ in length (the account reverts)' };
      return { calls: to.map((t, i) => ({ to: t, value: 0n, data: data[i]! })) };
    }
    const [to, value, data] = args as [readonly Hex[], readonly bigint[], readonly Hex[]];
    if (to.length !== data.length || (value.length !== 0 && value.length !== to.length)) return { unread: 'its executeBatch arrays differ in length (the account reverts)' };
    return { calls: to.map((t, i) => ({ to: t, value: value.length === 0 ? 0n : value[i]!, data: data[i]! })) };
  }
  // ERC-7579 / ERC-7821 execute(bytes32 mode, bytes executionData)
  const [mode, executionData] = decoded.args as [Hex, Hex];
  const callType = sliceHex(mode, 0, 1);
  const execType = sliceHex(mode, 1, 2);
  const modeSelector = sliceHex(mode, 6, 10);
  if (callType === '0xff') return { delegatecall: true };
  if (execType !== '0x00' && execType !== '0x01') return { unread: `its ERC-7579 exec type ${execType} is unknown` };
  if (modeSelector !== '0x00000000' && !(callType === '0x01' && modeSelector === ERC7821_OP_DATA)) return { unread: `its ERC-7579 mode selector ${modeSelector} is unknown` };
  const self = (to: Hex): Hex => (to.toLowerCase() === ZERO_ADDRESS ? sender : to);
  if (callType === '0x00') {
    if ((executionData.length - 2) / 2 < 52) return { unread: 'its ERC-7579 single execution is shorter than target and value' };
    return { calls: [{ to: self(sliceHex(executionData, 0, 20)), value: BigInt(sliceHex(executionData, 20, 52)), data: (executionData.length - 2) / 2 === 52 ? '0x' : sliceHex(executionData, 52) }] };
  }
  if (callType !== '0x01') return { unread: `its ERC-7579 call type ${callType} is not a call or a batch` };
  try {
    const params = modeSelector === ERC7821_OP_DATA ? CALLS_WITH_OP_DATA : CALLS;
    const values = decodeAbiParameters(params, executionData);
    if (encodeAbiParameters(params, values as never).toLowerCase() !== executionData.toLowerCase()) return { unread: 'its ERC-7579 batch is not in canonical ABI encoding' };
    return { calls: (values[0] as readonly { target: Hex; value: bigint; data: Hex }[]).map((c) => ({ to: self(c.target), value: c.value, data: c.data })) };
  } catch {
    return { unread: 'its ERC-7579 batch does not decode as (address,uint256,bytes)[]' };
  }
}

export interface UserOperationReading {
  intent: TransactionIntent;
  /** why the rules cannot read what the operation does, or null */
  unread: string | null;
  /** a delegatecall (ERC-7579 call type 0xff, Solady's delegateExecute): runs any code as the account */
  delegatecall: boolean;
}

/** The intent of `op` on `network` (the chain id, decimal); `field` names the operation in errors. */
export function userOperationIntent(op: UserOperation, network: string, now: Date, field = 'userOperation'): UserOperationReading {
  const intent: TransactionIntent = { chain: 'ethereum', network, transfers: [], calls: [], fee: userOperationMaxFee(op), now };
  const reading: UserOperationReading = { intent, unread: null, delegatecall: false };
  // The factory deploys the account: a call like any other (its selector, its address on the lists).
  if (op.factory !== null) addCallEffects(intent, op.factory, 0n, op.factoryData, `${field}.factoryData`);
  // A paymaster pays the gas, and may charge the account for it (token paymasters): a destination.
  if (op.paymaster !== null) intent.transfers.push({ to: op.paymaster, amount: 0n, asset: 'native' });
  const calls = readAccountCallData(op.callData, op.sender);
  if ('delegatecall' in calls) {
    reading.delegatecall = true;
    intent.calls.push({ to: op.sender, selector: op.callData.slice(0, 10) });
    return reading;
  }
  if ('unread' in calls) {
    reading.unread = calls.unread;
    intent.calls.push({ to: op.sender, selector: op.callData.slice(0, 10).toLowerCase() });
    return reading;
  }
  for (const call of calls.calls) {
    if (call.to.toLowerCase() === op.sender.toLowerCase()) reading.unread ??= 'it calls the account itself (owners, modules, upgrades), which the rules do not read';
    addCallEffects(intent, call.to.toLowerCase(), call.value, call.data, `${field}.callData`);
  }
  return reading;
}
