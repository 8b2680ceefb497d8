/**
 * Ethereum transactions to sign: parse the request's transaction object (quantities as JSON numbers,
 * decimal or 0x-hex strings), serialize it unsigned with viem (legacy with EIP-155 replay protection,
 * EIP-2930, EIP-1559, EIP-4844 blob and EIP-7702 set-code transactions — RLP and the typed-envelope
 * byte come from viem, none is hand-written here), and, given a recoverable signature over keccak256
 * of that, the signed raw transaction and its hash.
 *
 * chainId is required for every type: a legacy transaction without it (pre-EIP-155) would be valid
 * on every chain. A blob transaction may carry its sidecar (blobs, KZG commitments and proofs,
 * chains/ethereum/blobs.ts): each commitment must hash to its versioned hash and each proof must
 * verify, and the signed result is then the network form eth_sendRawTransaction takes. A set-code
 * transaction carries already-signed authorizations (chains/ethereum/authorization.ts).
 */
import type { AccessList, SignedAuthorizationList, TransactionSerializable } from 'viem';
import { keccak256, serializeTransaction } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { parseAuthorizationList } from './authorization.js';
import { MAX_BLOBS_PER_TRANSACTION, parseBlobSidecar, parseVersionedHashes, type BlobSidecar } from './blobs.js';
import { assertKnownKeys, assertObject, parseAddress, parseHexData, parseQuantity, parseSafeInteger, UINT256_MAX, UINT64_MAX } from './fields.js';

export type TransactionType = 'legacy' | 'eip2930' | 'eip1559' | 'eip4844' | 'eip7702';

/** The transaction types a request may name, and the EIP-2718 type bytes accepted as synonyms. */
const TYPE_NAMES = new Map<string, TransactionType>([
  ['legacy', 'legacy'], ['0x0', 'legacy'],
  ['eip2930', 'eip2930'], ['0x1', 'eip2930'],
  ['eip1559', 'eip1559'], ['0x2', 'eip1559'],
  ['eip4844', 'eip4844'], ['0x3', 'eip4844'],
  ['eip7702', 'eip7702'], ['0x4', 'eip7702'],
]);

const COMMON_FIELDS = ['type', 'chainId', 'nonce', 'to', 'value', 'gas', 'data'] as const;
const FIELDS: Record<TransactionType, readonly string[]> = {
  legacy: [...COMMON_FIELDS, 'gasPrice'],
  eip2930: [...COMMON_FIELDS, 'gasPrice', 'accessList'],
  eip1559: [...COMMON_FIELDS, 'maxFeePerGas', 'maxPriorityFeePerGas', 'accessList'],
  eip4844: [...COMMON_FIELDS, 'maxFeePerGas', 'maxPriorityFeePerGas', 'accessList', 'maxFeePerBlobGas', 'blobVersionedHashes', 'sidecar'],
  eip7702: [...COMMON_FIELDS, 'maxFeePerGas', 'maxPriorityFeePerGas', 'accessList', 'authorizationList'],
};

/**
 * A parsed transaction: what viem serializes, plus a blob transaction's sidecar (kept apart: the
 * signature covers the transaction without it, EIP-4844 "networking").
 */
export type ParsedTransaction = TransactionSerializable & { type: TransactionType; chainId: number; sidecar?: BlobSidecar };

/** Calldata limit: far above any block's gas allows, far below the 1 MiB body limit. */
const MAX_DATA_BYTES = 256 * 1024;

function invalid(field: string, detail: string, code: 'INVALID_ARGUMENT' | 'UNSUPPORTED_OPERATION' = 'INVALID_ARGUMENT'): StrongboxError {
  return new StrongboxError(code, `${field} ${detail}`, { field });
}

function required(tx: Record<string, unknown>, name: string): unknown {
  const v = tx[name];
  if (v === undefined || v === null) throw invalid(`transaction.${name}`, 'is required');
  return v;
}

