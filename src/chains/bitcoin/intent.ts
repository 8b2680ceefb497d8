/**
 * A PSBT as a chain-neutral intent for the transaction rules (policy/transaction-rules.ts): every
 * output that does not pay back to the signing key's own P2WPKH/P2TR scripts is a transfer of its
 * amount to its address (`script:<hex>` for outputs without one, e.g. OP_RETURN), on the network
 * the request names.
 *
 * The fee is Σ inputs − Σ outputs (every output, change included: change is not spent, the fee is),
 * counted in full against the key even when other parties' inputs pay part of it — the safe side, like
 * counting every non-change output as the key's transfer. Input amounts come from witnessUtxo or else
 * nonWitnessUtxo; when an input has neither, the fee cannot be bounded (the unknown input could make the
 * difference anything) and the intent says so with the input's index, for the rules to refuse when
 * they compare amounts. An amount misstated on another party's input cannot hide what the key loses:
 * transfers + fee = Σ claimed inputs − change ≥ Σ the key's own inputs − change, because the key's own
 * inputs are signed over their amounts (BIP143, BIP341) — a signature over a wrong own amount is invalid.
 */
import type { Transaction } from '@scure/btc-signer';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import type { BitcoinNetwork } from './network.js';
import { prevOut, summarizePsbt } from './psbt.js';

export function bitcoinIntent(tx: Transaction, network: BitcoinNetwork, publicKey: Uint8Array, now: Date): TransactionIntent {
  const summary = summarizePsbt(tx, network, publicKey);
  let fee: TransactionIntent['fee'];
  if (summary.fee !== null) {
    fee = summary.fee;
  } else {
    let index = 0;
    while (index < tx.inputsLength && prevOut(tx.getInput(index)) !== undefined) index++;
    fee = { unbounded: `psbt input ${index} has neither witnessUtxo nor nonWitnessUtxo, so its amount and the fee are unknown`, field: 'psbt' };
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
