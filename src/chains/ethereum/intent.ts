/**
 * An Ethereum transaction as a chain-neutral intent for the transaction rules (policy/transaction-rules.ts):
 * the native value goes to `to` (or into the contract a creation deploys); non-empty calldata is a
 * contract call identified by its 4-byte selector; ERC-20 calldata (decoded with viem against the
 * standard ABI, EIP-20, and OpenZeppelin's allowance helpers) adds a token movement — its recipient or
 * spender a destination, its amount counted against the token's limits: `transfer(to, amount)`,
 * `transferFrom(from, to, amount)` (to; ERC-721's transferFrom has the same selector and is read the
 * same way, its token id as the amount), `approve(spender, amount)` (the approved amount: 2^256−1 is
 * an unlimited approval), `increaseAllowance(spender, added)` (the added amount);
 * `decreaseAllowance` moves nothing but is marked as decoded (tokenEffect).
 *
 * The fee is the most the sender can be charged: gas × gasPrice (legacy, EIP-2930), gas × maxFeePerGas
 * (EIP-1559 and EIP-7702: base fee + priority fee never exceed maxFeePerGas), plus, for EIP-4844 blob
 * transactions, blobs × GAS_PER_BLOB (131072) × maxFeePerBlobGas. parseTransaction (transaction.ts)
 * requires gas and the fee fields of every type it accepts. Not bounded: the separate L1 data fee
 * some rollups (OP Stack) charge the sender on top of gas — docs/policies.md says so.
 *
 * Also read: an EIP-7702 transaction's authorizations signed by the key itself (its delegations; the
 * signers are recovered beforehand, authorization.ts), and calls to the EIP-7002 withdrawal and EIP-7251
 * consolidation request predeploys, whose calldata has no selector (a validator's public key comes first).
 */
import { decodeFunctionData, erc20Abi, parseAbi, type SignedAuthorizationList, type TransactionSerializable } from 'viem';
import type { TransactionIntent, ValidatorRequest } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';

/**
 * First 4 bytes of keccak256 of transfer(address,uint256), approve(address,uint256),
 * transferFrom(address,address,uint256) (EIP-20), increaseAllowance(address,uint256) and
 * decreaseAllowance(address,uint256) (OpenZeppelin ERC20): calldata with one of them must decode.
 */
const TOKEN_SELECTORS = new Set(['0xa9059cbb', '0x095ea7b3', '0x23b872dd', '0x39509351', '0xa457c2d7']);
const tokenAbi = [...erc20Abi, ...parseAbi(['function increaseAllowance(address spender, uint256 addedValue) returns (bool)', 'function decreaseAllowance(address spender, uint256 subtractedValue) returns (bool)'])];
/** EIP-4844: GAS_PER_BLOB = 2^17. */
export const GAS_PER_BLOB = 131072n;

function missing(field: string): StrongboxError {
  return new StrongboxError('INVALID_ARGUMENT', `transaction.${field} is required: a key with transaction rules counts the fee (gas × price) against its limits`, { field: `transaction.${field}` });
}

/** The most the transaction can charge its sender, in wei. */
export function ethereumMaxFee(tx: TransactionSerializable): bigint {
  if (tx.gas === undefined) throw missing('gas');
  const t = tx as TransactionSerializable & { maxFeePerGas?: bigint; gasPrice?: bigint; maxFeePerBlobGas?: bigint; blobVersionedHashes?: readonly unknown[]; blobs?: readonly unknown[] };
  const dynamic = t.type === 'eip1559' || t.type === 'eip4844' || t.type === 'eip7702' || (t.type === undefined && t.maxFeePerGas !== undefined);
  const price = dynamic ? t.maxFeePerGas : t.gasPrice;
  if (price === undefined) throw missing(dynamic ? 'maxFeePerGas' : 'gasPrice');
  let fee = tx.gas * price;
  const blobs = t.blobVersionedHashes?.length ?? t.blobs?.length ?? 0;
  if (blobs > 0 || t.type === 'eip4844') {
    if (t.maxFeePerBlobGas === undefined) throw missing('maxFeePerBlobGas');
    fee += BigInt(blobs) * GAS_PER_BLOB * t.maxFeePerBlobGas;
  }
  return fee;
}

/**
 * `signer`: the key's address; `authorities`: the recovered signer of each entry of an EIP-7702
 * transaction's authorizationList (recoverAuthorities), null where none recovers.
 */
export function ethereumIntent(tx: TransactionSerializable & { chainId: number }, now: Date, delegation?: { signer: string; authorities: readonly (string | null)[] }): TransactionIntent {
  const intent: TransactionIntent = { chain: 'ethereum', network: String(tx.chainId), transfers: [], calls: [], fee: ethereumMaxFee(tx), now };
  const list = (tx as { authorizationList?: SignedAuthorizationList }).authorizationList;
  if (list !== undefined && list.length > 0) {
    if (delegation === undefined || delegation.authorities.length !== list.length) throw new StrongboxError('INTERNAL', 'EIP-7702 authorities were not recovered before judging');
    // Only the key's own authorizations are its delegations; others' delegate their own accounts (docs/policies.md).
    const own = list.filter((_, i) => delegation.authorities[i] === delegation.signer.toLowerCase());
    intent.delegations = own.map((a) => ({ delegate: a.address.toLowerCase(), chainId: a.chainId }));
    const others = list.length - own.length;
    if (others > 0) intent.otherAuthorizations = others;
  }
  addCallEffects(intent, tx.to ?? null, tx.value ?? 0n, tx.data ?? '0x', 'transaction.data');
  return intent;
}

