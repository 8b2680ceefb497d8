/**
 * EIP-712 typed data as an intent for the transaction rules (policy/transaction-rules.ts). A typed-data
 * signature sends no transaction, yet some move value: a permit lets its spender take tokens from the
 * signer, exactly as `approve` calldata would (chains/ethereum/intent.ts). The shapes read here:
 *
 * - ERC-2612 (https://eips.ethereum.org/EIPS/eip-2612):
 *   `Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)`,
 *   an allowance of `value` on the token `domain.verifyingContract`, consumed by `permit(...)` (0xd505accf).
 * - DAI (the Dai Stablecoin contract, dai.sol):
 *   `Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)`, an allowance of
 *   2^256 − 1 (`allowed`) or 0 on `domain.verifyingContract`, consumed by DAI's `permit(...)` (0x8fcbaf0c).
 * - ERC-3009 (https://eips.ethereum.org/EIPS/eip-3009, USDC): `TransferWithAuthorization` and
 *   `ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)`,
 *   a transfer of `value` of `domain.verifyingContract` to `to` (0xe3ee160e / 0xef55bec6).
 * - Uniswap Permit2 (AllowanceTransfer and SignatureTransfer; the verifying contract is Permit2, the
 *   token is in the message): `PermitSingle`/`PermitBatch` grant `spender` an allowance of
 *   `details[].amount` of `details[].token`; `PermitTransferFrom`/`PermitBatchTransferFrom` (and their
 *   `…Witness…` forms, whose extra witness fields are not read) let `spender` transfer
 *   `permitted[].amount` of `permitted[].token` once, to a recipient of its choosing.
 *
 * A shape is recognized by its primaryType AND the exact, ordered field names and types of the primary
 * struct and of the structs it uses: the struct's type hash (EIP-712 `encodeType`) is what the contract
 * checks, so a `Permit` with other fields, or the same fields in another order, is not a permit any of
 * these contracts would accept — it is typed data the rules cannot read (`permit: null`).
 *
 * The intent of a permit, modelled on the `approve` (or `transfer`) transaction it replaces: each
 * (token, amount) is a transfer to the spender (ERC-3009: to `to`) with asset `token:<token>` (token amounts never count against native limits, only against tokenLimits);
 * the call that consumes the signature — the verifying contract and its function selector — is a call,
 * so `destinations.allow` must list the verifying contract (the token, for ERC-2612/DAI, as for an
 * `approve` transaction) and `allowedSelectors` the permit selector. A signature pays no fee: fee 0.
 * The network is `domain.chainId` (decimal), or `unknown` when the domain has no integer chainId.
 *
 * Gnosis Safe `SafeTx` (Safe v1.1–v1.4 `SafeTx(address to,uint256 value,bytes data,uint8 operation,
 * uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)`,
 * and v1.0's, whose sixth field is `dataGas`): an owner's signature over it lets anyone execute the
 * transaction from the Safe (`domain.verifyingContract`; its domain is `{chainId, verifyingContract}` from
 * v1.3, `{verifyingContract}` before — no chain id, network `unknown`). Its intent is the transaction the
 * Safe makes, read as chains/ethereum/intent.ts reads a transaction (addCallEffects): `value` wei to `to`,
 * `data` a call by selector, ERC-20 transfer/approve calldata a token transfer. Its refund: `gasPrice ×
 * (safeTxGas + baseGas)` — in wei when `gasToken` is the zero address (the fee), else a transfer of that
 * amount of `token:<gasToken>`; when the refund can be non-zero, its receiver (`refundReceiver`, or the
 * zero address standing for `tx.origin`, whoever submits) is a destination too. The value and fee leave
 * the Safe, not the key's address; they count against the key's limits all the same, since the key's
 * signature is what authorizes them. `operation` (0 call, 1 delegatecall) is returned for the caller to
 * refuse anything but a call: a delegatecall runs arbitrary code as the Safe.
 *
 * ERC-4337 v0.8 user operations (EntryPoint 0.8's userOpHash is the EIP-712 hash of `PackedUserOperation`,
 * domain {name "ERC4337", version "1", chainId, verifyingContract = the EntryPoint}): unpacked and read as
 * chains/ethereum/user-operation-intent.ts reads them (the account's calls, the factory, the paymaster, the
 * most the operation can cost as the fee), exactly as POST .../ethereum/sign-user-operation does.
 */
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { ParsedTypedData, TypedDataField } from './typed-data.js';
import { addCallEffects } from './intent.js';
import { PACKED_USER_OPERATION_TYPES, unpackUserOperation, type PackedUserOperation } from './user-operation.js';
import { userOperationIntent } from './user-operation-intent.js';

