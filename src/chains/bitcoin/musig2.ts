/**
 * MuSig2 (BIP327) n-of-n Taproot key-path spending, the chain side: the aggregate key of the
 * participants' public keys (in the order given, or sorted with KeySort), its Taproot tweak (BIP86:
 * t = hash_TapTweak(P), no script tree; or none), the P2TR output script of the result, and the BIP341
 * sighash of one key-path input. MuSig2 itself is @scure/btc-signer's musig2 module (not audited, per
 * its README), checked against the BIP327 vectors in test/vectors/bip327-musig2.test.ts.
 */
import { OutScript, p2tr, type Transaction } from '@scure/btc-signer';
import * as musig2 from '@scure/btc-signer/musig2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { equalBytes, tagSchnorr } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import type { BitcoinNetwork } from './network.js';
import { MAX_PSBT_INPUTS, MAX_PSBT_OUTPUTS, SIGHASH_ALL, SIGHASH_DEFAULT, spentOutput, summarizePsbt, type SpentOutput } from './psbt.js';

export const musig2Tweaks = ['bip86', 'none'] as const;
export type Musig2Tweak = (typeof musig2Tweaks)[number];

/** The most participants a session names. */
export const MAX_MUSIG2_PARTICIPANTS = 100;

export interface Musig2Aggregate {
  /** the participants' 33-byte compressed keys in the order the aggregation (and signing) uses */
  publicKeys: Uint8Array[];
  /** the x-only tweaks applied to the aggregate key (BIP86: one) */
  tweaks: Uint8Array[];
  /** the x-only aggregate key before the tweak (the Taproot internal key) */
  internalKey: Uint8Array;
  /** the x-only key the output commits to */
  outputKey: Uint8Array;
  /** OP_1 PUSH32 <outputKey> */
  script: Uint8Array;
}

const invalid = (field: string, message: string): StrongboxError => new StrongboxError('INVALID_ARGUMENT', message, { field });

/**
 * Aggregates the participants' keys. Each key must be a valid compressed secp256k1 point, given once;
 * the output key is computed twice — by MuSig2 key aggregation with the tweak, and by btc-signer's p2tr
 * from the internal key — and both must agree.
 */
export function musig2Aggregate(keys: readonly Uint8Array[], options: { sort: boolean; tweak: Musig2Tweak }): Musig2Aggregate {
  if (keys.length < 2 || keys.length > MAX_MUSIG2_PARTICIPANTS) throw invalid('publicKeys', `publicKeys must name 2 to ${MAX_MUSIG2_PARTICIPANTS} participants`);
  keys.forEach((k, i) => {
    if (k.byteLength !== 33 || (k[0] !== 2 && k[0] !== 3)) throw invalid(`publicKeys[${i}]`, `publicKeys[${i}] must be a 33-byte compressed secp256k1 public key`);
    if (keys.findIndex((other) => equalBytes(other, k)) !== i) throw invalid(`publicKeys[${i}]`, `publicKeys[${i}] repeats an earlier key`);
    try {
      secp256k1.Point.fromBytes(k);
    } catch {
      throw invalid(`publicKeys[${i}]`, `publicKeys[${i}] is not a point on secp256k1`);
    }
  });
  const publicKeys = options.sort ? musig2.sortKeys([...keys]) : [...keys];
  let internalKey: Uint8Array;
  try {
    internalKey = musig2.keyAggExport(musig2.keyAggregate(publicKeys));
  } catch (err) {
    if (err instanceof musig2.InvalidContributionErr) throw invalid(`publicKeys[${err.idx}]`, `publicKeys[${err.idx}] is not a valid secp256k1 public key`);
    throw invalid('publicKeys', 'publicKeys do not aggregate to a valid key');
  }
  if (options.tweak === 'none') {
    return { publicKeys, tweaks: [], internalKey, outputKey: internalKey, script: OutScript.encode({ type: 'tr', pubkey: internalKey }) };
  }
  const tweaks = [tagSchnorr('TapTweak', internalKey)];
  const outputKey = musig2.keyAggExport(musig2.keyAggregate(publicKeys, tweaks, [true]));
  const script = p2tr(internalKey).script;
  if (!equalBytes(script, OutScript.encode({ type: 'tr', pubkey: outputKey }))) throw new StrongboxError('INTERNAL', 'MuSig2 tweaked key disagrees with the BIP86 output key');
  return { publicKeys, tweaks, internalKey, outputKey, script };
}

