/**
 * What a Solana transaction does, for the transaction policy engine: the programs it invokes and the
 * lamports it moves with System Program transfers (Transfer, TransferWithSeed). Pure: no network, so
 * `network` is always 'unknown' (a message does not name its cluster).
 *
 * `complete` is false when something could not be resolved offline — a transfer whose accounts come
 * from an address lookup table (v0) or a System Program instruction whose data does not decode — so a
 * policy can refuse what it cannot see rather than read an empty transfer list as "moves nothing".
 */
import { base58 } from '@scure/base';
import type { SolanaMessage } from './message.js';

export const SYSTEM_PROGRAM_ID = '11111111111111111111111111111111';

export interface SolanaTransfer {
  from: string;
  to: string;
  /** lamports */
  amount: bigint;
}

export interface SolanaTransactionSummary {
  network: 'unknown';
  transfers: SolanaTransfer[];
  /** base58 program ids, in first-use order, each once */
  programs: string[];
  complete: boolean;
}

/** System Program instruction discriminants (u32 little-endian, bincode). */
const TRANSFER = 2;
const TRANSFER_WITH_SEED = 11;

export function summarizeSolanaTransaction(message: SolanaMessage): SolanaTransactionSummary {
  const programs: string[] = [];
  const transfers: SolanaTransfer[] = [];
  let complete = true;
  const account = (index: number | undefined): string | undefined => {
    if (index === undefined) return undefined;
    const key = message.staticAccountKeys[index];
    return key === undefined ? undefined : base58.encode(key);
  };
  for (const ins of message.instructions) {
    const program = account(ins.programIdIndex);
    if (program === undefined) {
      complete = false;
      continue;
    }
    if (!programs.includes(program)) programs.push(program);
    if (program !== SYSTEM_PROGRAM_ID) continue;
    const data = ins.data;
    if (data.length < 4) {
      complete = false;
      continue;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const kind = view.getUint32(0, true);
    // Transfer: u32 2, u64 lamports; accounts [from (signer, writable), to (writable)].
    // TransferWithSeed: u32 11, u64 lamports, string seed, pubkey owner; accounts [from, base, to].
    if (kind !== TRANSFER && kind !== TRANSFER_WITH_SEED) continue;
    const ok = kind === TRANSFER ? data.length === 12 : data.length >= 12;
    const from = account(ins.accountIndexes[0]);
    const to = account(ins.accountIndexes[kind === TRANSFER ? 1 : 2]);
    if (!ok || from === undefined || to === undefined) {
      complete = false;
      continue;
    }
    transfers.push({ from, to, amount: view.getBigUint64(4, true) });
  }
  return { network: 'unknown', transfers, programs, complete };
}
