/**
 * eth_signTransaction: sign a legacy (EIP-155), EIP-2930 or EIP-1559 transaction with an enabled
 * secp256k1 key and return the signed raw transaction, ready for eth_sendRawTransaction.
 * When the key has transaction rules, the decoded transaction is judged first (transaction-guard.ts):
 * denied, signed (spend reserved), or held for approval (202, nothing signed).
 */
import type { EthereumSignTransactionResponse } from '../../protocol/ethereum.js';
import { parseTransaction, serializeSignedTransaction, transactionSigningHash, transactionToRequest } from '../../chains/ethereum/transaction.js';
import { ethereumIntent } from '../../chains/ethereum/intent.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { addressOf, resolveEthereumKey, signDigestRecoverable, type EthereumSignContext } from './ethereum-signer.js';
import { guardTransaction, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';

export interface EthereumSignTransactionParameters {
  key: KeyRef;
  /** the transaction fields; quantities as JSON numbers, decimal or 0x-hex strings */
  transaction: unknown;
  /** the caller, for approvals and the audit decision; absent = an internal caller */
  requester?: RequestContext;
}

export const ETHEREUM_SIGN_TRANSACTION = 'ethereum.signTransaction';

/** Signs an already-parsed transaction (also used when a held transaction is approved). */
export async function signParsedTransaction(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, tx: ReturnType<typeof parseTransaction>): Promise<EthereumSignTransactionResponse> {
  const signature = await signDigestRecoverable(ctx, record, transactionSigningHash(tx));
  const { rawTransaction, hash } = serializeSignedTransaction(tx, signature);
  return { rawTransaction, hash, from: addressOf(record) };
}

export async function ethereumSignTransaction(
  ctx: EthereumSignContext & Pick<ServiceContext, 'now'>,
  params: EthereumSignTransactionParameters,
): Promise<EthereumSignTransactionResponse | HeldTransaction> {
  const record = await resolveEthereumKey(ctx, params.key);
  const tx = parseTransaction(params.transaction);
  const outcome = await guardTransaction(ctx, {
    keyId: record.id,
    walletId: record.wallet,
    chain: 'ethereum',
    operation: ETHEREUM_SIGN_TRANSACTION,
    intent: () => ethereumIntent(tx as typeof tx & { chainId: number }, ctx.now()),
    request: () => transactionToRequest(tx),
    requester: params.requester,
    sign: () => signParsedTransaction(ctx, record, tx),
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
