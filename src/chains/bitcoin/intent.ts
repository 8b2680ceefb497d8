/**
 * A PSBT as a chain-neutral intent for the transaction rules (policy/transaction-rules.ts): every
 * output that does not pay back to the signing key's own P2WPKH/P2TR scripts is a transfer of its
 * amount to its address (`script:<hex>` for outputs without one, e.g. OP_RETURN), on the network
 * the request names. The fee is not a transfer (it has no destination); docs/policies.md says so.
 */
import type { Transaction } from '@scure/btc-signer';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import type { BitcoinNetwork } from './network.js';
import { summarizePsbt } from './psbt.js';

export function bitcoinIntent(tx: Transaction, network: BitcoinNetwork, publicKey: Uint8Array, now: Date): TransactionIntent {
  const summary = summarizePsbt(tx, network, publicKey);
  return {
    chain: 'bitcoin',
    network,
    transfers: summary.transfers.map((t) => ({ to: t.to ?? `script:${t.scriptPubKey.replace(/^0x/, '')}`, amount: t.amount, asset: 'native' as const })),
    calls: [],
    now,
  };
}
