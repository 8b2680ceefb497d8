/**
 * EIP-7702 authorizations: sign `{chainId, address, nonce}` so that the key's account runs the code at
 * `address` (the delegate) once a type-4 transaction carrying it is included — by anyone, since the
 * authorization, not the transaction, is what the key signs. A delegate's code can move everything the
 * account holds without another signature, so for a key with transaction rules the authorization is
 * judged like a transaction (transaction-guard.ts): its delegate against allowedDelegates (clearing,
 * address 0x0…0, is always allowed), chain id 0 only with allowChainIdZeroAuthorizations, its chain id
 * against allowedNetworks, the time windows, and approval (approval.delegations holds every delegation
 * change). It moves no value and pays no fee, so the value limits see 0. Keys without rules sign as before.
 */
import { toHex } from '../../protocol/hex.js';
import type { EthereumSignAuthorizationResponse } from '../../protocol/ethereum.js';
import { authorizationHash, parseAuthorizationRequest, type AuthorizationRequest } from '../../chains/ethereum/authorization.js';
import type { TransactionIntent } from '../../policy/transaction-rules.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import type { KeyRef } from '../shared/resolve-key.js';
import { addressOf, resolveEthereumKey, signDigestRecoverable, type EthereumSignContext } from './ethereum-signer.js';
import { guardTransaction, type HeldTransaction, type RequestContext } from '../shared/transaction-guard.js';

export interface EthereumSignAuthorizationParameters {
  key: KeyRef;
  /** `{chainId, address, nonce}`; quantities as JSON numbers, decimal or 0x-hex strings */
  authorization: unknown;
  requester?: RequestContext;
}

export const ETHEREUM_SIGN_AUTHORIZATION = 'ethereum.signAuthorization';

/** The authorization as the rules see it: a delegation of the key's account on network chainId ('0': every chain). */
export function authorizationIntent(_record: KeyRecord, auth: AuthorizationRequest, now: Date): TransactionIntent {
  return { chain: 'ethereum', network: String(auth.chainId), transfers: [], calls: [], fee: 0n, now, delegations: [{ delegate: auth.address.toLowerCase(), chainId: auth.chainId }] };
}

/** Signs an already-parsed authorization (also when a held one is approved). */
export async function signParsedAuthorization(ctx: EthereumSignContext, record: KeyRecord & { publicKey: Uint8Array }, auth: AuthorizationRequest): Promise<EthereumSignAuthorizationResponse> {
  const hash = authorizationHash(auth);
  const signature = await signDigestRecoverable(ctx, record, hash);
  return {
    chainId: auth.chainId,
    address: auth.address,
    nonce: auth.nonce,
    yParity: signature[64]!,
    r: toHex(signature.subarray(0, 32)),
    s: toHex(signature.subarray(32, 64)),
    hash: toHex(hash),
    from: addressOf(record),
  };
}

export async function ethereumSignAuthorization(
  ctx: EthereumSignContext & Pick<ServiceContext, 'now'>,
  params: EthereumSignAuthorizationParameters,
): Promise<EthereumSignAuthorizationResponse | HeldTransaction> {
  const record = await resolveEthereumKey(ctx, params.key);
  const auth = parseAuthorizationRequest(params.authorization, 'authorization');
  const outcome = await guardTransaction(ctx, {
    keyId: record.id,
    walletId: record.wallet,
    chain: 'ethereum',
    operation: ETHEREUM_SIGN_AUTHORIZATION,
    intent: () => authorizationIntent(record, auth, ctx.now()),
    request: () => ({ ...auth }),
    requester: params.requester,
    sign: () => signParsedAuthorization(ctx, record, auth),
  });
  return 'signed' in outcome ? outcome.signed : outcome.held;
}
