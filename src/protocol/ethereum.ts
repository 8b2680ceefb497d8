/** Wire types of the Ethereum signing routes (shared by server and SDK). */
import type { Hex } from './types.js';

export type MessageEncoding = 'utf8' | 'hex';

export interface EthereumSignMessageRequest {
  /** a UTF-8 string (encoding `utf8`, the default) or 0x-hex bytes (encoding `hex`) */
  message: string;
  encoding?: MessageEncoding;
}

export interface EthereumTypedData {
  types: Record<string, readonly { readonly name: string; readonly type: string }[]>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

/** Quantities are JSON numbers (up to 2^53 - 1), decimal strings or 0x-hex strings. */
export type Quantity = number | string;

/** An EIP-7702 authorization to sign: chainId 0 = every chain; address 0x0…0 clears a delegation. */
export interface EthereumAuthorizationRequest {
  chainId: Quantity;
  /** the delegate: the contract whose code the account will run */
  address: string;
  /** the account's nonce when the authorization is processed (in a type-4 transaction the key sends itself: the transaction's nonce + 1) */
  nonce: Quantity;
}

/** A signed EIP-7702 authorization, as viem's SignedAuthorization and a type-4 transaction's authorizationList take it. */
export interface EthereumSignedAuthorization {
  chainId: number;
  address: Hex;
  nonce: number;
  yParity: number;
  r: Hex;
  s: Hex;
}

export interface EthereumSignAuthorizationResponse extends EthereumSignedAuthorization {
  /** keccak256(0x05 ‖ rlp([chainId, address, nonce])): the digest that was signed */
  hash: Hex;
  /** the key's EIP-55 address: the authority */
  from: Hex;
}

/** An EIP-4844 blob sidecar: one blob (131072 bytes), KZG commitment (48) and KZG proof (48) per versioned hash. */
export interface EthereumBlobSidecar {
  blobs: Hex[];
  commitments: Hex[];
  proofs: Hex[];
}

export interface EthereumTransactionRequest {
  type?: 'legacy' | 'eip2930' | 'eip1559' | 'eip4844' | 'eip7702' | '0x0' | '0x1' | '0x2' | '0x3' | '0x4';
  chainId: Quantity;
  nonce: Quantity;
  /** omitted or null: contract creation */
  to?: string | null;
  value?: Quantity;
  gas: Quantity;
  gasPrice?: Quantity;
  maxFeePerGas?: Quantity;
  maxPriorityFeePerGas?: Quantity;
  data?: Hex;
  accessList?: { address: string; storageKeys: Hex[] }[];
  /** eip7702: signed authorizations (by the key or other accounts) */
  authorizationList?: { chainId: Quantity; address: string; nonce: Quantity; yParity: Quantity; r: Quantity; s: Quantity }[];
  /** eip4844 */
  maxFeePerBlobGas?: Quantity;
  /** eip4844: 0x01-versioned hashes of the KZG commitments */
  blobVersionedHashes?: Hex[];
  /** eip4844: optional; when given, rawTransaction is the network form for eth_sendRawTransaction */
  sidecar?: EthereumBlobSidecar;
}

export interface EthereumSignMessageResponse {
  /** 65 bytes r‖s‖v, v ∈ {27, 28} */
  signature: Hex;
  /** the EIP-191 digest that was signed */
  hash: Hex;
}

export interface EthereumSignTypedDataResponse {
  /** 65 bytes r‖s‖v, v ∈ {27, 28} */
  signature: Hex;
  /** the EIP-712 digest that was signed */
  hash: Hex;
}

export interface EthereumSignTransactionResponse {
  /** the signed transaction, RLP (legacy) or EIP-2718 typed envelope */
  rawTransaction: Hex;
  /** its transaction hash */
  hash: Hex;
  /** the key's EIP-55 address */
  from: Hex;
}

/** How a user operation's signature is made: over the userOpHash itself, or over its EIP-191 personal-message digest. */
export type UserOperationSignatureFormat = 'raw' | 'eip191';

/** An ERC-4337 v0.7/v0.8 user operation, unpacked (as viem and bundlers write it); quantities as numbers, decimal or 0x-hex strings. */
export interface EthereumUserOperation {
  sender: string;
  nonce: Quantity;
  factory?: string | null;
  factoryData?: Hex | null;
  callData: Hex;
  callGasLimit: Quantity;
  verificationGasLimit: Quantity;
  preVerificationGas: Quantity;
  maxFeePerGas: Quantity;
  maxPriorityFeePerGas: Quantity;
  paymaster?: string | null;
  paymasterVerificationGasLimit?: Quantity | null;
  paymasterPostOpGasLimit?: Quantity | null;
  paymasterData?: Hex | null;
  /** ignored (bundler tooling sends a placeholder) */
  signature?: Hex;
}

export interface EthereumSignUserOperationRequest {
  userOperation: EthereumUserOperation;
  /** the EntryPoint contract's address */
  entryPoint: string;
  entryPointVersion: '0.7' | '0.8';
  chainId: Quantity;
  /** default: `eip191` for v0.7, `raw` for v0.8 (each version's SimpleAccount) */
  signatureFormat?: UserOperationSignatureFormat;
}

export interface EthereumSignUserOperationResponse {
  /** 65 bytes r‖s‖v, v ∈ {27, 28}: the UserOperation's `signature` for an ECDSA-owned account */
  signature: Hex;
  /** the userOpHash (EntryPoint.getUserOpHash) */
  hash: Hex;
  signatureFormat: UserOperationSignatureFormat;
}
