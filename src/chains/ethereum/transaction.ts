/**
 * Ethereum transactions to sign: parse the request's transaction object (quantities as JSON numbers,
 * decimal or 0x-hex strings), serialize it unsigned with viem (legacy with EIP-155 replay protection,
 * EIP-2930, EIP-1559 — RLP and the typed-envelope byte come from viem, none is hand-written here),
 * and, given a recoverable signature over keccak256 of that, the signed raw transaction and its hash.
 *
 * chainId is required for every type: a legacy transaction without it (pre-EIP-155) would be valid
 * on every chain. EIP-4844 blob transactions are refused for now: they only make sense with their
 * blob sidecar (KZG commitments and proofs), which this API does not carry yet.
 */
import type { AccessList, TransactionSerializable } from 'viem';
import { keccak256, serializeTransaction } from 'viem/utils';
import { StrongboxError } from '../../protocol/errors.js';
import { assertKnownKeys, assertObject, parseAddress, parseHexData, parseQuantity, parseSafeInteger, UINT256_MAX, UINT64_MAX } from './fields.js';

export type TransactionType = 'legacy' | 'eip2930' | 'eip1559';

/** The transaction types a request may name, and the EIP-2718 type bytes accepted as synonyms. */
const TYPE_NAMES = new Map<string, TransactionType | 'eip4844' | 'eip7702'>([
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
};

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
export function parseTransaction(value: unknown): TransactionSerializable & { type: TransactionType } {
  assertObject(value, 'transaction');
  const typeValue = value['type'] ?? 'eip1559';
  const named = typeof typeValue === 'string' ? TYPE_NAMES.get(typeValue) : undefined;
  if (named === undefined) throw invalid('transaction.type', 'must be legacy, eip2930 or eip1559 (or 0x0, 0x1, 0x2)');
  if (named === 'eip4844') throw invalid('transaction.type', 'eip4844 (blob) transactions are not supported yet: they need their blob sidecar (KZG commitments and proofs)', 'UNSUPPORTED_OPERATION');
  if (named === 'eip7702') throw invalid('transaction.type', 'eip7702 (set-code) transactions are not supported', 'UNSUPPORTED_OPERATION');
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
  const base = { chainId, nonce, value: valueWei, gas, data, ...(to === null ? {} : { to }) };

  if (type === 'legacy' || type === 'eip2930') {
    const gasPrice = parseQuantity(required(value, 'gasPrice'), 'transaction.gasPrice', UINT256_MAX);
    if (type === 'legacy') return { ...base, type, gasPrice };
    return { ...base, type, gasPrice, accessList: value['accessList'] === undefined ? [] : parseAccessList(value['accessList']) };
  }
  const maxFeePerGas = parseQuantity(required(value, 'maxFeePerGas'), 'transaction.maxFeePerGas', UINT256_MAX);
  const maxPriorityFeePerGas = parseQuantity(required(value, 'maxPriorityFeePerGas'), 'transaction.maxPriorityFeePerGas', UINT256_MAX);
  if (maxPriorityFeePerGas > maxFeePerGas) throw invalid('transaction.maxPriorityFeePerGas', 'must not exceed maxFeePerGas');
  return { ...base, type, maxFeePerGas, maxPriorityFeePerGas, accessList: value['accessList'] === undefined ? [] : parseAccessList(value['accessList']) };
}

/** keccak256 of the unsigned serialization: the digest the sender signs (EIP-155 / EIP-2718 payload). */
export function transactionSigningHash(tx: TransactionSerializable): Uint8Array {
  return keccak256(serializeTransaction(tx), 'bytes');
}

/**
 * The signed raw transaction and its hash, from a 65-byte r‖s‖recoveryId signature over
 * transactionSigningHash(tx). viem derives the legacy v (chainId·2 + 35 + recoveryId) itself.
 */
export function serializeSignedTransaction(tx: TransactionSerializable, recoverable: Uint8Array): { rawTransaction: `0x${string}`; hash: `0x${string}` } {
  const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}` as const;
  const yParity = recoverable[64]!;
  const signature = { r: hex(recoverable.subarray(0, 32)), s: hex(recoverable.subarray(32, 64)), yParity, v: 27n + BigInt(yParity) };
  const rawTransaction = serializeTransaction(tx, signature);
  return { rawTransaction, hash: keccak256(rawTransaction) };
}

/**
 * A parsed transaction back in request form (quantities as decimal strings), JSON-safe: what a
 * transaction held for approval stores, and what parseTransaction accepts again when it is signed.
 */
export function transactionToRequest(tx: TransactionSerializable & { type: TransactionType }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tx)) {
    if (value === undefined) continue;
    out[name] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}
