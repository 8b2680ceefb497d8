/**
 * Contracts from their npm artifacts (Hardhat's `{abi, bytecode}` JSON) on a local EDR node: load an
 * artifact, deploy it from the node's unlocked faucet, send a call and wait for its receipt. Used by
 * the on-chain tests of Safe transactions and ERC-4337 user operations.
 */
import { createRequire } from 'node:module';
import { createPublicClient, encodeDeployData, http, type Abi, type Hex, type PublicClient } from 'viem';
import type { EdrNode } from './edr.js';

const require = createRequire(import.meta.url);

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

/** `@scope/package/path/to/Contract.json` → its ABI and creation bytecode. */
export function artifact(path: string): Artifact {
  const a = require(path) as { abi: Abi; bytecode: Hex };
  if (typeof a.bytecode !== 'string' || a.bytecode.length <= 2) throw new Error(`${path} has no bytecode`);
  return { abi: a.abi, bytecode: a.bytecode };
}

export interface Receipt {
  status: Hex;
  contractAddress: Hex | null;
  transactionHash: Hex;
  gasUsed: Hex;
  logs: { address: Hex; topics: Hex[]; data: Hex }[];
}

/** Sends a transaction from the faucet (auto-mined) and returns its receipt; throws when it reverted unless `allowRevert`. */
export async function sendFromFaucet(node: EdrNode, tx: { to?: Hex; data?: Hex; value?: bigint; gas?: bigint }, allowRevert = false): Promise<Receipt> {
  const hash = await node.request<Hex>('eth_sendTransaction', [{
    from: node.faucet,
    ...(tx.to === undefined ? {} : { to: tx.to }),
    ...(tx.data === undefined ? {} : { data: tx.data }),
    ...(tx.value === undefined ? {} : { value: `0x${tx.value.toString(16)}` }),
    gas: `0x${(tx.gas ?? 10_000_000n).toString(16)}`,
  }]);
  const receipt = await node.request<Receipt>('eth_getTransactionReceipt', [hash]);
  if (receipt.status !== '0x1' && !allowRevert) throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/** Deploys `a` with constructor `args` from the faucet; its address. */
export async function deploy(node: EdrNode, a: Artifact, args: readonly unknown[] = []): Promise<Hex> {
  const receipt = await sendFromFaucet(node, { data: encodeDeployData({ abi: a.abi, bytecode: a.bytecode, args } as never) });
  if (receipt.contractAddress === null) throw new Error('no contract address');
  return receipt.contractAddress;
}

export function publicClientOf(node: EdrNode): PublicClient {
  return createPublicClient({ transport: http(node.url, { retryCount: 0 }) });
}

export async function balanceOf(node: EdrNode, address: Hex): Promise<bigint> {
  return BigInt(await node.request<Hex>('eth_getBalance', [address, 'latest']));
}
