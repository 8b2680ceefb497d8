/**
 * PSBT (BIP174) handling for one secp256k1 key: parse, find the inputs the key can sign, compute
 * their sighashes, and add the signatures. Parsing, sighash computation (BIP143 for witness v0,
 * BIP341 for witness v1) and serialization are @scure/btc-signer's; nothing here hashes or
 * serializes a transaction by hand. Signing itself happens in the service layer with the key's
 * signers (src/service/bitcoin/bitcoin-sign-psbt.ts), so no secret passes through this module.
 *
 * What the key signs (everything else is left untouched or refused):
 * - P2WPKH inputs whose witnessUtxo script is the key's P2WPKH script (and, when nonWitnessUtxo is
 *   present, the script it proves): ECDSA over the BIP143 sighash, SIGHASH_ALL by default; the input's
 *   sighashType is honoured when it is ALL or ALL|ANYONECANPAY (keys whose transaction rules compare
 *   amounts refuse ANYONECANPAY: chains/bitcoin/intent.ts).
 * - P2TR key-path inputs whose witnessUtxo script is the key's BIP86 output (no script tree):
 *   BIP340 Schnorr over the BIP341 sighash, SIGHASH_DEFAULT by default; ALL and ALL|ANYONECANPAY
 *   are honoured too (ANYONECANPAY, again, not for keys whose rules compare amounts).
 * - P2WSH sortedmulti and P2TR script-path multi_a inputs in which the key is one participant
 *   (chains/bitcoin/multisig.ts): ECDSA over the BIP143 sighash with the witnessScript as scriptCode
 *   (partial_sig), or BIP340 under the untweaked key over the BIP341 script-path sighash of each
 *   multi_a leaf with the key (tap_script_sig). Same sighash types as P2WPKH and P2TR respectively.
 * NONE and SINGLE (with or without ANYONECANPAY) are refused: they leave outputs uncommitted, so a
 * summary of the transfers (summarizePsbt) would not bind what the signature authorizes.
 * An input that the key owns but that cannot be signed safely (no witnessUtxo, legacy or nested
 * segwit script, a Taproot script tree) is refused rather than skipped, so the caller learns why.
 */
import { OutScript, RawTx, Transaction } from '@scure/btc-signer';
import { hash160, sha256x2 } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { BitcoinAddressType } from '../../protocol/bitcoin.js';
import { bitcoinPayment, compressPublicKey, xOnlyPublicKey } from './address.js';
import { matchP2trMultisig, matchP2wshMultisig, type TapLeafMultisig } from './multisig.js';
import { networkParams, type BitcoinNetwork } from './network.js';

type TransactionInput = ReturnType<Transaction['getInput']>;

export const SIGHASH_DEFAULT = 0x00;
export const SIGHASH_ALL = 0x01;
export const SIGHASH_ANYONECANPAY = 0x80;

/** Size bounds for signing (a standard transaction of 400,000 weight units has fewer than 2,500 P2TR inputs). */
export const MAX_PSBT_INPUTS = 500;
export const MAX_PSBT_OUTPUTS = 2500;

/** How the key signs an input: single-key P2WPKH / P2TR key path, or as one cosigner of a multisig. */
export type PsbtInputKind = BitcoinAddressType | 'p2wsh_multi' | 'p2tr_multi_a';

/** Whether the input's signature is BIP143 ECDSA (commits to its own input's amount only). */
export const isWitnessV0 = (kind: PsbtInputKind): boolean => kind === 'p2wpkh' || kind === 'p2wsh_multi';

const ALLOWED_SIGHASH: Record<PsbtInputKind, readonly number[]> = {
  p2wpkh: [SIGHASH_ALL, SIGHASH_ALL | SIGHASH_ANYONECANPAY],
  p2tr: [SIGHASH_DEFAULT, SIGHASH_ALL, SIGHASH_ALL | SIGHASH_ANYONECANPAY],
  p2wsh_multi: [SIGHASH_ALL, SIGHASH_ALL | SIGHASH_ANYONECANPAY],
  p2tr_multi_a: [SIGHASH_DEFAULT, SIGHASH_ALL, SIGHASH_ALL | SIGHASH_ANYONECANPAY],
};

