/**
 * Sign the inputs of a BIP174 PSBT that belong to an enabled secp256k1 key: P2WPKH inputs with
 * ECDSA (libsecp256k1 through the key cache, RFC 6979, low-S, DER) over the BIP143 sighash, P2TR
 * key-path inputs with BIP340 Schnorr under the BIP86-tweaked key over the BIP341 sighash, and, as one
 * cosigner among several, P2WSH sortedmulti inputs (ECDSA, BIP143 with the witnessScript) and tapscript
 * multi_a leaves (BIP340 under the untweaked key, BIP342 sighash). Which
 * inputs, and their sighashes, come from src/chains/bitcoin/psbt.ts (@scure/btc-signer). Every
 * signature is verified against the key (ECDSA) or the Taproot output key (Schnorr) before the
 * PSBT is returned. The PSBT is not finalized: the caller combines and finalizes it.
 */
import type { BitcoinSignPsbtResponse } from '../../protocol/bitcoin.js';
import { StrongboxError } from '../../protocol/errors.js';
import { addSignature, isWitnessV0, keyScripts, parsePsbt, planPsbtInputs, planPsbtSigning, toPsbtBase64, type SigningTask } from '../../chains/bitcoin/psbt.js';
import { parseNetwork } from '../../chains/bitcoin/network.js';
import { bip340Sign, loadTaprootKeyPath } from '../../crypto/signers/bip340.js';
import { secp256k1 } from '../../crypto/signers/secp256k1.js';
import { wipe } from '../../crypto/wipe.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, openKeyMaterial, resolveKey, type KeyRef } from '../shared/resolve-key.js';
import { readThresholdRequest } from '../shared/threshold-request.js';
import { thresholdSign } from '../shared/threshold-sign.js';
import type { KeyRecord } from '../../storage/types.js';
import { resolveBitcoinKey, type BitcoinKeyRecord } from './bitcoin-signer.js';
import { guardTransaction, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';
import { bitcoinIntent } from '../../chains/bitcoin/intent.js';
import type { Transaction } from '@scure/btc-signer';

export type BitcoinSignContext = Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'signingPool'> & Partial<Pick<ServiceContext, 'metrics'>>;

export interface BitcoinSignPsbtParameters {
  key: KeyRef;
  /** base64 PSBT */
  psbt: string;
  /** mainnet (default), testnet or regtest: validated now, used by the transaction policy summary */
  network?: string | undefined;
  /** the caller, for approvals and the audit decision; absent = an internal caller */
  requester?: RequestContext | undefined;
}

/** DER ECDSA signatures of the BIP143 sighashes (P2WPKH, P2WSH multisig), through the cached (possibly pooled) signer. */
async function signEcdsa(ctx: BitcoinSignContext, record: BitcoinKeyRecord, tasks: SigningTask[]): Promise<Map<SigningTask, Uint8Array>> {
  const out = new Map<SigningTask, Uint8Array>();
  if (tasks.length === 0) return out;
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'signer') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  for (const task of tasks) {
    const payload = { kind: 'digest', digest: task.sighash } as const;
    const { signature } = await loaded.signer.sign(payload, 'der');
    // Verify before release (GUIDE §10), insisting on low S: BIP146 makes high-S non-standard.
    if (!secp256k1.verify(record.publicKey, payload, signature, 'der', { requireLowS: true })) throw new StrongboxError('INTERNAL', 'ECDSA signature failed self-verification');
    out.set(task, signature);
  }
  return out;
}

/**
 * BIP340 signatures of the BIP341 sighashes: P2TR key-path inputs under the BIP86-tweaked key, tapscript
 * multi_a leaves under the untweaked x-only key (BIP342 checks each key of the leaf as it stands). The
 * Taproot tweak, and BIP340 itself, need the scalar, which the key cache does not hand out (its signers
 * sign ECDSA digests only), so the material is unwrapped here for this request and wiped when done.
 */
async function signSchnorr(ctx: BitcoinSignContext, record: BitcoinKeyRecord, tasks: SigningTask[]): Promise<Map<SigningTask, Uint8Array>> {
  const out = new Map<SigningTask, Uint8Array>();
  if (tasks.length === 0) return out;
  const secretKey = await openKeyMaterial(ctx, record);
  try {
    const signer = loadTaprootKeyPath(secretKey);
    try {
      // The output key the signer signs for must be the witness program of the key's P2TR script
      // (OP_1 PUSH32 <Q>), computed separately by btc-signer's p2tr.
      if (Buffer.compare(signer.outputKey, keyScripts(record.publicKey).p2tr.subarray(2)) !== 0) throw new StrongboxError('INTERNAL', 'taproot output key mismatch');
      const xOnly = keyScripts(record.publicKey).xOnly;
      for (const task of tasks) out.set(task, task.kind === 'p2tr_multi_a' ? bip340Sign(task.sighash, secretKey, xOnly) : signer.sign(task.sighash));
    } finally {
      signer.wipe();
    }
  } finally {
    wipe(secretKey);
  }
  return out;
}

