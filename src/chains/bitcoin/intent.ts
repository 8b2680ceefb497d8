/**
 * A PSBT as a chain-neutral intent for the transaction rules (policy/transaction-rules.ts): every
 * output that does not pay back to the signing key's own P2WPKH/P2TR scripts is a transfer of its
 * amount to its address (`script:<hex>` for outputs without one, e.g. OP_RETURN), on the network
 * the request names. Outputs are always what the signatures bind: only sighash types that commit to
 * every output are signed (psbt.ts).
 *
 * The fee is Σ inputs − Σ outputs (every output, change included: change is not spent, the fee is),
 * counted in full against the key even when other parties' inputs pay part of it — the safe side, like
 * counting every non-change output as the key's transfer. That sum is only worth something if the input
 * amounts are the ones of the transaction the signatures end up in, and a PSBT's witnessUtxo is the
 * caller's claim. What binds an amount:
 * - nonWitnessUtxo, the full previous transaction: it hashes to the txid of the input's outpoint, which
 *   every signature commits to (psbt.ts, spentOutput). Proven for every signature.
 * - A BIP341 signature with SIGHASH_DEFAULT or SIGHASH_ALL commits to the amounts and scripts of every
 *   input's spent output (sha_amounts, sha_scriptpubkeys): it is invalid in any transaction whose spent
 *   outputs differ from the ones it was computed over.
 * - A BIP143 (P2WPKH) signature commits to its own input's amount only — not to any other input's amount
 *   or script.
 * A P2WSH multisig cosignature is BIP143 ECDSA like P2WPKH and counts the same way; a tapscript
 * multi_a cosignature is BIP341 like a key-path one. Change to a multisig script the key cosigns in this
 * PSBT is change, not a transfer: that script is bound by every signature (BIP143 scriptCode is the
 * witnessScript whose hash is the program; BIP341 commits to the spent scriptPubKeys).
 * Each signature of a request can be taken alone and combined with signatures from other requests, so an
 * amount counts only if it is proven, or if EVERY signature this request makes commits to it. Otherwise
 * the split-signing attack of the 2020 segwit fee disclosures works: the key's inputs I1 and I2 are each
 * signed in a request that states the other one as someone else's input of amount 0 (or as the key's
 * own at a false amount); each request sees fee 0, and the two signatures together make the real
 * transaction, whose fee is all of I1 + I2 − outputs.
 * So: all signatures BIP341 DEFAULT/ALL → every witnessUtxo counts; exactly one P2WPKH signature → its
 * own input's witnessUtxo counts and every other input needs nonWitnessUtxo; two or more → every input
 * needs nonWitnessUtxo. SIGHASH_ALL|ANYONECANPAY commits to no other input at all: the signature can be
 * put in a transaction with any other inputs — the fee, and the change it credits, are not bound.
 * In these cases the fee is unbounded (with the input and what is missing) and keys whose rules compare
 * amounts refuse the PSBT (`fee_unknown`); rules that do not compare amounts still sign it.
 */
import type { Transaction } from '@scure/btc-signer';
import type { TransactionIntent, UnboundedFee } from '../../policy/transaction-rules.js';
import type { BitcoinNetwork } from './network.js';
import { isWitnessV0, planPsbtInputs, SIGHASH_ANYONECANPAY, summarizePsbt, type PsbtPlan } from './psbt.js';

const unbounded = (why: string): UnboundedFee => ({ unbounded: why, field: 'psbt' });

/** Why the fee of a PSBT whose every spent output is given is still not bound, or undefined when it is. */
export function unboundFee(plan: PsbtPlan): UnboundedFee | undefined {
  const acp = plan.inputs.find((i) => (i.sighashType & SIGHASH_ANYONECANPAY) !== 0);
  if (acp !== undefined) {
    return unbounded(
      `psbt input ${acp.index} is to be signed with SIGHASH_ALL|ANYONECANPAY (0x${acp.sighashType.toString(16)}), which commits to none of the other inputs, so the transaction it can end up in and its fee are not bound; sign it with SIGHASH_ALL${!isWitnessV0(acp.kind) ? ' or SIGHASH_DEFAULT' : ''}`,
    );
  }
  // ANYONECANPAY is excluded above, so every P2TR signature is BIP341 DEFAULT/ALL and commits to every amount.
  const ecdsa = plan.inputs.filter((i) => isWitnessV0(i.kind));
  for (let index = 0; index < plan.spent.length; index++) {
    if (plan.spent[index]?.proven !== false) continue;
    const notCommitting = ecdsa.find((i) => i.index !== index);
    if (notCommitting !== undefined) {
      return unbounded(
        `psbt input ${index}: witnessUtxo alone does not bind its amount, since the P2WPKH signature of input ${notCommitting.index} commits to no other input's amount (BIP143); include input ${index}'s nonWitnessUtxo (its full previous transaction)`,
      );
    }
  }
  return undefined;
}

export function bitcoinIntent(tx: Transaction, network: BitcoinNetwork, publicKey: Uint8Array, now: Date): TransactionIntent {
  const plan = planPsbtInputs(tx, publicKey);
  const cosigned = plan.inputs.filter((i) => i.kind === 'p2wsh_multi' || i.kind === 'p2tr_multi_a').map((i) => plan.spent[i.index]!.script);
  const summary = summarizePsbt(tx, network, publicKey, cosigned);
  let fee: TransactionIntent['fee'];
  if (summary.fee === null) {
    const index = plan.spent.findIndex((out) => out === undefined);
    fee = unbounded(`psbt input ${index} has neither witnessUtxo nor nonWitnessUtxo, so its amount and the fee are unknown`);
  } else {
    fee = unboundFee(plan) ?? summary.fee;
  }
  return {
    chain: 'bitcoin',
    network,
    transfers: summary.transfers.map((t) => ({ to: t.to ?? `script:${t.scriptPubKey.replace(/^0x/, '')}`, amount: t.amount, asset: 'native' as const })),
    calls: [],
    fee,
    now,
  };
}
