/**
 * eth_signTransaction and eth_sendTransaction for the JSON-RPC signer: take a transaction request
 * as wallets send it (execution-apis GenericTransaction: hex quantities, `data` or `input`, optional
 * type, nonce, gas and fees), fill what is missing from the upstream node, sign it through
 * ethereumSignTransaction (so every rule that applies to the REST route applies here too) and, for
 * a send, submit it with eth_sendRawTransaction.
 *
 * Filling: chainId from eth_chainId (a given chainId must match the node's); nonce from the nonce
 * tracker (sends: coordinated across nodes through the Store) or the node's pending count (sign only); gas from eth_estimateGas; fees: EIP-1559
 * when the latest block has a base fee (maxPriorityFeePerGas from eth_maxPriorityFeePerGas,
 * maxFeePerGas = 2 × base fee + priority fee), else legacy with eth_gasPrice. An `authorizationList`
 * makes an EIP-7702 transaction and `blobVersionedHashes` (or `maxFeePerBlobGas`) an EIP-4844 one, each
 * with EIP-1559 fees (a blob transaction's maxFeePerBlobGas = 2 × eth_blobBaseFee when absent).
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { EthereumSignTransactionResponse } from '../../protocol/ethereum.js';
import { UpstreamRpcError, type EthereumRpcClient } from '../../chains/ethereum/rpc-client.js';
import { assertKnownKeys, assertObject, parseHexData, parseQuantity, UINT256_MAX } from '../../chains/ethereum/fields.js';
import type { KeyRecord } from '../../storage/types.js';
import type { LeaseCheck, NonceTracker } from '../shared/ethereum-nonces.js';
import { ethereumSignTransaction } from './ethereum-sign-transaction.js';
import type { EthereumSignContext } from './ethereum-signer.js';
import type { EthereumNetwork, ServiceContext } from '../shared/context.js';
import type { HeldTransaction, RequestContext } from '../shared/transaction-guard.js';

export type EthereumRpcContext = EthereumSignContext & Pick<ServiceContext, 'now'> & { ethereum: EthereumNetwork };

/** The key's transaction rules held the transaction (or EIP-712 permit) for approval: nothing was signed or sent. */
export class TransactionHeldError extends Error {
  constructor(readonly held: HeldTransaction) {
    super(`the request needs ${held.required} approval(s): approval ${held.approvalId} is pending (${held.reason})`);
    this.name = 'TransactionHeldError';
  }
}

async function signOrThrow(ctx: EthereumRpcContext, record: KeyRecord & { publicKey: Uint8Array }, transaction: Record<string, unknown>, requester: RequestContext | undefined): Promise<EthereumSignTransactionResponse> {
  const result = await ethereumSignTransaction(ctx, { key: record, transaction, ...(requester === undefined ? {} : { requester }) });
  if ('approvalId' in result) throw new TransactionHeldError(result);
  return result;
}

const REQUEST_FIELDS = ['from', 'to', 'gas', 'gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas', 'value', 'data', 'input', 'nonce', 'chainId', 'type', 'accessList', 'authorizationList', 'maxFeePerBlobGas', 'blobVersionedHashes', 'sidecar'] as const;
type RequestType = 'legacy' | 'eip2930' | 'eip1559' | 'eip4844' | 'eip7702';
const hex = (n: bigint): `0x${string}` => `0x${n.toString(16)}`;

export function requireUpstream(ctx: EthereumRpcContext): EthereumRpcClient {
  const upstream = ctx.ethereum.upstream;
  if (upstream === undefined) throw new StrongboxError('UPSTREAM_NOT_CONFIGURED', 'this needs an upstream Ethereum node: start the server with --ethereum-upstream URL (or STRONGBOX_ETHEREUM_UPSTREAM)');
  return upstream;
}

