/**
 * What a held transaction runs once approved, by operation name (ApprovalRecord.operation): decode
 * the stored request into an intent again (the rules are re-evaluated) and sign it: Ethereum
 * transactions, EIP-7702 authorizations, EIP-712 permits and SafeTxs, ERC-4337 user operations, Bitcoin PSBTs,
 * Solana transactions.
 */
import { parseTransaction } from '../chains/ethereum/transaction.js';
import type { TransactionIntent } from '../policy/transaction-rules.js';
import type { ApprovalRecord } from '../storage/types.js';
import { resolveEthereumKey, type EthereumSignContext } from './ethereum/ethereum-signer.js';
import { ETHEREUM_SIGN_TRANSACTION, signParsedTransaction, transactionIntentBuilder } from './ethereum/ethereum-sign-transaction.js';
import { ETHEREUM_SIGN_AUTHORIZATION, authorizationIntent, signParsedAuthorization } from './ethereum/ethereum-sign-authorization.js';
import { parseAuthorizationRequest } from '../chains/ethereum/authorization.js';
import { parseTypedData } from '../chains/ethereum/typed-data.js';
import { typedDataIntent } from '../chains/ethereum/typed-data-intent.js';
import { ETHEREUM_SIGN_TYPED_DATA, signParsedTypedData } from './ethereum/ethereum-sign-typed-data.js';
import { ETHEREUM_SIGN_USER_OPERATION, parseUserOperationRequest, signUserOperationRequest } from './ethereum/ethereum-sign-user-operation.js';
import { userOperationIntent } from '../chains/ethereum/user-operation-intent.js';
import { parsePsbt } from '../chains/bitcoin/psbt.js';
import { parseNetwork } from '../chains/bitcoin/network.js';
import { bitcoinIntent } from '../chains/bitcoin/intent.js';
import { BITCOIN_SIGN_PSBT, signParsedPsbt } from './bitcoin/bitcoin-sign-psbt.js';
import { resolveBitcoinKey } from './bitcoin/bitcoin-signer.js';
import { parseTransaction as parseSolanaTransaction } from '../chains/solana/message.js';
import { solanaIntent } from '../chains/solana/intent.js';
import { SOLANA_SIGN_TRANSACTION, signParsedSolanaTransaction } from './solana/solana-sign-transaction.js';
import { assertUsable, resolveKey } from './shared/resolve-key.js';
import { StrongboxError } from '../protocol/errors.js';
import type { KeyRecord } from '../storage/types.js';

/** The stored request of a held transaction, parsed back (it was validated when it was held). */
const stored = (approval: ApprovalRecord): Record<string, string> => JSON.parse(approval.request) as Record<string, string>;

async function solanaKey(ctx: EthereumSignContext, keyId: string): Promise<KeyRecord & { publicKey: Uint8Array }> {
  const record = await resolveKey(ctx, keyId);
  if (record.type !== 'ed25519' || record.publicKey === null) throw new StrongboxError('UNSUPPORTED_OPERATION', `key ${keyId} is not an ed25519 key`);
  assertUsable(record);
  return record as KeyRecord & { publicKey: Uint8Array };
}

export interface ApprovalOperation {
  /** the stored request as an intent again (the key is read: Bitcoin and Solana intents depend on its scripts/address) */
  intent(ctx: EthereumSignContext, approval: ApprovalRecord, now: Date): Promise<TransactionIntent>;
  /** signs the stored request with the approval's key; the JSON-safe signed result (not secret) */
  sign(ctx: EthereumSignContext, approval: ApprovalRecord): Promise<Record<string, unknown>>;
}

export const approvalOperations: Readonly<Record<string, ApprovalOperation>> = {
  [ETHEREUM_SIGN_TRANSACTION]: {
    async intent(ctx, approval, now) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return (await transactionIntentBuilder(record, parseTransaction(JSON.parse(approval.request))))(now);
    },
    async sign(ctx, approval) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return { ...(await signParsedTransaction(ctx, record, parseTransaction(JSON.parse(approval.request)))) };
    },
  },
  [ETHEREUM_SIGN_AUTHORIZATION]: {
    async intent(ctx, approval, now) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return authorizationIntent(record, parseAuthorizationRequest(JSON.parse(approval.request), 'authorization'), now);
    },
    async sign(ctx, approval) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return { ...(await signParsedAuthorization(ctx, record, parseAuthorizationRequest(JSON.parse(approval.request), 'authorization'))) };
    },
  },
  // Only permits, SafeTxs and v0.8 user operations are held (other typed data is never held): the stored typed data reads back the same.
  [ETHEREUM_SIGN_TYPED_DATA]: {
    async intent(_ctx, approval, now) {
      return typedDataIntent(parseTypedData(JSON.parse(approval.request)), now).intent;
    },
    async sign(ctx, approval) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return { ...(await signParsedTypedData(ctx, record, parseTypedData(JSON.parse(approval.request)))) };
    },
  },
  // A held ERC-4337 user operation: the stored request (operation, EntryPoint, chain, signature format) read back.
  [ETHEREUM_SIGN_USER_OPERATION]: {
    async intent(_ctx, approval, now) {
      const r = parseUserOperationRequest(JSON.parse(approval.request));
      return userOperationIntent(r.userOperation, String(r.chainId), now).intent;
    },
    async sign(ctx, approval) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return { ...(await signUserOperationRequest(ctx, record, parseUserOperationRequest(JSON.parse(approval.request)))) };
    },
  },
  [BITCOIN_SIGN_PSBT]: {
    async intent(ctx, approval, now) {
      const record = await resolveBitcoinKey(ctx, approval.keyId);
      const { psbt, network } = stored(approval);
      return bitcoinIntent(parsePsbt(psbt!), parseNetwork(network), record.publicKey, now);
    },
    async sign(ctx, approval) {
      const record = await resolveBitcoinKey(ctx, approval.keyId);
      assertUsable(record);
      return { ...(await signParsedPsbt(ctx, record, parsePsbt(stored(approval)['psbt']!))) };
    },
  },
  [SOLANA_SIGN_TRANSACTION]: {
    async intent(ctx, approval, now) {
      const record = await solanaKey(ctx, approval.keyId);
      return solanaIntent(parseSolanaTransaction(stored(approval)['transaction'], 'transaction').message, record.publicKey, now);
    },
    async sign(ctx, approval) {
      const record = await solanaKey(ctx, approval.keyId);
      return { ...(await signParsedSolanaTransaction(ctx, record, parseSolanaTransaction(stored(approval)['transaction'], 'transaction'))) };
    },
  },
};
