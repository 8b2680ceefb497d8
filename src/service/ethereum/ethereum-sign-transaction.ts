/**
 * eth_signTransaction: sign a legacy (EIP-155), EIP-2930, EIP-1559, EIP-4844 (blob) or EIP-7702
 * (set-code) transaction with an enabled secp256k1 key and return the signed raw transaction, ready
 * for eth_sendRawTransaction. A transaction above the chain's EIP-7825 gas cap is refused (400 naming
 * transaction.gas) for every key: no node past Osaka would take it.
 * When the key has transaction rules, the decoded transaction is judged first (transaction-guard.ts):
 * denied, signed (spend reserved), or held for approval (202, nothing signed). In a type-4 transaction
 * the authorizations the key itself signed are its delegations, judged by allowedDelegates.
 */
import type { EthereumSignTransactionResponse } from '../../protocol/ethereum.js';
import { assertGasCap, parseTransaction, serializeSignedTransaction, transactionSigningHash, transactionToRequest, type ParsedTransaction } from '../../chains/ethereum/transaction.js';
import { ethereumIntent } from '../../chains/ethereum/intent.js';
import { recoverAuthorities } from '../../chains/ethereum/authorization.js';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import type { KeyRecord } from '../../storage/types.js';
import type { EthereumNetwork, ServiceContext } from '../shared/context.js';
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
export async function signParsedTransaction(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, tx: ParsedTransaction): Promise<EthereumSignTransactionResponse> {
  const signature = await signDigestRecoverable(ctx, record, transactionSigningHash(tx));
  const { rawTransaction, hash } = serializeSignedTransaction(tx, signature);
  return { rawTransaction, hash, from: addressOf(record) };
}

/**
 * The transaction as the rules see it. The signers of a type-4 transaction's authorizations are
 * recovered first (asynchronously), so that the key's own can be told from other accounts'.
 */
export async function transactionIntentBuilder(record: KeyRecord & { publicKey: Uint8Array }, tx: ParsedTransaction): Promise<(now: Date) => TransactionIntent> {
  const list = 'authorizationList' in tx ? tx.authorizationList : undefined;
  const authorities = list === undefined ? undefined : await recoverAuthorities(list);
  return (now) => ethereumIntent(tx, now, authorities === undefined ? undefined : { signer: addressOf(record), authorities });
}

export async function ethereumSignTransaction(
  ctx: EthereumSignContext & Pick<ServiceContext, 'now'> & { ethereum: Pick<EthereumNetwork, 'gasCaps'> },
  params: EthereumSignTransactionParameters,
): Promise<EthereumSignTransactionResponse | HeldTransaction> {
  const record = await resolveEthereumKey(ctx, params.key);
  const tx = parseTransaction(params.transaction);
  assertGasCap(tx, ctx.ethereum.gasCaps);
  const intent = await transactionIntentBuilder(record, tx);
  const outcome = await guardTransaction(ctx, {
    keyId: record.id,
    walletId: record.wallet,
    chain: 'ethereum',
    operation: ETHEREUM_SIGN_TRANSACTION,
    intent: () => intent(ctx.now()),
    request: () => transactionToRequest(tx),
    requester: params.requester,
    sign: () => signParsedTransaction(ctx, record, tx),
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
