/**
 * Sign a Solana transaction (legacy or v0) with an enabled ed25519 key: the message bytes are signed
 * with PureEdDSA, the signature is checked against the key before release, and it is placed in the
 * slot of the key's public key among the message's required signers — the other slots (co-signers)
 * are left exactly as given.
 */
import { base58 } from '@scure/base';
import { StrongboxError } from '../../protocol/errors.js';
import type { SolanaSignTransactionResponse } from '../../protocol/types.js';
import { solanaAddress } from '../../chains/solana/address.js';
import { parseMessage, parseTransaction, serializeTransaction, signerIndex, SIGNATURE_BYTES, type SolanaTransaction } from '../../chains/solana/message.js';
import { ed25519 } from '../../crypto/signers/ed25519.js';
import type { ServiceContext } from '../shared/context.js';
import { assertUsable, loadKey, resolveKey, type KeyRef } from '../shared/resolve-key.js';
import { guardTransaction, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';
import { solanaIntent } from '../../chains/solana/intent.js';
import type { KeyRecord } from '../../storage/types.js';
import { readThresholdRequest } from '../shared/threshold-request.js';
import { thresholdSign } from '../shared/threshold-sign.js';

export interface SolanaSignTransactionParameters {
  key: KeyRef;
  /** base64 wire transaction (signature slots + message) */
  transaction?: string;
  /** base64 bare message; the answer is a wire transaction with every other slot zero */
  message?: string;
  /** the caller, for approvals and the audit decision; absent = an internal caller */
  requester?: RequestContext | undefined;
}

export const SOLANA_SIGN_TRANSACTION = 'solana.signTransaction';

/** Signs the key's slot of an already-parsed transaction (also used when a held request is approved). */
export async function signParsedSolanaTransaction(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'> & Partial<Pick<ServiceContext, 'metrics'>>, record: KeyRecord & { publicKey: Uint8Array }, tx: SolanaTransaction): Promise<SolanaSignTransactionResponse> {
  const slot = signerIndex(tx.message, record.publicKey);
  if (slot === -1) throw new StrongboxError('NOT_A_REQUIRED_SIGNER', `key ${record.id} is not a required signer of this transaction`);
  const loaded = await loadKey(ctx, record);
  if (loaded.kind !== 'signer') throw new StrongboxError('INTERNAL', 'key material kind mismatch');
  const payload = { kind: 'message', message: tx.message.bytes } as const;
  const { signature } = await loaded.signer.sign(payload, 'raw');
  if (signature.byteLength !== SIGNATURE_BYTES || !ed25519.verify(record.publicKey, payload, signature, 'raw')) {
    throw new StrongboxError('INTERNAL', 'Ed25519 signature failed self-verification');
  }
  tx.signatures[slot] = signature;
  ctx.metrics?.signatures.inc({ type: 'ed25519', operation: 'solana' });
  return {
    transaction: Buffer.from(serializeTransaction(tx)).toString('base64'),
    signature: base58.encode(signature),
    message: Buffer.from(tx.message.bytes).toString('base64'),
  };
}

/**
 * A threshold key: a signing session among its participants (service/shared/threshold-sign.ts). Each
 * participant — this node included — judges the transaction by its own rules; there is no hold for
 * approval (a participant whose rules require one refuses).
 */
async function thresholdSolanaSign(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'> & Partial<Pick<ServiceContext, 'metrics' | 'threshold'>>, record: KeyRecord, params: SolanaSignTransactionParameters): Promise<SolanaSignTransactionResponse> {
  if (ctx.threshold === undefined) throw new StrongboxError('UNSUPPORTED_OPERATION', 'threshold keys sign through the REST API only');
  assertUsable(record);
  if ((params.transaction === undefined) === (params.message === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of transaction or message', { field: params.transaction === undefined ? 'message' : 'transaction' });
  }
  let wire: string;
  if (params.transaction !== undefined) {
    wire = Buffer.from(serializeTransaction(parseTransaction(params.transaction, 'transaction'))).toString('base64');
  } else {
    const message = parseMessage(params.message, 'message');
    wire = Buffer.from(serializeTransaction({ message, signatures: Array.from({ length: message.numRequiredSignatures }, () => new Uint8Array(SIGNATURE_BYTES)) })).toString('base64');
  }
  const request = { chain: 'solana', transaction: wire } as const;
  const read = readThresholdRequest(record, request, ctx.now);
  const { tx, slot } = read.solana!;
  const { signatures, signers, declined } = await thresholdSign({ ...ctx, threshold: ctx.threshold }, record, request, read.messages);
  const signature = signatures[0]!;
  tx.signatures[slot] = signature;
  params.requester?.decide({ outcome: 'allow', reason: `threshold: signed by ${signers.join(', ')}${declined.length === 0 ? '' : `; declined: ${declined.map((d) => `${d.peer} (${d.code})`).join(', ')}`}` });
  ctx.metrics?.signatures.inc({ type: 'frost-ed25519', operation: 'solana' });
  return {
    transaction: Buffer.from(serializeTransaction(tx)).toString('base64'),
    signature: base58.encode(signature),
    message: Buffer.from(tx.message.bytes).toString('base64'),
  };
}

/**
 * When the key has transaction rules, the decoded transfers are judged first (transaction-guard.ts):
 * denied, signed (spend reserved), or held for approval (nothing signed).
 */
export async function solanaSignTransaction(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache' | 'now'> & Partial<Pick<ServiceContext, 'metrics' | 'threshold'>>, params: SolanaSignTransactionParameters): Promise<SolanaSignTransactionResponse | HeldTransaction> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await resolveKey(ctx, params.key);
  if (record.type === 'frost-ed25519') return thresholdSolanaSign(ctx, record, params);
  if (record.type !== 'ed25519' || record.publicKey === null) throw new StrongboxError('UNSUPPORTED_OPERATION', `Solana signing needs an ed25519 key; key ${record.id} is ${record.type}`);
  assertUsable(record);
  if ((params.transaction === undefined) === (params.message === undefined)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'give exactly one of transaction or message', { field: params.transaction === undefined ? 'message' : 'transaction' });
  }
  let tx: SolanaTransaction;
  if (params.transaction !== undefined) {
    tx = parseTransaction(params.transaction, 'transaction');
  } else {
    const message = parseMessage(params.message, 'message');
    tx = { message, signatures: Array.from({ length: message.numRequiredSignatures }, () => new Uint8Array(SIGNATURE_BYTES)) };
  }
  const slot = signerIndex(tx.message, record.publicKey);
  if (slot === -1) {
    throw new StrongboxError('NOT_A_REQUIRED_SIGNER', `key ${record.id} (${solanaAddress(record.publicKey)}) is not one of the ${tx.message.numRequiredSignatures} required signers of this transaction`);
  }
  const signed = record as KeyRecord & { publicKey: Uint8Array };
  const outcome = await guardTransaction(ctx, {
    keyId: record.id,
    walletId: record.wallet,
    chain: 'solana',
    operation: SOLANA_SIGN_TRANSACTION,
    intent: () => solanaIntent(tx.message, signed.publicKey, ctx.now()),
    request: () => ({ transaction: Buffer.from(serializeTransaction(tx)).toString('base64') }),
    requester: params.requester,
    sign: () => signParsedSolanaTransaction(ctx, signed, tx),
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
