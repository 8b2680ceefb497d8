/**
 * ERC-4337: signs a user operation for EntryPoint v0.7 or v0.8 with an enabled secp256k1 key (the owner
 * of a smart account). Strongbox computes the userOpHash itself from the operation, the EntryPoint
 * address and the chain id (chains/ethereum/user-operation.ts), so the caller cannot hand it a hash
 * of something else, and a key with transaction rules (its own or its wallet's) has the operation judged
 * first (chains/ethereum/user-operation-intent.ts): the calls its callData makes the account do, the
 * factory and the paymaster, and the most it can cost in gas — signed, denied (403 with a reason) or
 * held for approval (202; the operation is stored and signed at the quorum). An operation the rules
 * cannot read (unknown callData, a call to the account itself) is refused under forbidBlindSigning and
 * otherwise judged as unread calldata on the account; a delegatecall (ERC-7579 call type 0xff, Solady's
 * delegateExecute) is refused by every key with rules.
 *
 * The signature: `raw` — 65 bytes r‖s‖v (v 27/28) over the userOpHash (SimpleAccount v0.8, which
 * recovers from the EIP-712 hash); `eip191` — over toEthSignedMessageHash(userOpHash) (SimpleAccount v0.7,
 * Solady's ERC4337). Default: `eip191` for v0.7, `raw` for v0.8, as each version's SimpleAccount expects.
 */
import { hashMessage, hexToBytes } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import type { EthereumSignUserOperationResponse, UserOperationSignatureFormat } from '../../protocol/ethereum.js';
import { parseAddress, parseSafeInteger } from '../../chains/ethereum/fields.js';
import { parseEntryPointVersion, parseUserOperation, userOperationHash, userOperationToJson, type EntryPointVersion, type UserOperation } from '../../chains/ethereum/user-operation.js';
import { userOperationIntent } from '../../chains/ethereum/user-operation-intent.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { denial, effectiveRules, judgeIntent, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';
import { resolveEthereumKey, signDigestRecoverable, toEthereumSignature, type EthereumSignContext } from './ethereum-signer.js';

export const ETHEREUM_SIGN_USER_OPERATION = 'ethereum.signUserOperation';

export interface EthereumSignUserOperationParameters {
  key: KeyRef;
  /** the unpacked operation, as viem and bundlers write it (integers as numbers, decimal or 0x-hex strings) */
  userOperation: unknown;
  entryPoint: unknown;
  entryPointVersion: unknown;
  chainId: unknown;
  signatureFormat?: unknown;
  /** the caller, for approvals and the audit decision; absent = an internal caller */
  requester?: RequestContext;
}

/** A validated request: what is signed, and what a held request stores. */
export interface UserOperationRequest {
  userOperation: UserOperation;
  entryPoint: `0x${string}`;
  entryPointVersion: EntryPointVersion;
  chainId: number;
  signatureFormat: UserOperationSignatureFormat;
}

export function parseUserOperationRequest(params: Omit<EthereumSignUserOperationParameters, 'key' | 'requester'>): UserOperationRequest {
  const entryPointVersion = parseEntryPointVersion(params.entryPointVersion, 'entryPointVersion');
  const signatureFormat = params.signatureFormat ?? (entryPointVersion === '0.7' ? 'eip191' : 'raw');
  if (signatureFormat !== 'raw' && signatureFormat !== 'eip191') throw new StrongboxError('INVALID_ARGUMENT', 'signatureFormat must be "raw" or "eip191"', { field: 'signatureFormat' });
  return {
    userOperation: parseUserOperation(params.userOperation),
    entryPoint: parseAddress(params.entryPoint, 'entryPoint').toLowerCase() as `0x${string}`,
    entryPointVersion,
    chainId: parseSafeInteger(params.chainId, 'chainId', 1n),
    signatureFormat,
  };
}

/** The stored form of a held request (integers as decimal strings); parseUserOperationRequest reads it back. */
export function userOperationRequestToJson(r: UserOperationRequest): Record<string, unknown> {
  return { userOperation: userOperationToJson(r.userOperation), entryPoint: r.entryPoint, entryPointVersion: r.entryPointVersion, chainId: r.chainId, signatureFormat: r.signatureFormat };
}

/** Signs a validated request (also used when a held operation is approved). */
export async function signUserOperationRequest(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, r: UserOperationRequest): Promise<EthereumSignUserOperationResponse> {
  const hash = userOperationHash(r.userOperation, r.entryPoint, r.chainId, r.entryPointVersion);
  const digest = r.signatureFormat === 'eip191' ? hashMessage({ raw: hash }, 'bytes') : hexToBytes(hash);
  const signature = await signDigestRecoverable(ctx, record, digest);
  return { signature: toHex(toEthereumSignature(signature)), hash, signatureFormat: r.signatureFormat };
}

export async function ethereumSignUserOperation(
  ctx: EthereumSignContext & Pick<ServiceContext, 'now'>,
  params: EthereumSignUserOperationParameters,
): Promise<EthereumSignUserOperationResponse | HeldTransaction> {
  const record = await resolveEthereumKey(ctx, params.key);
  const request = parseUserOperationRequest(params);
  const sign = () => signUserOperationRequest(ctx, record, request);
  const { scope, rules } = await effectiveRules(ctx, record.id, record.wallet);
  if (rules === undefined) return sign();
  const { requester } = params;
  const reading = userOperationIntent(request.userOperation, String(request.chainId), ctx.now());
  const nativeAmount = reading.intent.transfers.filter((t) => t.asset === 'native').reduce((sum, t) => sum + t.amount, 0n);
  const amounts = { amount: nativeAmount.toString(), fee: String(reading.intent.fee) };
  if (reading.delegatecall) {
    requester?.decide({ outcome: 'deny', reason: 'delegatecall_forbidden', ...amounts });
    throw denial('delegatecall_forbidden', `this user operation makes the account ${request.userOperation.sender} delegatecall (ERC-7579 call type 0xff, or delegateExecute): the target's code runs as the account and can do anything with its funds; a key with transaction rules signs only calls`, 'userOperation.callData');
  }
  if (reading.unread !== null && rules.forbidBlindSigning === true) {
    requester?.decide({ outcome: 'deny', reason: 'blind_signing_forbidden', ...amounts });
    throw denial('blind_signing_forbidden', `key ${record.id} forbids blind signing (forbidBlindSigning), and this user operation cannot be read: ${reading.unread}`, 'userOperation.callData');
  }
  const outcome = await judgeIntent(ctx, scope, rules, reading.intent, {
    keyId: record.id,
    chain: 'ethereum',
    operation: ETHEREUM_SIGN_USER_OPERATION,
    request: () => userOperationRequestToJson(request),
    requester,
    sign,
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
