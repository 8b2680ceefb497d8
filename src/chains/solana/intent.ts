/**
 * A Solana message as a chain-neutral intent for the transaction rules: the System Program transfers
 * (Transfer, TransferWithSeed) whose source is the signing key are transfers of lamports to their
 * recipients. A message cannot say which cluster it is for, so the network is `unknown`. When a
 * transfer's accounts or data cannot be read (an address lookup table, malformed data), the rules
 * cannot see what moves: a key with rules refuses to sign it rather than read it as moving nothing.
 */
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { SolanaMessage } from './message.js';
import { summarizeSolanaTransaction } from './summary.js';

export function solanaIntent(message: SolanaMessage, keyAddress: string, now: Date): TransactionIntent {
  const summary = summarizeSolanaTransaction(message);
  if (!summary.complete) {
    throw new StrongboxError('TRANSACTION_DENIED', 'the transaction has System Program transfers whose accounts or amounts cannot be read (address lookup table or malformed data); a key with transaction rules does not sign what its rules cannot judge', {
      publicReason: 'undecodable_transaction',
      reason: 'undecodable_transaction',
    });
  }
  return {
    chain: 'solana',
    network: summary.network,
    transfers: summary.transfers.filter((t) => t.from === keyAddress).map((t) => ({ to: t.to, amount: t.amount, asset: 'native' as const })),
    calls: [],
    now,
  };
}
