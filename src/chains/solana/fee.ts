/**
 * The most a Solana transaction can charge its fee payer (account 0 of the message), in lamports, for
 * the transaction rules (https://solana.com/docs/core/fees):
 *
 * - base fee: 5,000 lamports per signature (`lamports_per_signature` of every public cluster). Signatures
 *   verified by precompile instructions (Ed25519, Secp256k1 programs) would add to it; a key with rules
 *   signs only System and Compute Budget instructions (intent.ts), so the message's required signatures
 *   are all of them.
 * - priority fee: compute-unit price (micro-lamports, SetComputeUnitPrice) × compute-unit limit,
 *   ÷ 1,000,000 rounded up (agave `PrioritizationFeeDetails` / `get_prioritization_fee`: the fee is charged
 *   on the limit requested, not the units used). The limit is SetComputeUnitLimit's, capped at
 *   MAX_COMPUTE_UNIT_LIMIT (1,400,000); without it, the runtime's default — 200,000 per instruction
 *   before SIMD-0170, and since SIMD-0170 3,000 per builtin instruction (compute-budget instructions
 *   included) and 200,000 per other (agave compute-budget-instruction/src/compute_budget_instruction_details.rs,
 *   `calculate_default_compute_unit_limit`; https://solana.com/docs/core/fees/compute-budget). The bound
 *   used here, 200,000 per non-compute-budget instruction plus 3,000 per compute-budget instruction, is
 *   at least either, so the fee is never undercounted whichever the cluster runs.
 *
 * Compute Budget instructions are borsh: a u8 variant, then a little-endian value — 1 RequestHeapFrame(u32),
 * 2 SetComputeUnitLimit(u32), 3 SetComputeUnitPrice(u64), 4 SetLoadedAccountsDataSizeLimit(u32). The
 * runtime refuses a repeated variant (DuplicateInstruction) and any other data (InvalidInstructionData);
 * so does this module (InvalidComputeBudgetError), rather than guess which value a fee would follow.
 */
import { base58 } from '@scure/base';
import type { SolanaMessage } from './message.js';

export const COMPUTE_BUDGET_PROGRAM_ID = 'ComputeBudget111111111111111111111111111111';
export const LAMPORTS_PER_SIGNATURE = 5000n;
export const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200_000n;
export const MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT = 3_000n;
export const MAX_COMPUTE_UNIT_LIMIT = 1_400_000n;
const MICRO_LAMPORTS_PER_LAMPORT = 1_000_000n;

/** Variant → the byte length of its canonical encoding (tag + value). */
const VARIANTS: Record<number, { name: string; bytes: number }> = {
  1: { name: 'RequestHeapFrame', bytes: 5 },
  2: { name: 'SetComputeUnitLimit', bytes: 5 },
  3: { name: 'SetComputeUnitPrice', bytes: 9 },
  4: { name: 'SetLoadedAccountsDataSizeLimit', bytes: 5 },
};

export class InvalidComputeBudgetError extends Error {
  constructor(
    readonly instruction: number,
    detail: string,
  ) {
    super(`instruction ${instruction}: ${detail}`);
    this.name = 'InvalidComputeBudgetError';
  }
}

export interface SolanaFee {
  /** 5,000 × signatures */
  baseFee: bigint;
  /** micro-lamports per compute unit (0 without SetComputeUnitPrice) */
  computeUnitPrice: bigint;
  /** the limit the priority fee is charged on */
  computeUnitLimit: bigint;
  /** ceil(price × limit / 10^6) */
  priorityFee: bigint;
  /** baseFee + priorityFee: the most the fee payer is charged */
  total: bigint;
}

/** The fee the message's fee payer pays at most. Throws InvalidComputeBudgetError as described above. */
export function solanaMaxFee(message: SolanaMessage): SolanaFee {
  let limit: bigint | undefined;
  let price: bigint | undefined;
  const seen = new Set<number>();
  let budgetInstructions = 0n;
  let otherInstructions = 0n;
  message.instructions.forEach((ins, index) => {
    const key = message.staticAccountKeys[ins.programIdIndex];
    if (key === undefined || base58.encode(key) !== COMPUTE_BUDGET_PROGRAM_ID) {
      otherInstructions++;
      return;
    }
    budgetInstructions++;
    const data = ins.data;
    const variant = data.length === 0 ? undefined : VARIANTS[data[0]!];
    if (variant === undefined) throw new InvalidComputeBudgetError(index, `Compute Budget data with variant ${data[0] ?? 'none'} is not an instruction the runtime accepts`);
    if (data.length !== variant.bytes) throw new InvalidComputeBudgetError(index, `${variant.name} data must be ${variant.bytes} bytes, not ${data.length}`);
    if (seen.has(data[0]!)) throw new InvalidComputeBudgetError(index, `${variant.name} appears twice (the runtime refuses duplicates)`);
    seen.add(data[0]!);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (data[0] === 2) limit = BigInt(view.getUint32(1, true));
    if (data[0] === 3) price = view.getBigUint64(1, true);
  });
  const defaultLimit = otherInstructions * DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT + budgetInstructions * MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT;
  const requested = limit ?? defaultLimit;
  const computeUnitLimit = requested < MAX_COMPUTE_UNIT_LIMIT ? requested : MAX_COMPUTE_UNIT_LIMIT;
  const computeUnitPrice = price ?? 0n;
  const priorityFee = (computeUnitPrice * computeUnitLimit + MICRO_LAMPORTS_PER_LAMPORT - 1n) / MICRO_LAMPORTS_PER_LAMPORT;
  const baseFee = LAMPORTS_PER_SIGNATURE * BigInt(message.numRequiredSignatures);
  return { baseFee, computeUnitPrice, computeUnitLimit, priorityFee, total: baseFee + priorityFee };
}
