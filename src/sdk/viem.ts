/**
 * A viem `LocalAccount` whose keys stay in Strongbox: every signature is made by the Ethereum routes
 * (`/v1/keys/{id}/ethereum/*`) or, for raw hashes, by `sign` with `encoding: 'recoverable'`.
 * Imports only protocol/ types, the client and viem itself.
 */
import { getTransactionType, serializeTransaction, toHex, type AuthorizationRequest, type BlobSidecars, type Hex, type SignableMessage, type SignedAuthorization, type TransactionSerializable } from 'viem';
import { toAccount, type LocalAccount } from 'viem/accounts';
import type { EthereumBlobSidecar, EthereumTransactionRequest, EthereumTypedData, EthereumUserOperation, UserOperationSignatureFormat } from '../protocol/ethereum.js';
import type { StrongboxClient } from './client.js';

/** bigint → decimal string, bytes → 0x-hex, recursively: the JSON the Strongbox routes accept. */
export function toWire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

const q = (v: bigint | number | undefined) => (v === undefined ? undefined : typeof v === 'bigint' ? v.toString() : v);

/** viem's blob sidecars (hex or bytes) → the route's `sidecar`. */
function toSidecar(sidecars: BlobSidecars): EthereumBlobSidecar {
  const h = (v: Hex | Uint8Array): Hex => (typeof v === 'string' ? v : toHex(v));
  return { blobs: sidecars.map((s) => h(s.blob)), commitments: sidecars.map((s) => h(s.commitment)), proofs: sidecars.map((s) => h(s.proof)) };
}