function parseAccessList(value: unknown): AccessList {
  if (!Array.isArray(value)) throw invalid('transaction.accessList', 'must be an array of {address, storageKeys}');
  return value.map((item: unknown, i) => {
    const path = `transaction.accessList[${i}]`;
    assertObject(item, path);
    assertKnownKeys(item, ['address', 'storageKeys'], path);
    const keys = item['storageKeys'] ?? [];
    if (!Array.isArray(keys)) throw invalid(`${path}.storageKeys`, 'must be an array of 32-byte hex values');
    return {
      address: parseAddress(item['address'], `${path}.address`),
      storageKeys: keys.map((k: unknown, j) => parseHexData(k, `${path}.storageKeys[${j}]`, { bytes: 32 })),
    };
  });
}

/** Validates a request's `transaction` object into what viem serializes. */
export function parseTransaction(value: unknown): ParsedTransaction {
  assertObject(value, 'transaction');
  const typeValue = value['type'] ?? 'eip1559';
  const named = typeof typeValue === 'string' ? TYPE_NAMES.get(typeValue) : undefined;
  if (named === undefined) throw invalid('transaction.type', 'must be legacy, eip2930, eip1559, eip4844 or eip7702 (or 0x0 to 0x4)');
  const type = named;
  assertKnownKeys(value, FIELDS[type], 'transaction');

  const chainId = parseSafeInteger(required(value, 'chainId'), 'transaction.chainId', 1n);
  // EIP-2681: nonces are below 2^64 - 1; viem types them as numbers, so the safe-integer bound applies first.
  const nonce = parseSafeInteger(required(value, 'nonce'), 'transaction.nonce');
  const to = value['to'] === undefined || value['to'] === null ? null : parseAddress(value['to'], 'transaction.to');
  const valueWei = value['value'] === undefined ? 0n : parseQuantity(value['value'], 'transaction.value', UINT256_MAX);
  const gas = parseQuantity(required(value, 'gas'), 'transaction.gas', UINT64_MAX, 21000n);
  const data = value['data'] === undefined ? '0x' : parseHexData(value['data'], 'transaction.data', { maxBytes: MAX_DATA_BYTES });
  if (to === null && data === '0x') throw invalid('transaction.data', 'is required for a contract creation (no to)');
  // EIP-4844 and EIP-7702: `to` is an address, never empty (no contract creation).
  if (to === null && (type === 'eip4844' || type === 'eip7702')) throw invalid('transaction.to', `is required for an ${type} transaction (it cannot create a contract)`);
  const base = { chainId, nonce, value: valueWei, gas, data, ...(to === null ? {} : { to }) };

  if (type === 'legacy' || type === 'eip2930') {
    const gasPrice = parseQuantity(required(value, 'gasPrice'), 'transaction.gasPrice', UINT256_MAX);
    if (type === 'legacy') return { ...base, type, gasPrice };
    return { ...base, type, gasPrice, accessList: value['accessList'] === undefined ? [] : parseAccessList(value['accessList']) };
  }
  const maxFeePerGas = parseQuantity(required(value, 'maxFeePerGas'), 'transaction.maxFeePerGas', UINT256_MAX);
  const maxPriorityFeePerGas = parseQuantity(required(value, 'maxPriorityFeePerGas'), 'transaction.maxPriorityFeePerGas', UINT256_MAX);
  if (maxPriorityFeePerGas > maxFeePerGas) throw invalid('transaction.maxPriorityFeePerGas', 'must not exceed maxFeePerGas');
  const dynamic = { ...base, maxFeePerGas, maxPriorityFeePerGas, accessList: value['accessList'] === undefined ? [] : parseAccessList(value['accessList']) };
  if (type === 'eip1559') return { ...dynamic, type };
  if (type === 'eip7702') {
    const authorizationList: SignedAuthorizationList = parseAuthorizationList(required(value, 'authorizationList'), 'transaction.authorizationList');
    return { ...dynamic, type, authorizationList };
  }
  const maxFeePerBlobGas = parseQuantity(required(value, 'maxFeePerBlobGas'), 'transaction.maxFeePerBlobGas', UINT256_MAX);
  const blobVersionedHashes = parseVersionedHashes(required(value, 'blobVersionedHashes'), 'transaction.blobVersionedHashes', MAX_BLOBS_PER_TRANSACTION);
  // viem types a blob transaction with blobs or sidecars; the sidecar is kept apart here (it is not signed).
  const tx = { ...dynamic, type, maxFeePerBlobGas, blobVersionedHashes } as unknown as ParsedTransaction;
  if (value['sidecar'] !== undefined) tx.sidecar = parseBlobSidecar(value['sidecar'], 'transaction.sidecar', blobVersionedHashes);
  return tx;
}

