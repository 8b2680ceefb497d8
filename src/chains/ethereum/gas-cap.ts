/**
 * EIP-7825 (Osaka): a transaction's gas limit is capped at TX_GAS_LIMIT_CAP = 2^24 (16,777,216); a node
 * past Osaka refuses a transaction above it. Strongbox refuses to sign one for a chain whose cap it
 * knows, naming `transaction.gas`, rather than hand out a signature no node will take.
 *
 * A transaction names its chain id, not its hard fork, so the cap is per chain id: by default the
 * public chains that activated Osaka (Fusaka) — mainnet, Sepolia, Holesky and Hoodi; other chains
 * (L2s, private and test networks, each with its own schedule) have no cap unless the operator sets
 * one (`--ethereum-gas-cap CHAINID=GAS,…`, `CHAINID=none` removes a default). Guessing a cap for an
 * unknown chain would refuse valid transactions on chains that never adopted EIP-7825.
 */
export const EIP7825_TX_GAS_LIMIT_CAP = 2n ** 24n;

/** mainnet, Sepolia, Holesky, Hoodi */
export const DEFAULT_GAS_CAP_CHAINS: readonly number[] = [1, 11155111, 17000, 560048];

/** The caps in force: the defaults, with the operator's settings (null = no cap) laid over them. */
export function gasCaps(overrides: ReadonlyMap<number, bigint | null> = new Map()): ReadonlyMap<number, bigint> {
  const caps = new Map<number, bigint>(DEFAULT_GAS_CAP_CHAINS.map((id) => [id, EIP7825_TX_GAS_LIMIT_CAP]));
  for (const [chainId, cap] of overrides) {
    if (cap === null) caps.delete(chainId);
    else caps.set(chainId, cap);
  }
  return caps;
}
