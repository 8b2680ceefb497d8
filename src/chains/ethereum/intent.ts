/**
 * An Ethereum transaction as a chain-neutral intent for the transaction rules (policy/transaction-rules.ts):
 * the native value goes to `to`; non-empty calldata is a contract call identified by its 4-byte selector;
 * ERC-20 `transfer(address,uint256)` and `approve(address,uint256)` calldata (decoded with viem against
 * the standard ABI, EIP-20) adds the token recipient / spender as a destination too.
 */
import { decodeFunctionData, erc20Abi, type TransactionSerializable } from 'viem';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';

/** keccak256("transfer(address,uint256)") and keccak256("approve(address,uint256)"), first 4 bytes (EIP-20). */
const TRANSFER = '0xa9059cbb';
const APPROVE = '0x095ea7b3';

export function ethereumIntent(tx: TransactionSerializable & { chainId: number }, now: Date): TransactionIntent {
  const to = tx.to ?? null;
  const value = tx.value ?? 0n;
  const data = tx.data ?? '0x';
  const intent: TransactionIntent = { chain: 'ethereum', network: String(tx.chainId), transfers: [], calls: [], now };
  if (to !== null) intent.transfers.push({ to, amount: value, asset: 'native' });
  if (data.length > 2) {
    intent.calls.push({ to, selector: data.slice(0, 10).toLowerCase() });
    if (to !== null) {
      try {
        const call = decodeFunctionData({ abi: erc20Abi, data });
        if (call.functionName === 'transfer' || call.functionName === 'approve') {
          const [recipient, amount] = call.args;
          intent.transfers.push({ to: recipient, amount, asset: `token:${to.toLowerCase()}` });
        }
      } catch (err) {
        // Other calldata is judged by its selector alone; but calldata that claims to be an ERC-20
        // transfer/approve and does not decode must not slip past the destination rules.
        const selector = data.slice(0, 10).toLowerCase();
        if (selector === TRANSFER || selector === APPROVE) throw new StrongboxError('INVALID_ARGUMENT', 'transaction.data has an ERC-20 transfer/approve selector but its arguments do not decode', { field: 'transaction.data', cause: err });
      }
    }
  }
  return intent;
}
