/**
 * ERC-4337 user operations (https://eips.ethereum.org/EIPS/eip-4337) for EntryPoint v0.7 and v0.8:
 * validation of the unpacked operation (the fields viem's `UserOperation` and bundlers' JSON-RPC use),
 * packing into the `PackedUserOperation` the EntryPoint hashes, and the userOpHash:
 *
 * - v0.7 (EntryPoint.sol 0.7.0 `getUserOpHash`, UserOperationLib `encode`):
 *   keccak256(abi.encode(keccak256(abi.encode(sender, nonce, keccak256(initCode), keccak256(callData),
 *   accountGasLimits, preVerificationGas, gasFees, keccak256(paymasterAndData))), entryPoint, chainId));
 * - v0.8 (EntryPoint.sol 0.8.0: EIP-712, domain {name "ERC4337", version "1", chainId, verifyingContract
 *   entryPoint}, struct `PackedUserOperation(address sender,uint256 nonce,bytes initCode,bytes callData,
 *   bytes32 accountGasLimits,uint256 preVerificationGas,bytes32 gasFees,bytes paymasterAndData)`).
 *
 * Packing (UserOperationLib): initCode = factory ‖ factoryData (empty without a factory);
 * accountGasLimits = verificationGasLimit (high 128 bits) ‖ callGasLimit (low 128); gasFees =
 * maxPriorityFeePerGas (high) ‖ maxFeePerGas (low); paymasterAndData = paymaster ‖
 * uint128 paymasterVerificationGasLimit ‖ uint128 paymasterPostOpGasLimit ‖ paymasterData.
 * Hashing uses viem's ABI encoder, keccak256 and EIP-712 hasher; tests compare the result with viem's
 * getUserOperationHash and with the deployed EntryPoints' getUserOpHash.
 *
 * Not accepted: v0.8's EIP-7702 initCode marker (factory 0x7702 padded to 20 bytes), whose hash
 * depends on the sender's delegation — Strongbox would have to read chain state to compute it.
 */
import { concatHex, encodeAbiParameters, keccak256, pad, sliceHex, toHex, type Hex } from 'viem';
import { hashTypedData } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { assertKnownKeys, assertObject, parseAddress, parseHexData, parseQuantity, UINT256_MAX } from './fields.js';

export type EntryPointVersion = '0.7' | '0.8';
export const ENTRY_POINT_VERSIONS: readonly EntryPointVersion[] = ['0.7', '0.8'];

export interface UserOperation {
  sender: Hex;
  nonce: bigint;
  factory: Hex | null;
  factoryData: Hex;
  callData: Hex;
  callGasLimit: bigint;
  verificationGasLimit: bigint;
  preVerificationGas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  paymaster: Hex | null;
  paymasterVerificationGasLimit: bigint;
  paymasterPostOpGasLimit: bigint;
  paymasterData: Hex;
}

export interface PackedUserOperation {
  sender: Hex;
  nonce: bigint;
  initCode: Hex;
  callData: Hex;
  accountGasLimits: Hex;
  preVerificationGas: bigint;
  gasFees: Hex;
  paymasterAndData: Hex;
}

const UINT128_MAX = 2n ** 128n - 1n;
const MAX_DATA_BYTES = 256 * 1024;
/** EntryPoint v0.8 Eip7702Support: an initCode starting with this (padded) address means "sender is a 7702 account". */
const EIP7702_MARKER = '0x7702000000000000000000000000000000000000';

const FIELDS = [
  'sender', 'nonce', 'factory', 'factoryData', 'callData', 'callGasLimit', 'verificationGasLimit', 'preVerificationGas', 'maxFeePerGas', 'maxPriorityFeePerGas',
  'paymaster', 'paymasterVerificationGasLimit', 'paymasterPostOpGasLimit', 'paymasterData', 'signature',
] as const;

/**
 * Validates an unpacked user operation, naming each field (`userOperation.callGasLimit`). Gas limits and
 * fees are uint128 (they are packed into 128-bit halves); `signature` is accepted and ignored (bundler
 * tooling sends a dummy one); `factory`/`paymaster` null or absent mean none.
 */
