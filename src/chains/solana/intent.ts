/**
 * A Solana message as a chain-neutral intent for the transaction rules. A key with rules signs only
 * what the rules can judge: System Program Transfer and TransferWithSeed (every lamport they move
 * counts, whoever the source — over-counting a co-signer's transfer is the safe side), Compute
 * Budget instructions (fees only), and SPL Token / Token-2022 Transfer, TransferChecked, Approve and
 * ApproveChecked (spl-token.ts: a token movement of the mint, to the recipient token account or the
 * delegate; Transfer and Approve name no mint, asset UNKNOWN_TOKEN, which tokenLimits refuse). Any
 * other instruction — CreateAccount, Assign, nonce withdrawals, other token instructions (burn, close,
 * set authority), other programs — is refused (`unsupported_instruction`), since lamports or authority
 * could leave the key in ways the transfer rules do not see. A message cannot say which cluster it is
 * for, so the network is `unknown`. When accounts or data cannot be read (an address lookup table,
 * malformed data), the transaction is refused too (`undecodable_transaction`).
 *
 * The fee (fee.ts: 5,000 lamports per signature plus the priority fee its Compute Budget instructions
 * set) is charged to the fee payer, account 0 of the message: it counts against the signing key only
 * when the key is that account. Compute Budget data the runtime would refuse (unknown variant, wrong
 * length, a repeated instruction) is refused too (`undecodable_transaction`).
 */
import { UNKNOWN_TOKEN, type TransactionIntent } from '../../policy/transaction-rules.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { SolanaMessage } from './message.js';
import { summarizeSolanaTransaction, SYSTEM_PROGRAM_ID } from './summary.js';
import { COMPUTE_BUDGET_PROGRAM_ID, InvalidComputeBudgetError, solanaMaxFee } from './fee.js';
import { base58 } from '@scure/base';
import { decodeSplTokenInstruction, isTokenProgram, type SplTokenMovement } from './spl-token.js';

/** System Program instructions a key with rules may sign: Transfer (2), TransferWithSeed (11). */
const JUDGED_SYSTEM_INSTRUCTIONS = new Set([2, 11]);

/** `publicKey`: the signing key (32 bytes); the fee counts only when it is the fee payer. */
export function solanaIntent(message: SolanaMessage, publicKey: Uint8Array, now: Date): TransactionIntent {
  const summary = summarizeSolanaTransaction(message);
  if (!summary.complete) {
    throw new StrongboxError('TRANSACTION_DENIED', 'the transaction has System Program transfers whose accounts or amounts cannot be read (address lookup table or malformed data); a key with transaction rules does not sign what its rules cannot judge', {
      publicReason: 'undecodable_transaction',
      reason: 'undecodable_transaction',
    });
  }
  const tokens: SplTokenMovement[] = [];
  for (const ins of message.instructions) {
    const programKey = message.staticAccountKeys[ins.programIdIndex];
    const program = programKey === undefined ? undefined : base58.encode(programKey);
    if (isTokenProgram(program)) {
      const movement = decodeSplTokenInstruction(message, ins);
      if (movement === 'undecodable') {
        throw new StrongboxError('TRANSACTION_DENIED', `the transaction has a ${program} instruction whose data or accounts cannot be read (short data, or an account from an address lookup table); a key with transaction rules does not sign what its rules cannot judge`, {
          publicReason: 'undecodable_transaction',
          reason: 'undecodable_transaction',
        });
      }
      if (movement === 'unsupported') {
        throw new StrongboxError('TRANSACTION_DENIED', `the transaction calls ${program} instruction ${ins.data[0]}; a key with transaction rules signs only its Transfer, TransferChecked, Approve and ApproveChecked, which its rules can judge`, {
          publicReason: 'unsupported_instruction',
          reason: 'unsupported_instruction',
        });
      }
      tokens.push(movement);
      continue;
    }
    const systemKind = program === SYSTEM_PROGRAM_ID && ins.data.length >= 4 ? new DataView(ins.data.buffer, ins.data.byteOffset, 4).getUint32(0, true) : undefined;
    const judged = program === COMPUTE_BUDGET_PROGRAM_ID || (systemKind !== undefined && JUDGED_SYSTEM_INSTRUCTIONS.has(systemKind));
    if (!judged) {
      throw new StrongboxError('TRANSACTION_DENIED', `the transaction calls ${program === SYSTEM_PROGRAM_ID ? `System Program instruction ${systemKind ?? '?'}` : `program ${program ?? '?'}`}; a key with transaction rules signs only System transfers and Compute Budget instructions, which its rules can judge`, {
        publicReason: 'unsupported_instruction',
        reason: 'unsupported_instruction',
      });
    }
  }
  let fee: bigint;
  try {
    fee = solanaMaxFee(message).total;
  } catch (err) {
    if (!(err instanceof InvalidComputeBudgetError)) throw err;
    throw new StrongboxError('TRANSACTION_DENIED', `the transaction's Compute Budget ${err.message}; a key with transaction rules does not sign a fee its rules cannot judge`, {
      publicReason: 'undecodable_transaction',
      reason: 'undecodable_transaction',
    });
  }
  const payer = message.staticAccountKeys[0];
  const paysFee = payer !== undefined && payer.byteLength === publicKey.byteLength && Buffer.compare(payer, publicKey) === 0;
  return {
    chain: 'solana',
    network: summary.network,
    transfers: [
      ...summary.transfers.map((t) => ({ to: t.to, amount: t.amount, asset: 'native' as const })),
      ...tokens.map((t) => ({ to: t.to, amount: t.amount, asset: t.mint === null ? UNKNOWN_TOKEN : (`token:${t.mint}` as const) })),
    ],
    calls: [],
    fee: paysFee ? fee : 0n,
    now,
  };
}