export type PermitKind =
  | 'erc2612'
  | 'dai'
  | 'erc3009-transfer'
  | 'erc3009-receive'
  | 'permit2-allowance'
  | 'permit2-allowance-batch'
  | 'permit2-transfer'
  | 'permit2-transfer-batch'
  | 'permit2-witness-transfer'
  | 'permit2-witness-transfer-batch';

export interface TypedDataReading {
  /** the permit shape recognized, or null: not a permit */
  permit: PermitKind | null;
  /**
   * a Gnosis Safe SafeTx: its operation (0 call, 1 delegatecall), its refund gas price, and whether it
   * calls the Safe itself (owners, modules, guards, threshold); null: not a SafeTx
   */
  safeTx: { operation: bigint; gasPrice: bigint; selfCall: boolean } | null;
  /**
   * an ERC-4337 v0.8 user operation (EntryPoint 0.8 signs the EIP-712 hash of its PackedUserOperation):
   * why its calls cannot be read (null: read), and whether it is an ERC-7579 delegatecall; null: not one
   */
  userOperation: { unread: string | null; delegatecall: boolean } | null;
  /** domain.verifyingContract (lowercase) when the domain declares it as an address, else null */
  verifyingContract: string | null;
  /** domain.chainId as a decimal string; null when the domain has none, or not as an integer type */
  chainId: string | null;
  /** network = chainId ?? 'unknown'; transfers and calls only for a permit or SafeTx; fee 0 but for a SafeTx */
  intent: TransactionIntent;
}

export const MAX_UINT256 = 2n ** 256n - 1n;
export const UNKNOWN_NETWORK = 'unknown';
export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

type Fields = readonly (readonly [name: string, type: string])[];

const ERC2612: Fields = [['owner', 'address'], ['spender', 'address'], ['value', 'uint256'], ['nonce', 'uint256'], ['deadline', 'uint256']];
const DAI: Fields = [['holder', 'address'], ['spender', 'address'], ['nonce', 'uint256'], ['expiry', 'uint256'], ['allowed', 'bool']];
const ERC3009: Fields = [['from', 'address'], ['to', 'address'], ['value', 'uint256'], ['validAfter', 'uint256'], ['validBefore', 'uint256'], ['nonce', 'bytes32']];
/** Permit2 IAllowanceTransfer.PermitDetails and ISignatureTransfer.TokenPermissions */
const PERMIT_DETAILS: Fields = [['token', 'address'], ['amount', 'uint160'], ['expiration', 'uint48'], ['nonce', 'uint48']];
const TOKEN_PERMISSIONS: Fields = [['token', 'address'], ['amount', 'uint256']];

/** Gnosis Safe SafeTx (GnosisSafe.sol SAFE_TX_TYPEHASH), v1.1 and later; v1.0 named baseGas `dataGas`. */
const SAFE_TX = (gas: 'baseGas' | 'dataGas'): Fields => [
  ['to', 'address'], ['value', 'uint256'], ['data', 'bytes'], ['operation', 'uint8'], ['safeTxGas', 'uint256'], [gas, 'uint256'],
  ['gasPrice', 'uint256'], ['gasToken', 'address'], ['refundReceiver', 'address'], ['nonce', 'uint256'],
];
const SAFE_TX_SHAPES: readonly { fields: Fields; gas: 'baseGas' | 'dataGas' }[] = [{ fields: SAFE_TX('baseGas'), gas: 'baseGas' }, { fields: SAFE_TX('dataGas'), gas: 'dataGas' }];

interface Grant {
  token: string;
  amount: bigint;
}

interface Shape {
  kind: PermitKind;
  primaryType: string;
  fields: Fields;
  /** structs the primary struct uses, which must match exactly too */
  nested: Record<string, Fields>;
  /** Permit2's witness forms: the listed fields come first, then at least one witness field (not read) */
  witness?: true;
  /** the function that consumes the signature on the verifying contract (keccak256 of its signature, 4 bytes) */
  selector: string;
  /** the message field naming who receives the tokens or the allowance: the destination */
  recipient: 'spender' | 'to';
  /** the (token, amount) pairs the recipient may take; `domainToken` is domain.verifyingContract */
  grants(message: Record<string, unknown>, domainToken: string): Grant[];
}

const detail = (d: unknown): Grant => {
  const r = d as Record<string, unknown>;
  return { token: r['token'] as string, amount: r['amount'] as bigint };
};

