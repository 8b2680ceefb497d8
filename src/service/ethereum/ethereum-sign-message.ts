/**
 * personal_sign: an EIP-191 (version 0x45) signature over a message, with an enabled secp256k1 key.
 *
 * The EIP-191 prefix does not make a message harmless: a Gnosis Safe accepts an owner's signature over
 * the personal-message digest of its 32-byte safeTxHash (an `eth_sign` signature, v + 4), and ERC-4337 v0.7
 * accounts (SimpleAccount, Solady's ERC4337) accept one over their userOpHash. So for a key with
 * transaction rules (its own or its wallet's) a message that is not readable text
 * (chains/ethereum/personal-message.ts `unreadableMessage`: exactly 32 bytes, not UTF-8, or holding
 * control characters) is blind signing:
 * - refused under forbidBlindSigning (403 BLIND_SIGNING_FORBIDDEN);
 * - otherwise judged by what can be judged of a signature that names no chain and no destination —
 *   allowedNetworks (its network is `unknown`, refused unless listed) and the time windows — and signed
 *   with the audit decision `unjudged` (`message_not_judged`), as unreadable typed data is.
 * Readable text (sign-in messages such as EIP-4361, notes) signs as before. Keys without rules sign
 * anything, as before.
 */
import { toHex } from '../../protocol/hex.js';
import type { EthereumSignMessageResponse, MessageEncoding } from '../../protocol/ethereum.js';
import { parseMessage, personalMessageHash, unreadableMessage } from '../../chains/ethereum/personal-message.js';
import { UNKNOWN_NETWORK } from '../../chains/ethereum/typed-data-intent.js';
import { evaluateTransaction, type TransactionRules } from '../../policy/transaction-rules.js';
import type { ServiceContext } from '../shared/context.js';
import { MAX_MESSAGE_BYTES } from '../shared/sign-payload.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { denial, effectiveRules, type RequestContext } from '../shared/transaction-guard.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';

export interface EthereumSignMessageParameters {
  key: KeyRef;
  /** the message: a UTF-8 string (default) or 0x-hex bytes with encoding `hex` */
  message: string;
  encoding?: MessageEncoding;
  /** the caller, for the audit decision; absent = an internal caller */
  requester?: RequestContext;
}

/** The audit decision's reason for a message signed under rules that could not read it. */
export const MESSAGE_NOT_JUDGED = 'message_not_judged';

export async function ethereumSignMessage(ctx: EthereumSignContext & Pick<ServiceContext, 'now'>, params: EthereumSignMessageParameters): Promise<EthereumSignMessageResponse> {
  const record = await resolveEthereumKey(ctx, params.key);
  const message = parseMessage(params.message, params.encoding, MAX_MESSAGE_BYTES);
  const hash = personalMessageHash(message);
  const sign = async (): Promise<EthereumSignMessageResponse> => ({ signature: toHex(toEthereumSignature(await signDigestRecoverable(ctx, record, hash))), hash: toHex(hash) });
  const unreadable = unreadableMessage(message);
  if (unreadable === null) return sign();
  const { rules } = await effectiveRules(ctx, record.id, record.wallet);
  if (rules === undefined) return sign();
  const { requester } = params;
  if (rules.forbidBlindSigning === true) {
    requester?.decide({ outcome: 'deny', reason: 'blind_signing_forbidden' });
    throw denial('blind_signing_forbidden', `key ${record.id} forbids blind signing (forbidBlindSigning), and ${unreadable}; sign readable text here, and Safe transactions or user operations through sign-typed-data or sign-user-operation, where the rules read them`, 'message');
  }
  // Nothing of its effect can be read: only the network (none is named: `unknown`) and the clock.
  const domainRules: TransactionRules = { version: 1 };
  if (rules.allowedNetworks !== undefined) domainRules.allowedNetworks = rules.allowedNetworks;
  if (rules.timeWindows !== undefined) domainRules.timeWindows = rules.timeWindows;
  const decision = evaluateTransaction(domainRules, { chain: 'ethereum', network: UNKNOWN_NETWORK, transfers: [], calls: [], fee: 0n, now: ctx.now() });
  if (decision.kind === 'deny') {
    requester?.decide({ outcome: 'deny', reason: decision.reason });
    const why = decision.reason === 'network_not_allowed' ? `${unreadable}; such a signature names no chain and may be valid on any (list "unknown" in allowedNetworks.ethereum to allow it)` : decision.message;
    throw denial(decision.reason, why, decision.reason === 'network_not_allowed' ? 'message' : undefined);
  }
  const result = await sign();
  requester?.decide({ outcome: 'unjudged', reason: MESSAGE_NOT_JUDGED });
  return result;
}
