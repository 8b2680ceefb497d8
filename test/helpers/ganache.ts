/** A throwaway local Ethereum node (ganache, in this process) on a free 127.0.0.1 port. */
import ganache from 'ganache';

export interface LocalNode {
  url: string;
  chainId: number;
  /** an unlocked, funded account of the node itself (to fund Strongbox addresses) */
  faucet: `0x${string}`;
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function startLocalNode(): Promise<LocalNode> {
  const chainId = 1337;
  const server = ganache.server({
    logging: { quiet: true },
    chain: { chainId, hardfork: 'shanghai' },
    wallet: { totalAccounts: 1, defaultBalance: 1_000_000 },
    miner: { instamine: 'eager' },
  });
  await server.listen(0, '127.0.0.1');
  const address = (server as unknown as { address(): { port: number } }).address();
  const url = `http://127.0.0.1:${address.port}`;
  const provider = server.provider;
  const request = <T,>(method: string, params: unknown[] = []): Promise<T> => provider.request({ method, params } as never) as Promise<T>;
  const [faucet] = await request<`0x${string}`[]>('eth_accounts');
  return { url, chainId, faucet: faucet!, request, close: () => server.close() };
}
