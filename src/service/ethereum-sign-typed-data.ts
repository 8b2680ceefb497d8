/**
 * eth_signTypedData_v4: an EIP-712 signature over typed structured data, with an enabled secp256k1 key.
 *
 * A key (or its wallet) with transaction rules has its typed data judged first, since a signature can
 * move value without any transaction from the key (chains/ethereum/typed-data-intent.ts):
 * - a permit (ERC-2612, DAI, ERC-3009, Permit2) is an intent like the `approve` it replaces, judged by every rule:
 *   signed, denied, or held for approval (202; the typed data is stored and signed at the quorum);
 *   without an integer domain.chainId it is refused when the rules pin networks;
 * - any other typed data cannot be read: refused when the rules forbid blind signing (what the rules
 *   cannot read is blind signing), else judged only by what the domain says (allowedNetworks against
 *   domain.chainId, when present) and signed with the audit decision `unjudged`.
 * Keys without rules sign as before.
 */
import { toHex } from '../protocol/hex.js';
import type { EthereumSignTypedDataResponse } from '../protocol/ethereum.js';
import { parseTypedData, typedDataHash, typedDataToJson, type ParsedTypedData } from '../chains/ethereum/typed-data.js';
import { typedDataIntent } from '../chains/ethereum/typed-data-intent.js';
import { evaluateTransaction, type DenyReason } from '../policy/transaction-rules.js';
import type { KeyRecord } from '../storage/types.js';
import type { ServiceContext } from './context.js';
import type { KeyRef } from './resolve-key.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';
import { denial, effectiveRules, judgeIntent, type HeldTransaction, type RequestContext } from './transaction-guard.js';

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
  // A permit's decision carries its native value and fee (both 0), as a transaction's does; typed data
  // the rules cannot read has no amounts to record.
  const refuse = (reason: DenyReason, message: string, field?: string): never => {
    requester?.decide({ outcome: 'deny', reason, ...(reading.permit === null ? {} : { amount: '0', fee: '0' }) });
    throw denial(reason, message, field);
  };

  if (reading.permit !== null) {
    if (reading.chainId === null && rules.allowedNetworks !== undefined) {
      refuse('network_not_allowed', `typedData.domain has no chainId (an integer): the network of this ${data.primaryType} cannot be checked against allowedNetworks, and a signature without a chain id may be valid on any chain`, 'typedData.domain.chainId');
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
    refuse('blind_signing_forbidden', `key ${record.id} forbids blind signing (forbidBlindSigning), and this typed data is no permit shape its transaction rules can read (ERC-2612, DAI, ERC-3009 or Permit2): its effect cannot be judged`);
  }
  // What the rules can still judge is the domain: its chain id, when it has one.
  if (reading.chainId !== null && rules.allowedNetworks !== undefined) {
    const decision = evaluateTransaction({ version: 1, allowedNetworks: rules.allowedNetworks }, reading.intent);
    if (decision.kind === 'deny') refuse(decision.reason, decision.message);
  }
  const result = await sign();
  requester?.decide({ outcome: 'unjudged', reason: TYPED_DATA_NOT_JUDGED });
  return result;
}