/** EIP-7002 and EIP-7251 request predeploys (lowercase) and the calldata length of one request. */
export const WITHDRAWAL_REQUEST_PREDEPLOY = '0x00000961ef480eb55e80d19ad83579a64c007002';
export const CONSOLIDATION_REQUEST_PREDEPLOY = '0x0000bbddc7ce488642fb579f8b00f3a590007251';
const REQUEST_BYTES: Record<string, { kind: ValidatorRequest['kind']; bytes: number }> = {
  // validator_pubkey (48) ‖ amount (8, big-endian gwei; 0 = full exit)
  [WITHDRAWAL_REQUEST_PREDEPLOY]: { kind: 'withdrawal', bytes: 56 },
  // source_pubkey (48) ‖ target_pubkey (48)
  [CONSOLIDATION_REQUEST_PREDEPLOY]: { kind: 'consolidation', bytes: 96 },
};

/** A validator request read from calldata to a request predeploy, or undefined when `to` is none. */
function validatorRequest(to: string, data: string, field: string): ValidatorRequest | undefined {
  const predeploy = Object.hasOwn(REQUEST_BYTES, to.toLowerCase()) ? REQUEST_BYTES[to.toLowerCase()] : undefined;
  if (predeploy === undefined) return undefined;
  const bytes = (data.length - 2) / 2;
  // The contracts revert on any other input length but 0 (which only reads the current fee).
  if (bytes !== predeploy.bytes) throw new StrongboxError('INVALID_ARGUMENT', `${field} to the EIP-${predeploy.kind === 'withdrawal' ? '7002 withdrawal' : '7251 consolidation'} request contract must be exactly ${predeploy.bytes} bytes (${predeploy.kind === 'withdrawal' ? 'validator pubkey ‖ amount' : 'source pubkey ‖ target pubkey'}), got ${bytes}`, { field });
  const pubkey = `0x${data.slice(2, 98).toLowerCase()}`;
  if (predeploy.kind === 'withdrawal') return { kind: 'withdrawal', pubkey, amountGwei: BigInt(`0x${data.slice(98, 114)}`) };
  return { kind: 'consolidation', pubkey, targetPubkey: `0x${data.slice(98, 194).toLowerCase()}` };
}

/**
 * What a call of `data` with `value` wei to `to` (null: a creation) adds to an intent: the native transfer,
 * the contract call by selector, and an ERC-20 transfer/approve's recipient or spender. Shared by
 * transactions and by transactions a contract account executes (a Gnosis Safe `SafeTx`, typed-data-intent.ts);
 * `field` names the calldata in errors.
 */
export function addCallEffects(intent: TransactionIntent, to: string | null, value: bigint, data: string, field: string): void {
  // A creation's value goes to the new contract: no destination to judge, but spent all the same.
  if (to !== null || value > 0n) intent.transfers.push({ to, amount: value, asset: 'native' });
  if (to !== null && data.length > 2) {
    // A request to the EIP-7002/7251 predeploys starts with a public key, not a selector: it is a
    // validator request (its value, the request fee, is the transfer above), not a method call.
    const request = validatorRequest(to, data, field);
    if (request !== undefined) {
      (intent.validatorRequests ??= []).push(request);
      return;
    }
  }
  if (data.length > 2) {
    const selector = data.slice(0, 10).toLowerCase();
    const call: TransactionIntent['calls'][number] = { to, selector };
    intent.calls.push(call);
    if (to !== null && TOKEN_SELECTORS.has(selector)) {
      let decoded;
      try {
        decoded = decodeFunctionData({ abi: tokenAbi, data: data as `0x${string}` });
      } catch (err) {
        // Other calldata is judged by its selector alone; but calldata that claims to be an ERC-20
        // movement and does not decode must not slip past the destination rules and token limits.
        throw new StrongboxError('INVALID_ARGUMENT', `${field} has an ERC-20 ${selector} selector (transfer, transferFrom, approve, increaseAllowance or decreaseAllowance) but its arguments do not decode`, { field, cause: err });
      }
      const asset = `token:${to.toLowerCase()}` as const;
      call.tokenEffect = true;
      if (decoded.functionName === 'transfer' || decoded.functionName === 'approve' || decoded.functionName === 'increaseAllowance') {
        const [recipient, amount] = decoded.args;
        intent.transfers.push({ to: recipient, amount, asset });
      } else if (decoded.functionName === 'transferFrom') {
        const [, recipient, amount] = decoded.args;
        intent.transfers.push({ to: recipient, amount, asset });
      }
    }
  }
}