export function parseUserOperation(value: unknown, field = 'userOperation'): UserOperation {
  assertObject(value, field);
  assertKnownKeys(value, FIELDS, field);
  const f = (name: string) => `${field}.${name}`;
  const gas = (name: string, required: boolean, max = UINT128_MAX): bigint => {
    if (value[name] === undefined || value[name] === null) {
      if (required) throw new StrongboxError('INVALID_ARGUMENT', `${f(name)} is required`, { field: f(name) });
      return 0n;
    }
    return parseQuantity(value[name], f(name), max);
  };
  const data = (name: string): Hex => (value[name] === undefined || value[name] === null ? '0x' : parseHexData(value[name], f(name), { maxBytes: MAX_DATA_BYTES }));
  const optionalAddress = (name: string): Hex | null => (value[name] === undefined || value[name] === null ? null : (parseAddress(value[name], f(name)).toLowerCase() as Hex));
  if (value['sender'] === undefined) throw new StrongboxError('INVALID_ARGUMENT', `${f('sender')} is required`, { field: f('sender') });
  if (value['nonce'] === undefined) throw new StrongboxError('INVALID_ARGUMENT', `${f('nonce')} is required`, { field: f('nonce') });
  if (value['callData'] === undefined) throw new StrongboxError('INVALID_ARGUMENT', `${f('callData')} is required (0x for none)`, { field: f('callData') });
  if (value['signature'] !== undefined) parseHexData(value['signature'], f('signature'), { maxBytes: MAX_DATA_BYTES });
  const op: UserOperation = {
    sender: parseAddress(value['sender'], f('sender')).toLowerCase() as Hex,
    nonce: parseQuantity(value['nonce'], f('nonce')),
    factory: optionalAddress('factory'),
    factoryData: data('factoryData'),
    callData: data('callData'),
    callGasLimit: gas('callGasLimit', true),
    verificationGasLimit: gas('verificationGasLimit', true),
    preVerificationGas: gas('preVerificationGas', true, UINT256_MAX),
    maxFeePerGas: gas('maxFeePerGas', true),
    maxPriorityFeePerGas: gas('maxPriorityFeePerGas', true),
    paymaster: optionalAddress('paymaster'),
    paymasterVerificationGasLimit: gas('paymasterVerificationGasLimit', false),
    paymasterPostOpGasLimit: gas('paymasterPostOpGasLimit', false),
    paymasterData: data('paymasterData'),
  };
  if (op.factory === null && op.factoryData !== '0x') throw new StrongboxError('INVALID_ARGUMENT', `${f('factoryData')} needs ${f('factory')}`, { field: f('factoryData') });
  if (op.factory === EIP7702_MARKER) throw new StrongboxError('UNSUPPORTED_OPERATION', `${f('factory')} is the EIP-7702 marker: the hash of such an operation depends on the sender's delegation, which Strongbox does not read`, { field: f('factory') });
  if (op.paymaster === null && (op.paymasterData !== '0x' || op.paymasterVerificationGasLimit !== 0n || op.paymasterPostOpGasLimit !== 0n)) {
    throw new StrongboxError('INVALID_ARGUMENT', `${f('paymaster')} is required with paymaster gas limits or paymasterData`, { field: f('paymaster') });
  }
  if (op.maxPriorityFeePerGas > op.maxFeePerGas) throw new StrongboxError('INVALID_ARGUMENT', `${f('maxPriorityFeePerGas')} must not exceed maxFeePerGas`, { field: f('maxPriorityFeePerGas') });
  return op;
}

const u128 = (n: bigint): Hex => pad(toHex(n), { size: 16 });

export function packUserOperation(op: UserOperation): PackedUserOperation {
  return {
    sender: op.sender,
    nonce: op.nonce,
    initCode: op.factory === null ? '0x' : concatHex([op.factory, op.factoryData]),
    callData: op.callData,
    accountGasLimits: concatHex([u128(op.verificationGasLimit), u128(op.callGasLimit)]),
    preVerificationGas: op.preVerificationGas,
    gasFees: concatHex([u128(op.maxPriorityFeePerGas), u128(op.maxFeePerGas)]),
    paymasterAndData: op.paymaster === null ? '0x' : concatHex([op.paymaster, u128(op.paymasterVerificationGasLimit), u128(op.paymasterPostOpGasLimit), op.paymasterData]),
  };
}