async function upstreamQuantity(upstream: EthereumRpcClient, method: string, params: readonly unknown[]): Promise<bigint> {
  const result = await upstream.request(method, params);
  if (typeof result !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(result)) {
    throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream node answered ${method} with ${JSON.stringify(result)?.slice(0, 80)}, not a quantity`);
  }
  return BigInt(result);
}

export async function upstreamChainId(ctx: EthereumRpcContext): Promise<bigint> {
  ctx.ethereum.chainId ??= await upstreamQuantity(requireUpstream(ctx), 'eth_chainId', []);
  return ctx.ethereum.chainId;
}

/** A validated request: `from` checked against the key, `input` folded into `data`. */
function normalize(request: unknown): Record<string, unknown> {
  assertObject(request, 'transaction');
  assertKnownKeys(request, REQUEST_FIELDS, 'transaction');
  const tx: Record<string, unknown> = { ...request };
  const { data, input } = tx;
  if (input !== undefined && input !== null) {
    if (data !== undefined && data !== null && String(data).toLowerCase() !== String(input).toLowerCase()) {
      throw new StrongboxError('INVALID_ARGUMENT', 'transaction.data and transaction.input differ; send one of them', { field: 'transaction.input' });
    }
    tx['data'] = input;
  }
  delete tx['input'];
  delete tx['from'];
  for (const k of Object.keys(tx)) if (tx[k] === null && k !== 'to') delete tx[k];
  if (tx['data'] !== undefined) parseHexData(tx['data'], 'transaction.data');
  return tx;
}

const TRANSACTION_TYPE_NAMES = new Map<string, RequestType>([
  ['0x0', 'legacy'], ['0x00', 'legacy'], ['legacy', 'legacy'],
  ['0x1', 'eip2930'], ['0x01', 'eip2930'], ['eip2930', 'eip2930'],
  ['0x2', 'eip1559'], ['0x02', 'eip1559'], ['eip1559', 'eip1559'],
  ['0x3', 'eip4844'], ['0x03', 'eip4844'], ['eip4844', 'eip4844'],
  ['0x4', 'eip7702'], ['0x04', 'eip7702'], ['eip7702', 'eip7702'],
]);

function typeOf(tx: Record<string, unknown>): RequestType | undefined {
  const t = tx['type'];
  if (t === undefined) {
    if (tx['authorizationList'] !== undefined) return 'eip7702';
    if (tx['blobVersionedHashes'] !== undefined || tx['maxFeePerBlobGas'] !== undefined || tx['sidecar'] !== undefined) return 'eip4844';
    if (tx['maxFeePerGas'] !== undefined || tx['maxPriorityFeePerGas'] !== undefined) return 'eip1559';
    if (tx['gasPrice'] !== undefined) return tx['accessList'] !== undefined ? 'eip2930' : 'legacy';
    return undefined;
  }
  // Anything else is left for ethereumSignTransaction to refuse by name.
  return typeof t === 'string' ? TRANSACTION_TYPE_NAMES.get(t) : undefined;
}

/** Fills chainId, type, fees and gas (not the nonce) from the upstream node where absent. */
async function fill(ctx: EthereumRpcContext, from: string, tx: Record<string, unknown>): Promise<Record<string, unknown>> {
  const upstream = ctx.ethereum.upstream;
  const out = { ...tx };
  const given = typeOf(out);
  if (given !== undefined) out['type'] = given;
  if (upstream === undefined) return out;
  const chainId = await upstreamChainId(ctx);
  if (out['chainId'] === undefined) out['chainId'] = hex(chainId);
  else if (parseQuantity(out['chainId'], 'transaction.chainId') !== chainId) {
    throw new StrongboxError('INVALID_ARGUMENT', `transaction.chainId ${String(out['chainId'])} is not the upstream node's chain id ${chainId}`, { field: 'transaction.chainId' });
  }
  let type = typeOf(out);
  if (type === undefined && out['type'] === undefined) {
    const block = await upstream.request<{ baseFeePerGas?: string } | null>('eth_getBlockByNumber', ['latest', false]);
    type = block?.baseFeePerGas !== undefined ? 'eip1559' : 'legacy';
  }
  if (type !== undefined) out['type'] = type;
  if (type === 'eip1559' || type === 'eip4844' || type === 'eip7702') {
    if (type === 'eip4844' && out['maxFeePerBlobGas'] === undefined) {
      out['maxFeePerBlobGas'] = hex(2n * (await upstreamQuantity(upstream, 'eth_blobBaseFee', [])));
    }
    if (out['maxPriorityFeePerGas'] === undefined) {
      out['maxPriorityFeePerGas'] = hex(await upstreamQuantity(upstream, 'eth_maxPriorityFeePerGas', []).catch(() => 1_000_000_000n));
    }
    if (out['maxFeePerGas'] === undefined) {
      const block = await upstream.request<{ baseFeePerGas?: string } | null>('eth_getBlockByNumber', ['latest', false]);
      const baseFee = block?.baseFeePerGas !== undefined ? BigInt(block.baseFeePerGas) : 0n;
      const priority = parseQuantity(out['maxPriorityFeePerGas'], 'transaction.maxPriorityFeePerGas');
      out['maxFeePerGas'] = hex(2n * baseFee + priority);
    }
  } else if ((type === 'legacy' || type === 'eip2930') && out['gasPrice'] === undefined) {
    out['gasPrice'] = hex(await upstreamQuantity(upstream, 'eth_gasPrice', []));
  }
  if (out['gas'] === undefined) {
    const call: Record<string, unknown> = { from };
    // The authorization list changes the gas (EIP-7702: 25,000 per authorization, and the delegate's code runs).
    for (const k of ['to', 'value', 'data', 'accessList', 'authorizationList', 'blobVersionedHashes', 'maxFeePerBlobGas'] as const) if (out[k] !== undefined && out[k] !== null) call[k] = out[k];
    out['gas'] = hex(await upstreamQuantity(upstream, 'eth_estimateGas', [call]));
  }
  return out;
}