function assertSighash(index: number, kind: PsbtInputKind, sighashType: number): void {
  if (!ALLOWED_SIGHASH[kind].includes(sighashType)) {
    throw new StrongboxError('UNSUPPORTED_SIGHASH', `psbt input ${index}: sighash type 0x${sighashType.toString(16).padStart(2, '0')} is not signed for ${kind} inputs; allowed: ${ALLOWED_SIGHASH[kind].map((t) => `0x${t.toString(16).padStart(2, '0')}`).join(', ')}`, { field: 'psbt' });
  }
}

/** The scripts by which a key is recognized in a PSBT. */
export interface KeyScripts {
  /** SEC1 compressed public key (P2WPKH partial signatures are keyed by it) */
  compressed: Uint8Array;
  /** BIP340 x-only internal key */
  xOnly: Uint8Array;
  p2wpkh: Uint8Array;
  p2tr: Uint8Array;
}

export function keyScripts(publicKey: Uint8Array): KeyScripts {
  // Output scripts do not depend on the network; mainnet parameters are only used for the address.
  return {
    compressed: compressPublicKey(publicKey),
    xOnly: xOnlyPublicKey(publicKey),
    p2wpkh: bitcoinPayment(publicKey, 'p2wpkh', 'mainnet').script,
    p2tr: bitcoinPayment(publicKey, 'p2tr', 'mainnet').script,
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A base64 PSBT (version 0 or 2) parsed by @scure/btc-signer, or INVALID_PSBT naming `psbt`. */
export function parsePsbt(psbtBase64: string): Transaction {
  if (psbtBase64.length === 0 || !BASE64.test(psbtBase64)) throw new StrongboxError('INVALID_PSBT', 'psbt must be a base64-encoded BIP174 PSBT', { field: 'psbt' });
  return parsePsbtBytes(new Uint8Array(Buffer.from(psbtBase64, 'base64')));
}

export function parsePsbtBytes(psbt: Uint8Array): Transaction {
  try {
    // Inputs and outputs of any script type may be present (other parties' inputs, OP_RETURN outputs);
    // only the key's own inputs are signed, and those are recognized below by exact script match.
    return Transaction.fromPSBT(psbt, { allowUnknownInputs: true, allowUnknownOutputs: true });
  } catch (cause) {
    throw new StrongboxError('INVALID_PSBT', `psbt is not a valid BIP174 PSBT: ${describeParseError(cause)}`, { field: 'psbt', cause });
  }
}

/**
 * btc-signer's parse error names the PSBT field that failed (`Reader(inputs/0/0/value): …`). The PSBT is
 * a sensitive input (only its HMAC is audited), so byte values an error might quote are elided and the
 * text is kept short.
 */
export function describeParseError(cause: unknown): string {
  const text = (cause instanceof Error ? cause.message : String(cause))
    .replace(/[0-9a-fA-F]{16,}/g, '…')
    .replace(/[A-Za-z0-9+/=]{24,}/g, '…')
    .replace(/\d+(?:,\d+){3,}/g, '…');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const equal = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.compare(a, b) === 0;

/**
 * The output an input spends, as the PSBT gives it. `proven` when it comes from nonWitnessUtxo, the full
 * previous transaction: that transaction hashes to the txid of the input's outpoint, which every signature
 * commits to (BIP143 hashPrevouts, BIP341 sha_prevouts), so its outputs are the chain's, not the caller's.
 * A witnessUtxo alone is the caller's claim: what binds it is only the signatures that commit to it (see
 * chains/bitcoin/intent.ts).
 */
export interface SpentOutput {
  script: Uint8Array;
  amount: bigint;
  proven: boolean;
}

/**
 * The output input `index` spends, from nonWitnessUtxo (proven) or else witnessUtxo (claimed); undefined
 * when the input carries neither. Throws INVALID_PSBT when nonWitnessUtxo is not the transaction the
 * outpoint names, or witnessUtxo contradicts it. btc-signer checks both when it parses a PSBT
 * (validateInput); they are checked again here because the spend limits rest on them.
 */
export function spentOutput(input: TransactionInput, index: number): SpentOutput | undefined {
  const previous = input.nonWitnessUtxo;
  if (previous === undefined) return input.witnessUtxo === undefined ? undefined : { script: input.witnessUtxo.script, amount: input.witnessUtxo.amount, proven: false };
  const invalid = (why: string): StrongboxError => new StrongboxError('INVALID_PSBT', `psbt input ${index}: ${why}`, { field: 'psbt' });
  const output = input.index === undefined ? undefined : previous.outputs[input.index];
  if (output === undefined || input.txid === undefined) throw invalid('nonWitnessUtxo has no output at the index the input spends');
  // A txid is the double SHA-256 of the transaction serialized without witnesses (BIP141), byte-reversed
  // as btc-signer holds outpoint txids (Transaction.id computes it the same way, from btc-signer's
  // serializer; re-parsing the whole previous transaction just for that would cost far more).
  const txid = sha256x2(RawTx.encode({ ...previous, segwitFlag: false })).reverse();
  if (!equal(input.txid, txid)) throw invalid('nonWitnessUtxo is not the transaction its outpoint names (txid mismatch)');
  const claimed = input.witnessUtxo;
  if (claimed !== undefined && (!equal(claimed.script, output.script) || claimed.amount !== output.amount)) throw invalid('witnessUtxo does not match the output nonWitnessUtxo names');
  return { script: output.script, amount: output.amount, proven: true };
}

/** Whether `script` pays to the key through a script type Strongbox does not sign (P2PK, P2PKH, P2SH-P2WPKH). */
function isOtherScriptOfKey(script: Uint8Array, input: TransactionInput, key: KeyScripts, uncompressed: Uint8Array): boolean {
  let decoded;
  try {
    decoded = OutScript.decode(script);
  } catch {
    return false;
  }
  const hashes = [hash160(key.compressed), hash160(uncompressed)];
  switch (decoded.type) {
    case 'pk':
      return equal(decoded.pubkey, key.compressed) || equal(decoded.pubkey, uncompressed);
    case 'pkh':
      return hashes.some((h) => equal(decoded.hash, h));
    case 'sh':
      return input.redeemScript !== undefined && equal(input.redeemScript, key.p2wpkh);
    default:
      return false;
  }
}

/** Whether the input's metadata names the key (bip32Derivation, tapInternalKey, tapBip32Derivation). */
function namesKey(input: TransactionInput, key: KeyScripts, uncompressed: Uint8Array): boolean {
  if (equal(input.tapInternalKey, key.xOnly)) return true;
  if (input.bip32Derivation?.some(([pub]) => equal(pub, key.compressed) || equal(pub, uncompressed))) return true;
  if (input.tapBip32Derivation?.some(([pub]) => equal(pub, key.xOnly))) return true;
  return false;
}

function unsupported(index: number, why: string): StrongboxError {
  return new StrongboxError('PSBT_INPUT_UNSUPPORTED', `psbt input ${index}: ${why}`, { field: 'psbt' });
}

/** An input the key signs, and how. */
export interface PlannedInput {
  index: number;
  kind: PsbtInputKind;
  /** the input's sighash type (0 = SIGHASH_DEFAULT, Taproot only) */
  sighashType: number;
  /** p2wsh_multi: the sortedmulti witnessScript (the BIP143 scriptCode) */
  witnessScript?: Uint8Array;
  /** p2tr_multi_a: the multi_a leaves with the key, each signed */
  leaves?: TapLeafMultisig[];
}

export interface PsbtPlan {
  /** every input's spent output (spentOutput), undefined where the PSBT gives none */
  spent: (SpentOutput | undefined)[];
  /** the inputs the key signs, in input order */
  inputs: PlannedInput[];
}

export interface SigningTask extends PlannedInput {
  /** the 32-byte message to sign: BIP143 (p2wpkh, p2wsh_multi) or BIP341 (p2tr, p2tr_multi_a) signature hash */
  sighash: Uint8Array;
  /** p2tr_multi_a: the TapLeaf hash of the leaf this signature is for */
  leafHash?: Uint8Array;
}

/**
 * Which inputs of `tx` `publicKey` signs, and with which sighash type, without computing a sighash.
 * Refuses (PSBT_INPUT_UNSUPPORTED, UNSUPPORTED_SIGHASH, INVALID_PSBT) an input the key owns but cannot
 * sign safely, and PSBT_NO_KEY_INPUTS when no input belongs to the key. Finalized inputs are left alone.
 * An input is the key's when its spent script is the key's P2WPKH or BIP86 P2TR script; where
 * nonWitnessUtxo proves that script, witnessUtxo must agree with it (spentOutput), so a proven input of
 * the key cannot be passed off as another party's.
 */
export function planPsbtInputs(tx: Transaction, publicKey: Uint8Array): PsbtPlan {
  // Each signature hash re-hashes every input's outpoint (and, for BIP341, every spent output) and
  // every output, so signing costs O(inputs × (inputs + outputs)) on the request thread: bound it.
  if (tx.inputsLength > MAX_PSBT_INPUTS || tx.outputsLength > MAX_PSBT_OUTPUTS) {
    throw new StrongboxError('INVALID_PSBT', `psbt has ${tx.inputsLength} inputs and ${tx.outputsLength} outputs; Strongbox signs PSBTs of at most ${MAX_PSBT_INPUTS} inputs and ${MAX_PSBT_OUTPUTS} outputs`, { field: 'psbt' });
  }
  const key = keyScripts(publicKey);
  const uncompressed = publicKey.byteLength === 65 ? publicKey : new Uint8Array(0);
  const spent: (SpentOutput | undefined)[] = [];
  const inputs: PlannedInput[] = [];
  for (let index = 0; index < tx.inputsLength; index++) {
    const input = tx.getInput(index);
    const out = spentOutput(input, index);
    spent.push(out);
    if (input.finalScriptWitness !== undefined || input.finalScriptSig !== undefined) continue;
    const witness = input.witnessUtxo;
    const kind: BitcoinAddressType | undefined = equal(witness?.script, key.p2wpkh) ? 'p2wpkh' : equal(witness?.script, key.p2tr) ? 'p2tr' : undefined;
    if (kind !== undefined) {
      const sighashType = input.sighashType ?? (kind === 'p2tr' ? SIGHASH_DEFAULT : SIGHASH_ALL);
      assertSighash(index, kind, sighashType);
      if (kind === 'p2tr') {
        if (input.tapMerkleRoot !== undefined && input.tapMerkleRoot.byteLength > 0) throw unsupported(index, 'has a Taproot script tree (tapMerkleRoot); only BIP86 key-path outputs are signed');
        if (input.tapInternalKey !== undefined && !equal(input.tapInternalKey, key.xOnly)) throw new StrongboxError('INVALID_PSBT', `psbt input ${index}: tapInternalKey is not the key that the witnessUtxo script commits to`, { field: 'psbt' });
      }
      inputs.push({ index, kind, sighashType });
      continue;
    }
    if (witness !== undefined) {
      const multi = matchP2wshMultisig(input, index, witness.script, key) ?? matchP2trMultisig(input, index, witness.script, key);
      if (multi !== undefined) {
        const sighashType = input.sighashType ?? (multi.kind === 'p2tr_multi_a' ? SIGHASH_DEFAULT : SIGHASH_ALL);
        assertSighash(index, multi.kind, sighashType);
        inputs.push(multi.kind === 'p2wsh_multi' ? { index, kind: multi.kind, sighashType, witnessScript: multi.witnessScript } : { index, kind: multi.kind, sighashType, leaves: multi.leaves });
        continue;
      }
    }
    if (witness === undefined && out !== undefined && (equal(out.script, key.p2wpkh) || equal(out.script, key.p2tr))) {
      throw unsupported(index, 'spends an output of the key but has no witnessUtxo (PSBT_IN_WITNESS_UTXO is required)');
    }
    if (out !== undefined && isOtherScriptOfKey(out.script, input, key, uncompressed)) {
      throw unsupported(index, 'spends a legacy (P2PK, P2PKH) or nested-segwit (P2SH) output of the key; only P2WPKH and P2TR key-path inputs are signed');
    }
    if (namesKey(input, key, uncompressed)) {
      if (out === undefined) throw unsupported(index, 'names the key (tapInternalKey or a BIP32 derivation) but has no witnessUtxo (PSBT_IN_WITNESS_UTXO is required)');
      throw unsupported(index, "names the key (tapInternalKey or a BIP32 derivation) but does not spend the key's P2WPKH or P2TR key-path (BIP86) output; script paths other than a tapscript multi_a leaf with the key (tapLeafScript), and scripts other than a P2WSH sortedmulti with the key (witnessScript), are not signed");
    }
  }
  if (inputs.length === 0) {
    throw new StrongboxError('PSBT_NO_KEY_INPUTS', "no unsigned input of the psbt spends the key's P2WPKH or P2TR output, or a multisig with the key (inputs are matched by their witnessUtxo script, witnessScript and tapLeafScript)", { field: 'psbt' });
  }
  const firstTaproot = inputs.find((i) => !isWitnessV0(i.kind));
  const missing = spent.findIndex((out) => out === undefined);
  if (firstTaproot !== undefined && missing !== -1) {
    // BIP341 commits to the amounts and scripts of every input's spent output.
    throw unsupported(firstTaproot.index, `a Taproot signature commits to every input's spent output, and input ${missing} has no witnessUtxo or nonWitnessUtxo`);
  }
  return { spent, inputs };
}

/** The inputs of `tx` that `publicKey` must sign, with their sighashes (planPsbtInputs refuses the rest). */
export function planPsbtSigning(tx: Transaction, publicKey: Uint8Array): SigningTask[] {
  const { spent, inputs } = planPsbtInputs(tx, publicKey);
  const key = keyScripts(publicKey);
  // Every spent output is present when a Taproot input is planned (planPsbtInputs).
  const prevouts = spent.filter((out): out is SpentOutput => out !== undefined);
  return inputs.flatMap((planned): SigningTask[] => {
    const { index, kind, sighashType } = planned;
    const amount = spent[index]!.amount;
    if (kind === 'p2wpkh') {
      // BIP143: the scriptCode of a P2WPKH input is the P2PKH script of the same key hash.
      const scriptCode = OutScript.encode({ type: 'pkh', hash: hash160(key.compressed) });
      return [{ index, kind, sighashType, sighash: tx.preimageWitnessV0(index, scriptCode, sighashType, amount) }];
    }
    if (kind === 'p2wsh_multi') {
      // BIP143: the scriptCode of a P2WSH input is its witnessScript (no OP_CODESEPARATOR in sortedmulti).
      return [{ ...planned, sighash: tx.preimageWitnessV0(index, planned.witnessScript!, sighashType, amount) }];
    }
    if (kind === 'p2tr_multi_a') {
      // BIP341 with the BIP342 extension: ext_flag 1, tapleaf_hash, key_version 0, codesep_pos 0xffffffff.
      return planned.leaves!.map((leaf) => ({
        ...planned,
        leafHash: leaf.leafHash,
        sighash: tx.preimageWitnessV1(index, prevouts.map((p) => p.script), sighashType, prevouts.map((p) => p.amount), undefined, leaf.script, 0xc0),
      }));
    }
    const sighash = tx.preimageWitnessV1(index, prevouts.map((p) => p.script), sighashType, prevouts.map((p) => p.amount));
    return [{ index, kind, sighashType, sighash }];
  });
}

/**
 * Adds verified signatures to `tx`: a partial signature (DER ECDSA ‖ sighash type) keyed by the
 * compressed public key for P2WPKH, a tapKeySig (64-byte BIP340 signature, ‖ sighash type unless
 * SIGHASH_DEFAULT) and the tapInternalKey for P2TR.
 */
export function addSignature(tx: Transaction, publicKey: Uint8Array, task: SigningTask, signature: Uint8Array): void {
  const key = keyScripts(publicKey);
  if (task.kind === 'p2wpkh' || task.kind === 'p2wsh_multi') {
    tx.updateInput(task.index, { partialSig: [[key.compressed, Uint8Array.from([...signature, task.sighashType])]] }, true);
  } else if (task.kind === 'p2tr_multi_a') {
    const tapScriptSig = task.sighashType === SIGHASH_DEFAULT ? signature : Uint8Array.from([...signature, task.sighashType]);
    tx.updateInput(task.index, { tapScriptSig: [[{ pubKey: key.xOnly, leafHash: task.leafHash! }, tapScriptSig]] }, true);
  } else {
    const tapKeySig = task.sighashType === SIGHASH_DEFAULT ? signature : Uint8Array.from([...signature, task.sighashType]);
    tx.updateInput(task.index, { tapKeySig, tapInternalKey: key.xOnly }, true);
  }
}

export function toPsbtBase64(tx: Transaction): string {
  return Buffer.from(tx.toPSBT()).toString('base64');
}

export interface PsbtTransfer {
  /** the output's address on the network, or null for a script without one (OP_RETURN, bare multisig, …) */
  to: string | null;
  /** satoshis */
  amount: bigint;
  /** 0x-hex output script */
  scriptPubKey: string;
}

/** What a PSBT pays, for the transaction policy engine. */
export interface PsbtSummary {
  network: BitcoinNetwork;
  /** outputs that do not pay back to the key (change to the key's own P2WPKH/P2TR script is left out) */
  transfers: PsbtTransfer[];
  /**
   * Σ inputs − Σ outputs in satoshis as the PSBT states them, or null when some input's spent output
   * (witnessUtxo or nonWitnessUtxo) is missing. A witnessUtxo amount is a claim: which claims the
   * signatures bind, and so whether this is the fee the signed transaction pays, is bitcoinIntent's call.
   */
  fee: bigint | null;
}

/**
 * Summarizes a PSBT: every output as a transfer to its address, except outputs to one of the key's
 * own scripts (its change, identified by exact script match when `publicKey` is given, and `ownScripts`:
 * the multisig outputs the key cosigns, whose change returns to the same script), and the fee
 * when every input's spent amount is given. Pure: no key material, no I/O. Throws INVALID_PSBT for a
 * malformed PSBT, a nonWitnessUtxo that is not the outpoint's transaction, or outputs exceeding inputs.
 */
export function summarizePsbt(psbt: Uint8Array | Transaction, network: BitcoinNetwork, publicKey?: Uint8Array, ownScripts: readonly Uint8Array[] = []): PsbtSummary {
  const tx = psbt instanceof Transaction ? psbt : parsePsbtBytes(psbt);
  const own = publicKey === undefined ? [...ownScripts] : [keyScripts(publicKey).p2wpkh, keyScripts(publicKey).p2tr, ...ownScripts];
  const params = networkParams(network);
  const transfers: PsbtTransfer[] = [];
  let outputTotal = 0n;
  for (let i = 0; i < tx.outputsLength; i++) {
    const output = tx.getOutput(i);
    if (output.script === undefined || output.amount === undefined) throw new StrongboxError('INVALID_PSBT', `psbt output ${i} has no script or amount`, { field: 'psbt' });
    outputTotal += output.amount;
    if (own.some((script) => equal(output.script, script))) continue;
    let to: string | null;
    try {
      to = tx.getOutputAddress(i, params) ?? null;
    } catch {
      to = null;
    }
    transfers.push({ to, amount: output.amount, scriptPubKey: `0x${Buffer.from(output.script).toString('hex')}` });
  }
  let inputTotal: bigint | null = 0n;
  for (let i = 0; i < tx.inputsLength && inputTotal !== null; i++) {
    const spent = spentOutput(tx.getInput(i), i);
    inputTotal = spent === undefined ? null : inputTotal + spent.amount;
  }
  if (inputTotal !== null && inputTotal < outputTotal) throw new StrongboxError('INVALID_PSBT', `psbt outputs (${outputTotal} sat) exceed its inputs (${inputTotal} sat)`, { field: 'psbt' });
  return { network, transfers, fee: inputTotal === null ? null : inputTotal - outputTotal };
}