const SHAPES: readonly Shape[] = [
  // permit(address,address,uint256,uint256,uint8,bytes32,bytes32)
  { kind: 'erc2612', primaryType: 'Permit', fields: ERC2612, nested: {}, selector: '0xd505accf', recipient: 'spender', grants: (m, token) => [{ token, amount: m['value'] as bigint }] },
  // permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)
  { kind: 'dai', primaryType: 'Permit', fields: DAI, nested: {}, selector: '0x8fcbaf0c', recipient: 'spender', grants: (m, token) => [{ token, amount: m['allowed'] === true ? MAX_UINT256 : 0n }] },
  // transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)
  { kind: 'erc3009-transfer', primaryType: 'TransferWithAuthorization', fields: ERC3009, nested: {}, selector: '0xe3ee160e', recipient: 'to', grants: (m, token) => [{ token, amount: m['value'] as bigint }] },
  // receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)
  { kind: 'erc3009-receive', primaryType: 'ReceiveWithAuthorization', fields: ERC3009, nested: {}, selector: '0xef55bec6', recipient: 'to', grants: (m, token) => [{ token, amount: m['value'] as bigint }] },
  // permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)
  {
    kind: 'permit2-allowance',
    primaryType: 'PermitSingle',
    fields: [['details', 'PermitDetails'], ['spender', 'address'], ['sigDeadline', 'uint256']],
    nested: { PermitDetails: PERMIT_DETAILS },
    selector: '0x2b67b570',
    recipient: 'spender',
    grants: (m) => [detail(m['details'])],
  },
  // permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)
  {
    kind: 'permit2-allowance-batch',
    primaryType: 'PermitBatch',
    fields: [['details', 'PermitDetails[]'], ['spender', 'address'], ['sigDeadline', 'uint256']],
    nested: { PermitDetails: PERMIT_DETAILS },
    selector: '0x2a2d80d1',
    recipient: 'spender',
    grants: (m) => (m['details'] as unknown[]).map(detail),
  },
  // permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)
  {
    kind: 'permit2-transfer',
    primaryType: 'PermitTransferFrom',
    fields: [['permitted', 'TokenPermissions'], ['spender', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']],
    nested: { TokenPermissions: TOKEN_PERMISSIONS },
    selector: '0x30f28b7a',
    recipient: 'spender',
    grants: (m) => [detail(m['permitted'])],
  },
  // permitTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes)
  {
    kind: 'permit2-transfer-batch',
    primaryType: 'PermitBatchTransferFrom',
    fields: [['permitted', 'TokenPermissions[]'], ['spender', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']],
    nested: { TokenPermissions: TOKEN_PERMISSIONS },
    selector: '0xedd9444b',
    recipient: 'spender',
    grants: (m) => (m['permitted'] as unknown[]).map(detail),
  },
  // permitWitnessTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes32,string,bytes)
  {
    kind: 'permit2-witness-transfer',
    primaryType: 'PermitWitnessTransferFrom',
    fields: [['permitted', 'TokenPermissions'], ['spender', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']],
    nested: { TokenPermissions: TOKEN_PERMISSIONS },
    witness: true,
    selector: '0x137c29fe',
    recipient: 'spender',
    grants: (m) => [detail(m['permitted'])],
  },
  // permitWitnessTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes32,string,bytes)
  {
    kind: 'permit2-witness-transfer-batch',
    primaryType: 'PermitBatchWitnessTransferFrom',
    fields: [['permitted', 'TokenPermissions[]'], ['spender', 'address'], ['nonce', 'uint256'], ['deadline', 'uint256']],
    nested: { TokenPermissions: TOKEN_PERMISSIONS },
    witness: true,
    selector: '0xfe8ec1a7',
    recipient: 'spender',
    grants: (m) => (m['permitted'] as unknown[]).map(detail),
  },
];

/** The consuming function's selector of each permit kind (for docs and tests). */
export const PERMIT_SELECTORS: Readonly<Record<PermitKind, string>> = Object.fromEntries(SHAPES.map((s) => [s.kind, s.selector])) as Record<PermitKind, string>;

function sameFields(actual: readonly TypedDataField[] | undefined, expected: Fields, witness: boolean): boolean {
  if (actual === undefined) return false;
  if (witness ? actual.length <= expected.length : actual.length !== expected.length) return false;
  return expected.every(([name, type], i) => actual[i]!.name === name && actual[i]!.type === type);
}

function shapeOf(data: ParsedTypedData): Shape | undefined {
  return SHAPES.find((s) => s.primaryType === data.primaryType && sameFields(data.types[s.primaryType], s.fields, s.witness === true) && Object.entries(s.nested).every(([name, fields]) => sameFields(data.types[name], fields, false)));
}

const INTEGER = /^u?int[0-9]+$/;

/** domain.chainId as a decimal string, when the domain declares it as an integer. */
function chainIdOf(data: ParsedTypedData): string | null {
  const field = data.types['EIP712Domain']?.find((f) => f.name === 'chainId');
  const value = data.domain['chainId'];
  if (field === undefined || !INTEGER.test(field.type) || typeof value !== 'bigint') return null;
  return value.toString();
}

/** domain.verifyingContract, lowercase, when the domain declares it as an address. */
function verifyingContractOf(data: ParsedTypedData): string | null {
  const verifier = data.domain['verifyingContract'];
  const verifierField = data.types['EIP712Domain']?.find((f) => f.name === 'verifyingContract');
  return typeof verifier === 'string' && verifierField?.type === 'address' ? verifier.toLowerCase() : null;
}

/** Every one of these contracts binds its signatures to its address: without it, neither the token
 * (ERC-2612, DAI), the Safe, nor the contract that would act on the signature is known. */
function requireVerifier(data: ParsedTypedData, verifyingContract: string | null): string {
  if (verifyingContract !== null) return verifyingContract;
  throw new StrongboxError('INVALID_ARGUMENT', `typedData.domain.verifyingContract (an address) is required: a ${data.primaryType} is judged by the key's transaction rules, which need the contract it is for`, { field: 'typedData.domain.verifyingContract' });
}

const PACKED_USER_OPERATION: Fields = PACKED_USER_OPERATION_TYPES.PackedUserOperation.map((f) => [f.name, f.type] as const);

/** EntryPoint v0.8's typed data: primaryType PackedUserOperation with its exact fields, domain name "ERC4337" version "1". */
function isUserOperation(data: ParsedTypedData): boolean {
  return data.primaryType === 'PackedUserOperation' && sameFields(data.types['PackedUserOperation'], PACKED_USER_OPERATION, false) && data.domain['name'] === 'ERC4337' && data.domain['version'] === '1';
}

/** Reads parsed typed data (typed-data.ts) as a permit, SafeTx or user operation intent, or as typed data the rules cannot read. */
export function typedDataIntent(data: ParsedTypedData, now: Date): TypedDataReading {
  const chainId = chainIdOf(data);
  const verifyingContract = verifyingContractOf(data);
  const intent: TransactionIntent = { chain: 'ethereum', network: chainId ?? UNKNOWN_NETWORK, transfers: [], calls: [], fee: 0n, now };
  const reading: TypedDataReading = { permit: null, safeTx: null, userOperation: null, verifyingContract, chainId, intent };
  if (isUserOperation(data)) {
    requireVerifier(data, verifyingContract);
    const op = unpackUserOperation(data.message as unknown as PackedUserOperation, 'typedData.message');
    const read = userOperationIntent(op, chainId ?? UNKNOWN_NETWORK, now, 'typedData.message');
    reading.intent = read.intent;
    reading.userOperation = { unread: read.unread, delegatecall: read.delegatecall };
    return reading;
  }
  const safe = data.primaryType === 'SafeTx' ? SAFE_TX_SHAPES.find((s) => sameFields(data.types['SafeTx'], s.fields, false)) : undefined;
  if (safe !== undefined) {
    requireVerifier(data, verifyingContract);
    const m = data.message;
    const to = (m['to'] as string).toLowerCase();
    addCallEffects(intent, to, m['value'] as bigint, m['data'] as string, 'typedData.message.data');
    const refund = (m['gasPrice'] as bigint) * ((m['safeTxGas'] as bigint) + (m[safe.gas] as bigint));
    const gasToken = (m['gasToken'] as string).toLowerCase();
    // refundReceiver 0 pays tx.origin, whoever submits: judged as the zero address (an allow list refuses it).
    const receiver = (m['refundReceiver'] as string).toLowerCase();
    if (gasToken === ZERO_ADDRESS) {
      intent.fee = refund;
      if (refund > 0n) intent.transfers.push({ to: receiver, amount: 0n, asset: 'native' });
    } else if (refund > 0n) {
      intent.transfers.push({ to: receiver, amount: refund, asset: `token:${gasToken}` });
    }
    reading.safeTx = { operation: m['operation'] as bigint, gasPrice: m['gasPrice'] as bigint, selfCall: verifyingContract !== null && to === verifyingContract };
    return reading;
  }
  const shape = shapeOf(data);
  if (shape === undefined) return reading;
  const token = requireVerifier(data, verifyingContract);
  const recipient = data.message[shape.recipient] as string;
  for (const g of shape.grants(data.message, token)) intent.transfers.push({ to: recipient, amount: g.amount, asset: `token:${g.token.toLowerCase()}` });
  // The consuming call's effect is the grant above (tokenEffect): a token under tokenLimits accepts it.
  intent.calls.push({ to: token, selector: shape.selector, tokenEffect: true });
  reading.permit = shape.kind;
  return reading;
}
