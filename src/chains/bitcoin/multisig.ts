/**
 * Recognizing a PSBT input that spends a multisig output with one key as a participant, so that the
 * key can add its signature as one cosigner among several:
 * - P2WSH `sortedmulti(m, …)` (BIP380/BIP383 descriptor terms; BIP67 key order): the witnessUtxo is
 *   `OP_0 <SHA256(witnessScript)>` and the PSBT's witnessScript is `m <pk1> … <pkn> n OP_CHECKMULTISIG`
 *   with compressed keys in ascending byte order. Signed with ECDSA over the BIP143 sighash whose
 *   scriptCode is the witnessScript; the signature goes into partial_sig.
 * - P2TR script path `multi_a(m, …)` (BIP386/BIP342): a tapLeafScript of the PSBT is
 *   `<pk1> OP_CHECKSIG <pk2> OP_CHECKSIGADD … <pkn> OP_CHECKSIGADD m OP_NUMEQUAL` with leaf version
 *   0xc0, and its control block proves the leaf is committed to by the output key of the witnessUtxo
 *   (BIP341: leaf hash, Merkle path, TapTweak of the internal key, parity). Signed with BIP340 under
 *   the key's untweaked x-only key over the BIP341 script-path sighash; goes into tap_script_sig.
 * Script decoding and re-encoding are @scure/btc-signer's (OutScript 'ms' and 'tr_ms'); the tagged
 * hashes and the tweak are btc-signer's too. A script that contains the key but is not exactly one of
 * these shapes is refused, never signed: a signature for an unknown script could authorize a spend the
 * caller's description of the wallet does not reveal.
 *
 * Limits: `ms` as btc-signer decodes it has at most 16 keys (OP_1..OP_16 for n); `multi_a` at most 999
 * (BIP386).
 */
import { OutScript, Script } from '@scure/btc-signer';
import { tapLeafHash } from '@scure/btc-signer/payment.js';
import { compareBytes, sha256, tagSchnorr, taprootTweakPubkey } from '@scure/btc-signer/utils.js';
import { StrongboxError } from '../../protocol/errors.js';
import type { Transaction } from '@scure/btc-signer';

type TransactionInput = ReturnType<Transaction['getInput']>;

export const TAPSCRIPT_LEAF_VERSION = 0xc0;

export interface MultisigKey {
  /** SEC1 compressed key (P2WSH participants) */
  compressed: Uint8Array;
  /** BIP340 x-only key (multi_a participants) */
  xOnly: Uint8Array;
}

export interface P2wshMultisig {
  kind: 'p2wsh_multi';
  witnessScript: Uint8Array;
  m: number;
  n: number;
}

export interface TapLeafMultisig {
  /** the leaf script without its version byte */
  script: Uint8Array;
  leafHash: Uint8Array;
  m: number;
  n: number;
}

export interface P2trMultisig {
  kind: 'p2tr_multi_a';
  /** every leaf of the PSBT that is a multi_a with the key (usually one) */
  leaves: TapLeafMultisig[];
}

const equal = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

function refuse(index: number, why: string): StrongboxError {
  return new StrongboxError('MULTISIG_SCRIPT_UNSUPPORTED', `psbt input ${index}: ${why}`, { field: 'psbt' });
}

/** Whether the script pushes `key` anywhere (a participant, in whatever shape). */
function scriptPushes(script: Uint8Array, key: Uint8Array): boolean {
  let ops;
  try {
    ops = Script.decode(script);
  } catch {
    // Not even a parseable script: fall back to a byte search, so a key hidden in one is still seen.
    return Buffer.from(script).includes(Buffer.from(key));
  }
  return ops.some((op) => op instanceof Uint8Array && equal(op, key));
}

const isP2wsh = (script: Uint8Array): boolean => script.byteLength === 34 && script[0] === 0x00 && script[1] === 0x20;
const isP2tr = (script: Uint8Array): boolean => script.byteLength === 34 && script[0] === 0x51 && script[1] === 0x20;

/** Decodes a witnessScript as canonical sortedmulti, or undefined when it is another shape. */
export function decodeSortedMulti(script: Uint8Array): { m: number; pubkeys: Uint8Array[] } | undefined {
  let decoded;
  try {
    decoded = OutScript.decode(script);
  } catch {
    return undefined;
  }
  if (decoded.type !== 'ms') return undefined;
  const { m, pubkeys } = decoded;
  if (pubkeys.some((pk) => pk.byteLength !== 33)) return undefined; // BIP143 standardness: compressed keys only in witness v0
  for (let i = 1; i < pubkeys.length; i++) if (compareBytes(pubkeys[i - 1]!, pubkeys[i]!) >= 0) return undefined; // BIP67 order, no duplicates
  if (!equal(OutScript.encode({ type: 'ms', m, pubkeys }), script)) return undefined; // minimal pushes only
  return { m, pubkeys };
}