/** The packed form read back (a v0.8 operation arriving as EIP-712 typed data); `field` names the message. */
export function unpackUserOperation(p: PackedUserOperation, field: string): UserOperation {
  const size = (hex: Hex) => (hex.length - 2) / 2;
  const bad = (name: string, why: string) => new StrongboxError('INVALID_ARGUMENT', `${field}.${name} ${why}`, { field: `${field}.${name}` });
  if (size(p.initCode) !== 0 && size(p.initCode) < 20) throw bad('initCode', 'must be empty or start with a 20-byte factory address');
  if (size(p.paymasterAndData) !== 0 && size(p.paymasterAndData) < 52) throw bad('paymasterAndData', 'must be empty or hold a paymaster address and two 16-byte gas limits');
  const hi = (b: Hex) => BigInt(sliceHex(b, 0, 16));
  const lo = (b: Hex) => BigInt(sliceHex(b, 16, 32));
  const factory = size(p.initCode) === 0 ? null : (sliceHex(p.initCode, 0, 20).toLowerCase() as Hex);
  if (factory === EIP7702_MARKER) throw new StrongboxError('UNSUPPORTED_OPERATION', `${field}.initCode starts with the EIP-7702 marker: the hash of such an operation depends on the sender's delegation, which Strongbox does not read`, { field: `${field}.initCode` });
  const paymaster = size(p.paymasterAndData) === 0 ? null : (sliceHex(p.paymasterAndData, 0, 20).toLowerCase() as Hex);
  return {
    sender: p.sender.toLowerCase() as Hex,
    nonce: p.nonce,
    factory,
    factoryData: factory === null ? '0x' : (size(p.initCode) === 20 ? '0x' : sliceHex(p.initCode, 20)),
    callData: p.callData,
    callGasLimit: lo(p.accountGasLimits),
    verificationGasLimit: hi(p.accountGasLimits),
    preVerificationGas: p.preVerificationGas,
    maxFeePerGas: lo(p.gasFees),
    maxPriorityFeePerGas: hi(p.gasFees),
    paymaster,
    paymasterVerificationGasLimit: paymaster === null ? 0n : BigInt(sliceHex(p.paymasterAndData, 20, 36)),
    paymasterPostOpGasLimit: paymaster === null ? 0n : BigInt(sliceHex(p.paymasterAndData, 36, 52)),
    paymasterData: paymaster === null || size(p.paymasterAndData) === 52 ? '0x' : sliceHex(p.paymasterAndData, 52),
  };
}

/** EntryPoint v0.8's EIP-712 struct (UserOperationLib.PACKED_USEROP_TYPEHASH). */
export const PACKED_USER_OPERATION_TYPES = {
  PackedUserOperation: [
    { name: 'sender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'initCode', type: 'bytes' },
    { name: 'callData', type: 'bytes' },
    { name: 'accountGasLimits', type: 'bytes32' },
    { name: 'preVerificationGas', type: 'uint256' },
    { name: 'gasFees', type: 'bytes32' },
    { name: 'paymasterAndData', type: 'bytes' },
  ],
} as const;
export const ERC4337_DOMAIN = { name: 'ERC4337', version: '1' } as const;

/** The userOpHash the EntryPoint `version` at `entryPoint` on chain `chainId` computes for `op`. */
export function userOperationHash(op: UserOperation, entryPoint: Hex, chainId: number, version: EntryPointVersion): Hex {
  const p = packUserOperation(op);
  if (version === '0.8') {
    return hashTypedData({ domain: { ...ERC4337_DOMAIN, chainId, verifyingContract: entryPoint }, types: PACKED_USER_OPERATION_TYPES, primaryType: 'PackedUserOperation', message: p });
  }
  const inner = keccak256(encodeAbiParameters(
    [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }],
    [p.sender, p.nonce, keccak256(p.initCode), keccak256(p.callData), p.accountGasLimits, p.preVerificationGas, p.gasFees, keccak256(p.paymasterAndData)],
  ));
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'address' }, { type: 'uint256' }], [inner, entryPoint, BigInt(chainId)]));
}

/** The most the operation can cost: every gas limit (the paymaster's too) × maxFeePerGas, in wei. */
export function userOperationMaxFee(op: UserOperation): bigint {
  return (op.callGasLimit + op.verificationGasLimit + op.preVerificationGas + op.paymasterVerificationGasLimit + op.paymasterPostOpGasLimit) * op.maxFeePerGas;
}

/** The unpacked operation as JSON (integers as decimal strings): what a held request stores. */
export function userOperationToJson(op: UserOperation): Record<string, string | null> {
  return Object.fromEntries(Object.entries(op).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v])) as Record<string, string | null>;
}

export function parseEntryPointVersion(value: unknown, field: string): EntryPointVersion {
  if (value !== '0.7' && value !== '0.8') throw new StrongboxError('INVALID_ARGUMENT', `${field} must be "0.7" or "0.8"`, { field });
  return value;
}

