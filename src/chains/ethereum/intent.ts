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
 * requires gas and the fee fields of every type it accepts and refuses types 3 and 4 today; the blob
 * term is here so that the bound stays right if they are accepted. Not bounded: the separate L1 data fee
 * some rollups (OP Stack) charge the sender on top of gas — docs/policies.md says so.
 */
import { decodeFunctionData, erc20Abi, parseAbi, type TransactionSerializable } from 'viem';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
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

export function ethereumIntent(tx: TransactionSerializable & { chainId: number }, now: Date): TransactionIntent {
  const intent: TransactionIntent = { chain: 'ethereum', network: String(tx.chainId), transfers: [], calls: [], fee: ethereumMaxFee(tx), now };
  addCallEffects(intent, tx.to ?? null, tx.value ?? 0n, tx.data ?? '0x', 'transaction.data');
  return intent;
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