/** Decodes a tapscript as canonical multi_a, or undefined when it is another shape. */
export function decodeMultiA(script: Uint8Array): { m: number; pubkeys: Uint8Array[] } | undefined {
  let decoded;
  try {
    decoded = OutScript.decode(script);
  } catch {
    return undefined;
  }
  if (decoded.type !== 'tr_ms') return undefined;
  const { m, pubkeys } = decoded;
  const seen = new Set(pubkeys.map((pk) => Buffer.from(pk).toString('hex')));
  if (seen.size !== pubkeys.length) return undefined; // BIP386: multi_a keys are distinct
  if (!equal(OutScript.encode({ type: 'tr_ms', m, pubkeys }), script)) return undefined;
  return { m, pubkeys };
}

/**
 * The P2WSH sortedmulti in which `key` participates, undefined when the input is not a P2WSH with the
 * key in its witnessScript. Refuses (MULTISIG_SCRIPT_UNSUPPORTED / INVALID_PSBT) a script that has the
 * key but is not a canonical sortedmulti, or that is not the one the spent output commits to.
 */
export function matchP2wshMultisig(input: TransactionInput, index: number, spentScript: Uint8Array, key: MultisigKey): P2wshMultisig | undefined {
  if (!isP2wsh(spentScript)) return undefined;
  const witnessScript = input.witnessScript;
  if (witnessScript === undefined) return undefined;
  if (!scriptPushes(witnessScript, key.compressed)) return undefined;
  if (!equal(sha256(witnessScript), spentScript.subarray(2))) {
    throw new StrongboxError('INVALID_PSBT', `psbt input ${index}: witnessScript is not the script the witnessUtxo commits to (SHA-256 mismatch)`, { field: 'psbt' });
  }
  const ms = decodeSortedMulti(witnessScript);
  if (ms === undefined) throw refuse(index, 'witnessScript contains the key but is not a sortedmulti(m, …) of compressed keys in BIP67 order (m <keys…> n OP_CHECKMULTISIG); only that shape is cosigned');
  return { kind: 'p2wsh_multi', witnessScript, m: ms.m, n: ms.pubkeys.length };
}

/**
 * The multi_a leaves of a P2TR input in which `key` participates, undefined when no leaf has the key.
 * Each such leaf must be a canonical multi_a with leaf version 0xc0 whose control block proves it is a
 * leaf of the spent output's script tree; otherwise the input is refused.
 */
export function matchP2trMultisig(input: TransactionInput, index: number, spentScript: Uint8Array, key: MultisigKey): P2trMultisig | undefined {
  if (!isP2tr(spentScript) || input.tapLeafScript === undefined) return undefined;
  const outputKey = spentScript.subarray(2);
  const leaves: TapLeafMultisig[] = [];
  for (const [controlBlock, scriptWithVersion] of input.tapLeafScript) {
    const script = scriptWithVersion.subarray(0, -1);
    const version = scriptWithVersion[scriptWithVersion.byteLength - 1]!;
    if (!scriptPushes(script, key.xOnly)) continue;
    if (version !== TAPSCRIPT_LEAF_VERSION || (controlBlock.version & 0xfe) !== TAPSCRIPT_LEAF_VERSION) throw refuse(index, `a tapLeafScript with the key has leaf version 0x${version.toString(16)}; only tapscript (0xc0, BIP342) leaves are cosigned`);
    const ms = decodeMultiA(script);
    if (ms === undefined) throw refuse(index, 'a tapLeafScript contains the key but is not a multi_a(m, …) (<pk1> OP_CHECKSIG <pk2> OP_CHECKSIGADD … m OP_NUMEQUAL with distinct keys); only that shape is cosigned');
    // BIP341 script-path commitment: k0 = TapLeaf hash; k(j+1) = TapBranch(sorted(kj, ej)); Q = P + TapTweak(P ‖ k)·G.
    const leafHash = tapLeafHash(script, version);
    let node = leafHash;
    for (const sibling of controlBlock.merklePath) node = compareBytes(node, sibling) < 0 ? tagSchnorr('TapBranch', node, sibling) : tagSchnorr('TapBranch', sibling, node);
    let tweaked: [Uint8Array, number];
    try {
      tweaked = taprootTweakPubkey(controlBlock.internalKey, node);
    } catch {
      throw new StrongboxError('INVALID_PSBT', `psbt input ${index}: the tapLeafScript control block has an invalid internal key`, { field: 'psbt' });
    }
    if (!equal(tweaked[0], outputKey) || tweaked[1] !== (controlBlock.version & 1)) {
      throw new StrongboxError('INVALID_PSBT', `psbt input ${index}: the tapLeafScript control block does not commit the leaf to the witnessUtxo's output key (BIP341)`, { field: 'psbt' });
    }
    leaves.push({ script, leafHash, m: ms.m, n: ms.pubkeys.length });
  }
  return leaves.length === 0 ? undefined : { kind: 'p2tr_multi_a', leaves };
}