/** viem's TransactionSerializable → the sign-transaction route's request. */
export function viemTransactionToRequest(tx: TransactionSerializable): EthereumTransactionRequest {
  const type = getTransactionType(tx as never) as string;
  if (type !== 'legacy' && type !== 'eip2930' && type !== 'eip1559' && type !== 'eip4844' && type !== 'eip7702') throw new Error(`Strongbox signs legacy, eip2930, eip1559, eip4844 and eip7702 transactions, not ${type}`);
  if (tx.chainId === undefined) throw new Error('chainId is required (Strongbox signs legacy transactions with EIP-155 only)');
  if (tx.nonce === undefined || tx.gas === undefined) throw new Error('nonce and gas are required');
  const t = tx as TransactionSerializable & {
    gasPrice?: bigint;
    maxFeePerGas?: bigint;
    maxPriorityFeePerGas?: bigint;
    accessList?: readonly { address: Hex; storageKeys: readonly Hex[] }[];
    authorizationList?: readonly SignedAuthorization[];
    maxFeePerBlobGas?: bigint;
    blobVersionedHashes?: readonly Hex[];
    sidecars?: BlobSidecars | false;
    blobs?: readonly unknown[];
  };
  const dynamic = type !== 'legacy' && type !== 'eip2930';
  // viem computes sidecars from `blobs` with the caller's KZG (prepareTransactionRequest); blobs without them cannot be sent.
  if (type === 'eip4844' && t.blobs !== undefined && !t.sidecars) throw new Error('a blob transaction with blobs needs its sidecars (pass kzg to viem so that it computes them)');
  const out: Record<string, unknown> = {
    type,
    chainId: tx.chainId,
    nonce: tx.nonce,
    to: tx.to ?? null,
    value: q(tx.value),
    gas: q(tx.gas),
    gasPrice: type === 'legacy' || type === 'eip2930' ? q(t.gasPrice) : undefined,
    maxFeePerGas: dynamic ? q(t.maxFeePerGas) : undefined,
    maxPriorityFeePerGas: dynamic ? q(t.maxPriorityFeePerGas) : undefined,
    data: tx.data,
    accessList: type === 'legacy' ? undefined : t.accessList?.map((a) => ({ address: a.address, storageKeys: [...a.storageKeys] })),
    authorizationList: type === 'eip7702' ? t.authorizationList?.map((a) => toWire({ chainId: a.chainId, address: a.address, nonce: a.nonce, yParity: a.yParity ?? Number((a.v ?? 27n) - 27n), r: a.r, s: a.s })) : undefined,
    maxFeePerBlobGas: type === 'eip4844' ? q(t.maxFeePerBlobGas) : undefined,
    blobVersionedHashes: type === 'eip4844' ? t.blobVersionedHashes : undefined,
    sidecar: type === 'eip4844' && t.sidecars ? toSidecar(t.sidecars) : undefined,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as EthereumTransactionRequest;
}

/**
 * A viem account backed by the secp256k1 key `keyIdOrName` (its id, name or alias). Use it like
 * `privateKeyToAccount`: `walletClient({ account })`, `account.signMessage(...)`, etc.
 */
export async function toStrongboxAccount(client: StrongboxClient, keyIdOrName: string): Promise<LocalAccount> {
  const info = await client.getKey(keyIdOrName);
  if (info.address === undefined) throw new Error(`key ${keyIdOrName} has no Ethereum address (type ${info.type}; a secp256k1 key is needed)`);
  const key = info.id;
  return toAccount({
    address: info.address as Hex,
    async sign({ hash }) {
      const res = await client.sign(key, { digest: hash, encoding: 'recoverable' });
      const v = parseInt(res.signature.slice(-2), 16);
      return `${res.signature.slice(0, -2)}${(v < 27 ? v + 27 : v).toString(16)}` as Hex;
    },
    async signMessage({ message }: { message: SignableMessage }) {
      const req = typeof message === 'string' ? { message } : { message: typeof message.raw === 'string' ? message.raw : toHex(message.raw), encoding: 'hex' as const };
      return (await client.ethereumSignMessage(key, req)).signature as Hex;
    },
    /**
     * EIP-7702: viem's `signAuthorization` / `walletClient.signAuthorization` (prepareAuthorization fills
     * chainId and nonce). Judged by the key's transaction rules (allowedDelegates).
     */
    async signAuthorization(authorization: AuthorizationRequest) {
      const address = authorization.address ?? authorization.contractAddress;
      const res = await client.ethereumSignAuthorization(key, { chainId: authorization.chainId, address: address!, nonce: authorization.nonce });
      return { address: res.address, chainId: res.chainId, nonce: res.nonce, r: res.r, s: res.s, yParity: res.yParity, v: BigInt(res.yParity) + 27n };
    },
    async signTypedData(typedData) {
      return (await client.ethereumSignTypedData(key, toWire(typedData) as EthereumTypedData)).signature as Hex;
    },
    async signTransaction(transaction, options) {
      // A chain serializer (e.g. OP Stack's) is honoured only where it encodes like viem's default:
      // Strongbox builds the envelope itself, so a transaction only a custom serializer knows is refused.
      const serializer = options?.serializer;
      if (serializer !== undefined && serializer !== serializeTransaction) {
        const custom = await serializer(transaction as never);
        if (custom !== serializeTransaction(transaction as TransactionSerializable)) throw new Error('this chain serializes the transaction in a way Strongbox does not sign (custom transaction type)');
      }
      return (await client.ethereumSignTransaction(key, viemTransactionToRequest(transaction as TransactionSerializable))).rawTransaction as never;
    },
  });
}

export interface StrongboxUserOperationSignerOptions {
  /** the EntryPoint, as viem's SmartAccount `entryPoint` names it */
  entryPoint: { address: Hex; version: '0.7' | '0.8' };
  /** the chain id, unless each call passes one */
  chainId?: number;
  /** default: eip191 for 0.7, raw for 0.8 (each version's SimpleAccount) */
  signatureFormat?: UserOperationSignatureFormat;
}

/**
 * `signUserOperation` in the shape viem's `toSmartAccount` implementation takes
 * (`(userOperation & {chainId?}) => Promise<Hex>`), for an account the Strongbox key `keyIdOrName` owns.
 * The userOperation (viem's `UserOperation`: bigints, `sender`, `factory`, `paymaster`…) is sent to
 * POST /v1/keys/{id}/ethereum/sign-user-operation, where the key's transaction rules judge it; a held
 * operation throws ApprovalPendingError. Use it in place of an owner's `signMessage({raw: userOpHash})`,
 * which Strongbox refuses for a key with forbidBlindSigning.
 */
export function toStrongboxUserOperationSigner(client: StrongboxClient, keyIdOrName: string, options: StrongboxUserOperationSignerOptions) {
  return {
    async signUserOperation(parameters: Record<string, unknown> & { chainId?: number; sender?: Hex }): Promise<Hex> {
      const { chainId = options.chainId, signature: _placeholder, authorization: _authorization, ...userOperation } = parameters as Record<string, unknown> & { chainId?: number };
      if (chainId === undefined) throw new Error('chainId is required (in the options or the call)');
      const res = await client.ethereumSignUserOperation(keyIdOrName, {
        userOperation: toWire(userOperation) as EthereumUserOperation,
        entryPoint: options.entryPoint.address,
        entryPointVersion: options.entryPoint.version,
        chainId,
        ...(options.signatureFormat === undefined ? {} : { signatureFormat: options.signatureFormat }),
      });
      return res.signature as Hex;
    },
  };
}
