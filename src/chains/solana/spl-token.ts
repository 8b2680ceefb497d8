/**
 * SPL Token and Token-2022 instructions the transaction rules judge: Transfer (3), Approve (4),
 * TransferChecked (12) and ApproveChecked (13) — the token movements and allowances of a token account
 * (https://github.com/solana-program/token, program/src/instruction.rs; Token-2022 keeps the same
 * discriminants and account lists for these four). Data: u8 tag, u64 amount (little-endian), and for
 * the Checked forms a u8 decimals. Like the programs, bytes after those fields are ignored (they
 * unpack only what they read). Accounts:
 *   Transfer        [source, destination, authority, …multisig signers]
 *   Approve         [source, delegate, owner, …]
 *   TransferChecked [source, mint, destination, authority, …]
 *   ApproveChecked  [source, mint, delegate, owner, …]
 * Transfer and Approve do not name the mint (the program reads it from the source account): `mint` is
 * null then. Pure: no network, so the destination is the recipient's token account, not its owner.
 */
import { base58 } from '@scure/base';
import type { CompiledInstruction, SolanaMessage } from './message.js';

export const TOKEN_PROGRAM_ID = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM_ID = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';

export function isTokenProgram(program: string | undefined): boolean {
  return program === TOKEN_PROGRAM_ID || program === TOKEN_2022_PROGRAM_ID;
}

export interface SplTokenMovement {
  kind: 'transfer' | 'approve';
  /** the recipient token account (transfer) or the delegate (approve), base58 */
  to: string;
  /** base58; null when the instruction does not name it (Transfer, Approve) */
  mint: string | null;
  /** base units */
  amount: bigint;
}

/** tag → [kind, checked (names the mint and decimals), index of the recipient / delegate account] */
const JUDGED: ReadonlyMap<number, { kind: SplTokenMovement['kind']; checked: boolean; to: number }> = new Map([
  [3, { kind: 'transfer', checked: false, to: 1 }],
  [4, { kind: 'approve', checked: false, to: 1 }],
  [12, { kind: 'transfer', checked: true, to: 2 }],
  [13, { kind: 'approve', checked: true, to: 2 }],
]);

/**
 * Decodes a token-program instruction: the movement, `unsupported` for another instruction (burn,
 * close, set authority, …), `undecodable` when its data is short or an account it names cannot be read
 * offline (from an address lookup table).
 */
export function decodeSplTokenInstruction(message: SolanaMessage, ins: CompiledInstruction): SplTokenMovement | 'unsupported' | 'undecodable' {
  const tag = ins.data[0];
  const shape = tag === undefined ? undefined : JUDGED.get(tag);
  if (shape === undefined) return tag === undefined ? 'undecodable' : 'unsupported';
  if (ins.data.length < (shape.checked ? 10 : 9)) return 'undecodable';
  const account = (i: number): string | undefined => {
    const index = ins.accountIndexes[i];
    const key = index === undefined ? undefined : message.staticAccountKeys[index];
    return key === undefined ? undefined : base58.encode(key);
  };
  const to = account(shape.to);
  const mint = shape.checked ? account(1) : null;
  // The authority (last fixed account) must exist too, or the runtime refuses the instruction.
  if (to === undefined || mint === undefined || ins.accountIndexes.length < (shape.checked ? 4 : 3)) return 'undecodable';
  const amount = new DataView(ins.data.buffer, ins.data.byteOffset + 1, 8).getBigUint64(0, true);
  return { kind: shape.kind, to, mint, amount };
}