/** EIP-7825: the gas limit of one transaction, per chain id (config: --ethereum-gas-cap). */
export function assertGasCap(tx: ParsedTransaction, caps: ReadonlyMap<number, bigint>): void {
  const cap = caps.get(tx.chainId);
  if (cap !== undefined && tx.gas !== undefined && tx.gas > cap) {
    throw invalid('transaction.gas', `${tx.gas} exceeds the transaction gas cap ${cap} of chain ${tx.chainId} (EIP-7825: a transaction may use at most 2^24 gas from Osaka on); split the work or lower gas`);
  }
}

/** The transaction viem serializes: without the sidecar, which no signature covers. */
function withoutSidecar(tx: TransactionSerializable & { sidecar?: BlobSidecar }): TransactionSerializable {
  if (!('sidecar' in tx)) return tx;
  const { sidecar: _sidecar, ...rest } = tx;
  return rest as TransactionSerializable;
}

/** keccak256 of the unsigned serialization: the digest the sender signs (EIP-155 / EIP-2718 payload). */
export function transactionSigningHash(tx: TransactionSerializable & { sidecar?: BlobSidecar }): Uint8Array {
  return keccak256(serializeTransaction(withoutSidecar(tx)), 'bytes');
}

/**
 * The signed raw transaction and its hash, from a 65-byte r‖s‖recoveryId signature over
 * transactionSigningHash(tx). viem derives the legacy v (chainId·2 + 35 + recoveryId) itself.
 * A blob transaction with its sidecar is returned in the network form (EIP-4844 "networking":
 * rlp([tx_payload_body, blobs, commitments, proofs]) behind the type byte), which is what
 * eth_sendRawTransaction takes; its hash is still that of the signed transaction alone.
 */
export function serializeSignedTransaction(tx: TransactionSerializable & { sidecar?: BlobSidecar }, recoverable: Uint8Array): { rawTransaction: `0x${string}`; hash: `0x${string}` } {
  const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}` as const;
  const yParity = recoverable[64]!;
  const signature = { r: hex(recoverable.subarray(0, 32)), s: hex(recoverable.subarray(32, 64)), yParity, v: 27n + BigInt(yParity) };
  const canonical = serializeTransaction(withoutSidecar(tx), signature);
  const hash = keccak256(canonical);
  if (tx.sidecar === undefined) return { rawTransaction: canonical, hash };
  const sidecars = tx.sidecar.blobs.map((blob, i) => ({ blob, commitment: tx.sidecar!.commitments[i]!, proof: tx.sidecar!.proofs[i]! }));
  return { rawTransaction: serializeTransaction({ ...withoutSidecar(tx), sidecars } as TransactionSerializable, signature), hash };
}

/**
 * A parsed transaction back in request form (quantities as decimal strings), JSON-safe: what a
 * transaction held for approval stores, and what parseTransaction accepts again when it is signed.
 */
export function transactionToRequest(tx: ParsedTransaction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tx)) {
    if (value === undefined) continue;
    out[name] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}