function nonceOf(tx: Record<string, unknown>): bigint | undefined {
  return tx['nonce'] === undefined ? undefined : parseQuantity(tx['nonce'], 'transaction.nonce', UINT256_MAX);
}

/** eth_signTransaction: fills what is missing (when an upstream node is configured) and signs. */
export async function ethereumFillAndSignTransaction(ctx: EthereumRpcContext, record: KeyRecord & { publicKey: Uint8Array }, from: string, request: unknown, requester?: RequestContext): Promise<EthereumSignTransactionResponse> {
  const tx = await fill(ctx, from, normalize(request));
  if (nonceOf(tx) === undefined && ctx.ethereum.upstream !== undefined) {
    tx['nonce'] = hex(await upstreamQuantity(ctx.ethereum.upstream, 'eth_getTransactionCount', [from, 'pending']));
  }
  return signOrThrow(ctx, record, tx, requester);
}

/**
 * eth_sendTransaction: fill, sign and submit; resolves to the transaction hash the node returned.
 * An error the node answers eth_sendRawTransaction with is passed on unchanged (UpstreamRpcError).
 */
export async function ethereumSendTransaction(ctx: EthereumRpcContext, record: KeyRecord & { publicKey: Uint8Array }, from: string, request: unknown, requester?: RequestContext): Promise<`0x${string}`> {
  const upstream = requireUpstream(ctx);
  const given = normalize(request);
  // Filling (gas estimate, fees) happens under the address's lock too: it then sees the state
  // after this address's previous transaction, and never races a submission from the same address.
  const submit = async (nonce: bigint | undefined, checkLease?: LeaseCheck): Promise<`0x${string}`> => {
    const tx = await fill(ctx, from, given);
    const signed = await signOrThrow(ctx, record, nonce === undefined ? tx : { ...tx, nonce: hex(nonce) }, requester);
    // Last moment to find that another node took the address's lease: then nothing is submitted.
    await checkLease?.();
    let hash: unknown;
    try {
      hash = await upstream.request('eth_sendRawTransaction', [signed.rawTransaction]);
    } catch (err) {
      // "Already known" for these very bytes (a retry of a send whose answer was lost: same nonce, same
      // fields, deterministic signature) means it was submitted: answer its hash, and the nonce is recorded.
      if (!(err instanceof UpstreamRpcError) || !/already known|known transaction|alreadyknown/i.test(err.message)) throw err;
      const known = (await upstream.request('eth_getTransactionByHash', [signed.hash]).catch(() => null)) as { hash?: unknown } | null;
      if (typeof known?.hash !== 'string' || known.hash.toLowerCase() !== signed.hash.toLowerCase()) throw err;
      hash = signed.hash;
    }
    if (typeof hash !== 'string' || hash.toLowerCase() !== signed.hash.toLowerCase()) {
      throw new StrongboxError('UPSTREAM_UNAVAILABLE', `the upstream node acknowledged the transaction with hash ${JSON.stringify(hash)?.slice(0, 80)}, expected ${signed.hash}`);
    }
    return signed.hash;
  };
  // An explicit nonce is the caller's: not serialized, not recorded (see NonceTracker).
  if (nonceOf(given) !== undefined) return submit(undefined);
  const chainId = await upstreamChainId(ctx);
  return ctx.ethereum.nonces.withNextNonce({ chainId, address: from }, () => upstreamQuantity(upstream, 'eth_getTransactionCount', [from, 'pending']), submit);
}
