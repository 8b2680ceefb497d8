/**
 * What a threshold signature is asked for, as every participant reads it: the transaction itself (a
 * Solana wire transaction, or a PSBT), never a digest. Each participant — the coordinator included —
 * derives the messages to sign and the intent its rules judge from the transaction with the same
 * chain code an ordinary key uses (chains/solana, chains/bitcoin), so a coordinator cannot make a
 * participant sign something other than what its rules saw: a different message fails the coordinator's
 * share verification and nothing is released.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { KeyRecord } from '../../storage/types.js';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import { parseTransaction, signerIndex, type SolanaTransaction } from '../../chains/solana/message.js';
import { solanaAddress } from '../../chains/solana/address.js';
import { solanaIntent } from '../../chains/solana/intent.js';
import { parsePsbt, planPsbtSigning, type SigningTask } from '../../chains/bitcoin/psbt.js';
import { parseNetwork } from '../../chains/bitcoin/network.js';
import { bitcoinIntent } from '../../chains/bitcoin/intent.js';
import type { Transaction } from '@scure/btc-signer';

/** The wire form of the request (round 1 of a signing session). */
export type ThresholdSignRequest = { chain: 'solana'; transaction: string } | { chain: 'bitcoin'; psbt: string; network?: string };

export interface ReadRequest {
  chain: 'solana' | 'bitcoin';
  /** the approval-operations name of the equivalent single-key operation (audit decision, rules) */
  operation: string;
  messages: Uint8Array[];
  intent: () => TransactionIntent;
  request: () => unknown;
  solana?: { tx: SolanaTransaction; slot: number };
  bitcoin?: { tx: Transaction; tasks: SigningTask[] };
}

/** Reads a request against a threshold key record, refusing what the key cannot sign (named fields). */
export function readThresholdRequest(record: KeyRecord, req: ThresholdSignRequest, now: () => Date): ReadRequest {
  if (typeof req !== 'object' || req === null) throw new StrongboxError('INVALID_ARGUMENT', 'request must be an object naming its chain', { field: 'request' });
  const publicKey = record.publicKey;
  if (publicKey === null) throw new StrongboxError('INTERNAL', 'threshold key without a public key');
  if (req.chain === 'solana') {
    if (record.type !== 'frost-ed25519') throw new StrongboxError('UNSUPPORTED_OPERATION', `Solana signing needs an Ed25519 key; key ${record.id} is ${record.type}`, { field: 'request.chain' });
    if (typeof req.transaction !== 'string') throw new StrongboxError('INVALID_ARGUMENT', 'transaction must be a base64 Solana wire transaction', { field: 'transaction' });
    const tx = parseTransaction(req.transaction, 'transaction');
    const slot = signerIndex(tx.message, publicKey);
    if (slot === -1) throw new StrongboxError('NOT_A_REQUIRED_SIGNER', `key ${record.id} (${solanaAddress(publicKey)}) is not one of the ${tx.message.numRequiredSignatures} required signers of this transaction`, { field: 'transaction' });
    return {
      chain: 'solana',
      operation: 'solana.signTransaction',
      messages: [tx.message.bytes],
      intent: () => solanaIntent(tx.message, publicKey, now()),
      request: () => ({ transaction: req.transaction }),
      solana: { tx, slot },
    };
  }
  if (req.chain === 'bitcoin') {
    if (record.type !== 'frost-secp256k1-tr') throw new StrongboxError('UNSUPPORTED_OPERATION', `Bitcoin Taproot signing needs a frost-secp256k1-tr key; key ${record.id} is ${record.type}`, { field: 'request.chain' });
    const network = parseNetwork(req.network, 'request.network');
    if (typeof req.psbt !== 'string') throw new StrongboxError('INVALID_PSBT', 'psbt must be a base64-encoded BIP174 PSBT', { field: 'psbt' });
    const tx = parsePsbt(req.psbt);
    const tasks = planPsbtSigning(tx, publicKey);
    const p2wpkh = tasks.find((t) => t.kind !== 'p2tr');
    if (p2wpkh !== undefined) {
      throw new StrongboxError('PSBT_INPUT_UNSUPPORTED', `psbt input ${p2wpkh.index}: a threshold key signs only Taproot key-path (BIP86) inputs; this one is P2WPKH`, { field: 'psbt' });
    }
    return {
      chain: 'bitcoin',
      operation: 'bitcoin.signPsbt',
      messages: tasks.map((t) => t.sighash),
      intent: () => bitcoinIntent(tx, network, publicKey, now()),
      request: () => ({ psbt: req.psbt, network }),
      bitcoin: { tx, tasks },
    };
  }
  throw new StrongboxError('INVALID_ARGUMENT', 'request.chain must be solana or bitcoin', { field: 'request.chain' });
}