export const BITCOIN_SIGN_PSBT = 'bitcoin.signPsbt';

/** Signs the key's inputs of an already-parsed PSBT (also used when a held request is approved). */
export async function signParsedPsbt(ctx: BitcoinSignContext, record: BitcoinKeyRecord, tx: Transaction): Promise<BitcoinSignPsbtResponse> {
  const tasks = planPsbtSigning(tx, record.publicKey);
  const ecdsa = await signEcdsa(ctx, record, tasks.filter((t) => isWitnessV0(t.kind)));
  const schnorr = await signSchnorr(ctx, record, tasks.filter((t) => !isWitnessV0(t.kind)));
  for (const task of tasks) {
    const signature = (isWitnessV0(task.kind) ? ecdsa : schnorr).get(task);
    if (signature === undefined) throw new StrongboxError('INTERNAL', 'missing signature');
    addSignature(tx, record.publicKey, task, signature);
  }
  ctx.metrics?.signatures.inc({ type: 'secp256k1', operation: 'bitcoin' }, tasks.length);
  return { psbt: toPsbtBase64(tx), signedInputs: [...new Set(tasks.map((t) => t.index))] };
}

/**
 * A threshold key (frost-secp256k1-tr): one signing session signs the BIP341 sighash of every Taproot
 * key-path input of the key (service/shared/threshold-sign.ts); each participant, this node included,
 * reads the PSBT and judges it by its own rules. The aggregate BIP340 signatures verify under the
 * BIP86 output key before they are added.
 */
async function thresholdSignPsbt(ctx: BitcoinSignContext & Pick<ServiceContext, 'now'> & Partial<Pick<ServiceContext, 'threshold'>>, record: KeyRecord, params: BitcoinSignPsbtParameters): Promise<BitcoinSignPsbtResponse> {
  if (ctx.threshold === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', 'threshold keys sign through the REST API only');
  assertUsable(record);
  const network = parseNetwork(params.network);
  const request = { chain: 'bitcoin', psbt: params.psbt, network } as const;
  const read = readThresholdRequest(record, request, ctx.now);
  const { tx, tasks } = read.bitcoin!;
  const { signatures, signers, declined } = await thresholdSign({ ...ctx, threshold: ctx.threshold }, record, request, read.messages);
  tasks.forEach((task, i) => addSignature(tx, record.publicKey!, task, signatures[i]!));
  params.requester?.decide({ outcome: 'allow', reason: `threshold: signed by ${signers.join(', ')}${declined.length === 0 ? '' : `; declined: ${declined.map((d) => `${d.peer} (${d.code})`).join(', ')}`}` });
  ctx.metrics?.signatures.inc({ type: 'frost-secp256k1-tr', operation: 'bitcoin' }, tasks.length);
  return { psbt: toPsbtBase64(tx), signedInputs: tasks.map((t) => t.index) };
}

/**
 * When the key has transaction rules, the PSBT's outputs are judged first (transaction-guard.ts):
 * denied, signed (spend reserved), or held for approval (nothing signed).
 */
export async function bitcoinSignPsbt(ctx: BitcoinSignContext & Pick<ServiceContext, 'now'> & Partial<Pick<ServiceContext, 'threshold'>>, params: BitcoinSignPsbtParameters): Promise<BitcoinSignPsbtResponse | HeldTransaction> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const threshold = typeof params.key === 'string' ? await resolveKey(ctx, params.key) : params.key;
  if (threshold.type === 'frost-secp256k1-tr') return thresholdSignPsbt(ctx, threshold, params);
  const record = await resolveBitcoinKey(ctx, threshold);
  assertUsable(record);
  const network = parseNetwork(params.network);
  const tx = parsePsbt(params.psbt);
  // Refuses a PSBT with no input of this key before any rule is consulted.
  planPsbtInputs(tx, record.publicKey);
  const outcome = await guardTransaction(ctx, {
    keyId: record.id,
    walletId: record.wallet,
    chain: 'bitcoin',
    operation: BITCOIN_SIGN_PSBT,
    intent: () => bitcoinIntent(tx, network, record.publicKey, ctx.now()),
    request: () => ({ psbt: params.psbt, network }),
    requester: params.requester,
    sign: () => signParsedPsbt(ctx, record, tx),
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
