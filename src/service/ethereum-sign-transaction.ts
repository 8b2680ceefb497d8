/**
 * eth_signTransaction: sign a legacy (EIP-155), EIP-2930 or EIP-1559 transaction with an enabled
 * secp256k1 key and return the signed raw transaction, ready for eth_sendRawTransaction.
 */
import type { EthereumSignTransactionResponse } from '../protocol/ethereum.js';
import { parseTransaction, serializeSignedTransaction, transactionSigningHash } from '../chains/ethereum/transaction.js';
import type { KeyRef } from './resolve-key.js';
import { addressOf, resolveEthereumKey, signDigestRecoverable, type EthereumSignContext } from './ethereum-signer.js';

export interface EthereumSignTransactionParameters {
  key: KeyRef;
  /** the transaction fields; quantities as JSON numbers, decimal or 0x-hex strings */
  transaction: unknown;
}

export async function ethereumSignTransaction(ctx: EthereumSignContext, params: EthereumSignTransactionParameters): Promise<EthereumSignTransactionResponse> {
  const record = await resolveEthereumKey(ctx, params.key);
  const tx = parseTransaction(params.transaction);
  const signature = await signDigestRecoverable(ctx, record, transactionSigningHash(tx));
  const { rawTransaction, hash } = serializeSignedTransaction(tx, signature);
  return { rawTransaction, hash, from: addressOf(record) };
}