/**
 * The BIP341 key-path sighash of input `index`, which must spend `aggregate.script`: the input is
 * unsigned, has no script tree, and asks for SIGHASH_DEFAULT or SIGHASH_ALL (which commit to every
 * input's amount and script and to every output); every input's spent output is given.
 */
export function musig2Sighash(tx: Transaction, index: number, aggregate: Musig2Aggregate): Uint8Array {
  if (tx.inputsLength > MAX_PSBT_INPUTS || tx.outputsLength > MAX_PSBT_OUTPUTS) {
    throw new StrongboxError('INVALID_PSBT', `psbt has ${tx.inputsLength} inputs and ${tx.outputsLength} outputs; Strongbox signs PSBTs of at most ${MAX_PSBT_INPUTS} inputs and ${MAX_PSBT_OUTPUTS} outputs`, { field: 'psbt' });
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= tx.inputsLength) throw invalid('input', `input must be the index of an input of the psbt (0 to ${tx.inputsLength - 1})`);
  const input = tx.getInput(index);
  if (input.finalScriptWitness !== undefined || input.finalScriptSig !== undefined) throw new StrongboxError('PSBT_INPUT_UNSUPPORTED', `psbt input ${index} is already finalized`, { field: 'psbt' });
  if (input.witnessUtxo === undefined) throw new StrongboxError('PSBT_INPUT_UNSUPPORTED', `psbt input ${index} has no witnessUtxo (PSBT_IN_WITNESS_UTXO is required)`, { field: 'psbt' });
  if (!equalBytes(input.witnessUtxo.script, aggregate.script)) {
    throw new StrongboxError('INVALID_ARGUMENT', `psbt input ${index}'s witnessUtxo script is not the P2TR output of the aggregate of publicKeys (tweak ${aggregate.tweaks.length === 0 ? 'none' : 'bip86'})`, { field: 'publicKeys' });
  }
  if (input.tapMerkleRoot !== undefined && input.tapMerkleRoot.byteLength > 0) throw new StrongboxError('PSBT_INPUT_UNSUPPORTED', `psbt input ${index} has a Taproot script tree (tapMerkleRoot); MuSig2 signs BIP86 key-path outputs only`, { field: 'psbt' });
  const sighashType = input.sighashType ?? SIGHASH_DEFAULT;
  if (sighashType !== SIGHASH_DEFAULT && sighashType !== SIGHASH_ALL) {
    throw new StrongboxError('UNSUPPORTED_SIGHASH', `psbt input ${index} asks for sighash type 0x${sighashType.toString(16)}; MuSig2 inputs are signed with SIGHASH_DEFAULT or SIGHASH_ALL only`, { field: 'psbt' });
  }
  const spent: SpentOutput[] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const out = spentOutput(tx.getInput(i), i);
    if (out === undefined) throw new StrongboxError('PSBT_INPUT_UNSUPPORTED', `a Taproot signature commits to every input's spent output, and input ${i} has no witnessUtxo or nonWitnessUtxo`, { field: 'psbt' });
    spent.push(out);
  }
  return tx.preimageWitnessV1(index, spent.map((p) => p.script), sighashType, spent.map((p) => p.amount));
}

/**
 * The transaction rules' view of a PSBT with one MuSig2 input of the key: every output is a transfer
 * except change to the key's own scripts or back to the aggregate's output; the fee is bound, because
 * the one signature the request makes is BIP341 SIGHASH_DEFAULT/ALL, which commits to every input's
 * amount (chains/bitcoin/intent.ts explains why that matters).
 */
export function musig2Intent(tx: Transaction, network: BitcoinNetwork, publicKey: Uint8Array, aggregate: Musig2Aggregate, now: Date): TransactionIntent {
  const summary = summarizePsbt(tx, network, publicKey, [aggregate.script]);
  return {
    chain: 'bitcoin',
    network,
    transfers: summary.transfers.map((t) => ({ to: t.to ?? `script:${t.scriptPubKey.replace(/^0x/, '')}`, amount: t.amount, asset: 'native' as const })),
    calls: [],
    fee: summary.fee ?? { unbounded: 'an input of the psbt has neither witnessUtxo nor nonWitnessUtxo', field: 'psbt' },
    now,
  };
}
