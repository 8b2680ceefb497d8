/**
 * eth_signTypedData_v4: an EIP-712 signature over typed structured data, with an enabled secp256k1 key.
 *
 * A key (or its wallet) with transaction rules has its typed data judged first, since a signature can
 * move value without any transaction from the key (chains/ethereum/typed-data-intent.ts):
 * - a permit (ERC-2612, DAI, ERC-3009, Permit2) is an intent like the `approve` it replaces, and a Gnosis
 *   Safe SafeTx the transaction the Safe will make (a delegatecall is refused), judged by every rule:
 *   signed, denied, or held for approval (202; the typed data is stored and signed at the quorum);
 * - any other typed data cannot be read: refused when the rules forbid blind signing (what the rules
 *   cannot read is blind signing), else judged only by what the domain says (allowedNetworks against
 *   domain.chainId, the destination lists against domain.verifyingContract) and the time windows, and
 *   signed with the audit decision `unjudged`;
 * - typed data whose domain has no integer chainId is refused when the rules pin networks, unless
 *   allowedNetworks.ethereum lists `unknown`.
 * Keys without rules sign as before.
 */
import { toHex } from '../../protocol/hex.js';
import type { EthereumSignTypedDataResponse } from '../../protocol/ethereum.js';
import { parseTypedData, typedDataHash, typedDataToJson, type ParsedTypedData } from '../../chains/ethereum/typed-data.js';
import { typedDataIntent, UNKNOWN_NETWORK } from '../../chains/ethereum/typed-data-intent.js';
import { evaluateTransaction, type DenyReason, type TransactionIntent, type TransactionRules } from '../../policy/transaction-rules.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';
import { denial, effectiveRules, isReservationRefusal, judgeIntent, reserveAndSign, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';

export interface EthereumSignTypedDataParameters {
  key: KeyRef;
  /** `{types, primaryType, domain, message}` as eth_signTypedData_v4 takes it */
  typedData: unknown;
  /** the caller, for approvals and the audit decision; absent = an internal caller */
  requester?: RequestContext;
}

export const ETHEREUM_SIGN_TYPED_DATA = 'ethereum.signTypedData';
/** The audit decision's reason for typed data signed under rules that could not read it. */
export const TYPED_DATA_NOT_JUDGED = 'typed_data_not_judged';

/** Signs already-parsed typed data (also used when a held permit is approved). */
export function signParsedTypedData(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, data: ParsedTypedData): Promise<EthereumSignTypedDataResponse> {
  return signTypedDataHash(ctx, record, typedDataHash(data));
}

async function signTypedDataHash(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, hash: Uint8Array): Promise<EthereumSignTypedDataResponse> {
  const signature = await signDigestRecoverable(ctx, record, hash);
  return { signature: toHex(toEthereumSignature(signature)), hash: toHex(hash) };
}

export async function ethereumSignTypedData(
  ctx: EthereumSignContext & Pick<ServiceContext, 'now'>,
  params: EthereumSignTypedDataParameters,
): Promise<EthereumSignTypedDataResponse | HeldTransaction> {
  const record = await resolveEthereumKey(ctx, params.key);
  const data = parseTypedData(params.typedData);
  // Encoded before judging: typed data that cannot be hashed is a 400 whatever the rules say.
  const hash = typedDataHash(data);
  const sign = () => signTypedDataHash(ctx, record, hash);
  const { scope, rules } = await effectiveRules(ctx, record.id, record.wallet);
  if (rules === undefined) return sign();
  const { requester } = params;
  const reading = typedDataIntent(data, ctx.now());
  const readable = reading.permit !== null || reading.safeTx !== null || reading.userOperation !== null;
  const what = reading.safeTx !== null ? 'SafeTx' : data.primaryType;
  // A permit's or SafeTx's decision carries its native value and fee, as a transaction's does; typed data
  // the rules cannot read has no amounts to record.
  const nativeAmount = reading.intent.transfers.filter((t) => t.asset === 'native').reduce((sum, t) => sum + t.amount, 0n);
  const refuse = (reason: DenyReason, message: string, field?: string): never => {
    requester?.decide({ outcome: 'deny', reason, ...(readable ? { amount: nativeAmount.toString(), fee: String(reading.intent.fee) } : {}) });
    throw denial(reason, message, field);
  };
  // Without an integer domain.chainId the signature may be valid on any chain: refused when the rules pin
  // networks, unless they list `unknown` (for a pre-1.3 Safe's SafeTx, whose domain has no chain id).
  const ethereumNetworks = rules.allowedNetworks === undefined ? undefined : (rules.allowedNetworks.ethereum ?? []);
  if (reading.chainId === null && ethereumNetworks !== undefined && !ethereumNetworks.includes(UNKNOWN_NETWORK)) {
    refuse('network_not_allowed', `typedData.domain has no chainId (an integer): the network of this ${what} cannot be checked against allowedNetworks, and a signature without a chain id may be valid on any chain (list "unknown" in allowedNetworks.ethereum to allow it)`, 'typedData.domain.chainId');
  }

  if (readable) {
    if (reading.safeTx !== null && reading.safeTx.operation !== 0n) {
      refuse('delegatecall_forbidden', `this SafeTx has operation ${reading.safeTx.operation} (${reading.safeTx.operation === 1n ? 'a delegatecall' : 'not a call'}): a delegatecall runs ${reading.intent.calls[0]?.to ?? reading.intent.transfers[0]?.to}'s code as the Safe ${reading.verifyingContract}, which can do anything with its funds; a key with transaction rules signs only calls (operation 0)`, 'typedData.message.operation');
    }
    if (reading.safeTx !== null && reading.safeTx.selfCall) {
      refuse('safe_self_call_forbidden', `this SafeTx calls the Safe ${reading.verifyingContract} itself: such calls change owners, modules, guards or the threshold (an enabled module can then move everything without further signatures); a key with transaction rules does not sign them`, 'typedData.message.to');
    }
    if (reading.safeTx !== null && reading.safeTx.gasPrice !== 0n) {
      refuse('safe_refund_forbidden', `this SafeTx pays a gas refund (gasPrice ${reading.safeTx.gasPrice}): the Safe pays gasPrice × the gas it measures at execution, which the signature does not bound, to refundReceiver; a key with transaction rules signs only SafeTx with gasPrice 0`, 'typedData.message.gasPrice');
    }
    if (reading.userOperation?.delegatecall === true) {
      refuse('delegatecall_forbidden', 'this user operation makes the account delegatecall (ERC-7579 call type 0xff): the target\'s code runs as the account and can do anything with its funds; a key with transaction rules signs only calls', 'typedData.message.callData');
    }
    if (reading.userOperation?.unread != null && rules.forbidBlindSigning === true) {
      refuse('blind_signing_forbidden', `key ${record.id} forbids blind signing (forbidBlindSigning), and this user operation cannot be read: ${reading.userOperation.unread}`, 'typedData.message.callData');
    }
    const outcome = await judgeIntent(ctx, scope, rules, reading.intent, {
      keyId: record.id,
      chain: 'ethereum',
      operation: ETHEREUM_SIGN_TYPED_DATA,
      request: () => typedDataToJson(data),
      requester,
      sign,
    });
    return 'signed' in outcome ? outcome.signed : outcome.held;
  }

  if (rules.forbidBlindSigning === true) {
    refuse('blind_signing_forbidden', `key ${record.id} forbids blind signing (forbidBlindSigning), and this typed data is no shape its transaction rules can read (ERC-2612, DAI, ERC-3009, Permit2, a Gnosis Safe SafeTx or an ERC-4337 PackedUserOperation): its effect cannot be judged`);
  }
  // What the rules can still judge is the domain: its chain id (above and here), its verifying contract
  // against the destination lists, and the time of signing.
  const domainRules: TransactionRules = { version: 1 };
  if (rules.allowedNetworks !== undefined) domainRules.allowedNetworks = rules.allowedNetworks;
  if (rules.destinations !== undefined && reading.verifyingContract !== null) domainRules.destinations = rules.destinations;
  if (rules.timeWindows !== undefined) domainRules.timeWindows = rules.timeWindows;
  const domainIntent: TransactionIntent = { ...reading.intent, calls: reading.verifyingContract === null ? [] : [{ to: reading.verifyingContract, selector: '0x' }] };
  const decision = evaluateTransaction(domainRules, domainIntent);
  if (decision.kind === 'deny') {
    const field = decision.reason === 'destination_denied' || decision.reason === 'destination_not_allowed' ? 'typedData.domain.verifyingContract' : undefined;
    refuse(decision.reason, decision.reason === 'outside_time_window' || decision.reason === 'network_not_allowed' ? decision.message : `typedData.domain.verifyingContract: ${decision.message}`, field);
  }
  // Unread, but a signature all the same: it counts against maxTransactions (nothing else is reserved).
  try {
    const { result, reservationId } = await reserveAndSign(ctx, scope, { amount: 0n, dailyLimit: undefined, maxTransactions: rules.maxTransactions, requestId: requester?.requestId ?? 'internal' }, sign);
    requester?.decide({ outcome: 'unjudged', reason: TYPED_DATA_NOT_JUDGED, ...(reservationId === undefined ? {} : { reservationId }) });
    return result;
  } catch (err) {
    if (isReservationRefusal(err)) requester?.decide({ outcome: 'deny', reason: err.publicReason! });
    throw err;
  }
}
