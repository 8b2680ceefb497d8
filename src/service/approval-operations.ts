/**
 * What a held transaction runs once approved, by operation name (ApprovalRecord.operation): decode
 * the stored request into an intent again (the rules are re-evaluated) and sign it. Bitcoin PSBT and
 * Solana signing add one entry each here, beside their intent builders.
 */
import { parseTransaction } from '../chains/ethereum/transaction.js';
import { ethereumIntent } from '../chains/ethereum/intent.js';
import type { TransactionIntent } from '../policy/transaction-rules.js';
import type { ApprovalRecord } from '../storage/types.js';
import { resolveEthereumKey, type EthereumSignContext } from './ethereum-signer.js';
import { ETHEREUM_SIGN_TRANSACTION, signParsedTransaction } from './ethereum-sign-transaction.js';

export interface ApprovalOperation {
  intent(approval: ApprovalRecord, now: Date): TransactionIntent;
  /** signs the stored request with the approval's key; the JSON-safe signed result (not secret) */
  sign(ctx: EthereumSignContext, approval: ApprovalRecord): Promise<Record<string, unknown>>;
}

export const approvalOperations: Readonly<Record<string, ApprovalOperation>> = {
  [ETHEREUM_SIGN_TRANSACTION]: {
    intent(approval, now) {
      const tx = parseTransaction(JSON.parse(approval.request));
      return ethereumIntent(tx as typeof tx & { chainId: number }, now);
    },
    async sign(ctx, approval) {
      const record = await resolveEthereumKey(ctx, approval.keyId);
      return { ...(await signParsedTransaction(ctx, record, parseTransaction(JSON.parse(approval.request)))) };
    },
  },
};
