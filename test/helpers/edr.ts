/**
 * A throwaway local Ethereum node on a free 127.0.0.1 port: Hardhat's EDR (the Rust EVM behind
 * Hardhat 3, from npm) wrapped in a minimal JSON-RPC-over-HTTP server in this process. Unlike ganache it
 * runs Prague and Osaka (EIP-7702 delegations, EIP-7825 gas cap, blob transactions), so the 2025–2026
 * transaction types are tested against a real EVM. One EdrContext per process (EDR's rule).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import edr from '@nomicfoundation/edr';

export interface EdrNode {
  url: string;
  chainId: number;
  hardfork: string;
  /** an unlocked, funded account of the node itself (to fund Strongbox addresses and deploy contracts) */
  faucet: `0x${string}`;
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export interface EdrNodeOptions {
  /** 'Prague', 'Osaka', … (EDR's names, capitalized); default 'Osaka' */
  hardfork?: string;
  chainId?: number;
  /** EIP-7825 transaction gas cap: undefined = the hardfork's default, false = none */
  transactionGasCap?: bigint | false;
}

/** Hardhat's well-known first development key: a test faucet, never a secret. */
const FAUCET_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const FAUCET = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as const;

let context: Promise<edr.EdrContext> | undefined;
function edrContext(): Promise<edr.EdrContext> {
  context ??= (async () => {
    const c = new edr.EdrContext();
    await c.registerProviderFactory(edr.L1_CHAIN_TYPE, edr.l1ProviderFactory());
    return c;
  })();
  return context;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startEdrNode(options: EdrNodeOptions = {}): Promise<EdrNode> {
  const hardfork = options.hardfork ?? 'Osaka';
  const chainId = options.chainId ?? 31337;
  const genesisState = [...edr.l1GenesisState(edr.l1HardforkFromString(hardfork)), { address: Buffer.from(FAUCET.slice(2), 'hex'), balance: 10n ** 27n }];
  const provider = await (await edrContext()).createProvider(
    edr.L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: false,
      bailOnTransactionFailure: false,
      chainId: BigInt(chainId),
      coinbase: Buffer.alloc(20),
      defaultTransactionGasLimit: 16_000_000n,
      genesisState,
      hardfork,
      initialBaseFeePerGas: 1_000_000_000n,
      minGasPrice: 0n,
      mining: { autoMine: true, memPool: { order: edr.MineOrdering.Priority }, blockGasLimit: 60_000_000n },
      network: { genesisBlockGasLimit: 60_000_000n },
      networkId: BigInt(chainId),
      observability: {},
      ownedAccounts: [FAUCET_KEY],
      precompileOverrides: [],
      ...(options.transactionGasCap === undefined ? {} : { transactionGasCap: options.transactionGasCap }),
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    { subscriptionCallback: () => {} },
    new edr.ContractDecoder(),
  );

  /** One JSON-RPC call: EDR answers `{result}` or `{error}`; the id and version are ours to add. */
  const call = async (body: { id?: unknown; method: unknown; params?: unknown }): Promise<Record<string, unknown>> => {
    const response = await provider.handleRequest(JSON.stringify({ jsonrpc: '2.0', id: body.id ?? 1, method: body.method, params: body.params ?? [] }));
    const data = (typeof response.data === 'string' ? JSON.parse(response.data) : response.data) as Record<string, unknown>;
    return { jsonrpc: '2.0', id: body.id ?? null, ...('error' in data ? { error: data.error } : { result: data.result }) };
  };

  const server = createServer((req, res) => {
    void (async () => {
      let out: unknown;
      try {
        const parsed = JSON.parse(await readBody(req)) as unknown;
        out = Array.isArray(parsed) ? await Promise.all(parsed.map((b) => call(b as never))) : await call(parsed as never);
      } catch (err) {
        out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: (err as Error).message } };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = async <T,>(method: string, params: unknown[] = []): Promise<T> => {
    const r = await call({ id: 1, method, params });
    if (r.error !== undefined) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result as T;
  };
  return {
    url,
    chainId,
    hardfork,
    faucet: FAUCET,
    request,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
