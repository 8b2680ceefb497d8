/**
 * eth_sendTransaction nonces across several Strongbox nodes on one PostgreSQL database (the real
 * binary, `--storage postgres://…` on a throwaway cluster, `--ethereum-upstream` to one ganache
 * node started in this process):
 *  - 20 sends without nonces from one funded address, in parallel, split across two nodes: all
 *    succeed, and the chain itself (ganache's eth_getTransactionByHash / receipts, not Strongbox)
 *    holds nonces exactly 0..19, each mined once, each from the Strongbox address;
 *  - a node SIGKILLed inside the critical section — its transaction reached the chain, its answer
 *    never came back — holds the address's lease until it expires; the other node waits for it
 *    (seen in the lease row: it is next in line while the dead node is still the holder) and then
 *    sends with the next nonce, which it learns from the node's pending count.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { spawnServer, type SpawnedServer, api, type ApiResponse } from '../helpers/server.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';
import { startLocalNode, type LocalNode } from '../helpers/ganache.js';

const recipient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';



/**
 * An upstream in front of ganache that, once `holdNextSend` is armed, forwards the next
 * eth_sendRawTransaction to ganache (so the transaction reaches the chain) and then never answers.
 */
function startHoldingProxy(target: string): Promise<{ url: string; holdNextSend(): Promise<string>; close(): Promise<void> }> {
  let armed: ((hash: string) => void) | undefined;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void (async () => {
        const call = JSON.parse(body) as { method: string };
        const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = await upstream.text();
        if (call.method === 'eth_sendRawTransaction' && armed !== undefined) {
          const reached = armed;
          armed = undefined;
          reached((JSON.parse(answer) as { result: string }).result);
          return; // no answer, ever
        }
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(answer);
      })();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}`,
        holdNextSend: () => new Promise<string>((r) => (armed = r)),
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}

describe('eth_sendTransaction nonces across two nodes on one PostgreSQL database', () => {
  let cluster: PostgresCluster;
  let url: string;
  let chain: LocalNode;
  let proxy: Awaited<ReturnType<typeof startHoldingProxy>>;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let c: SpawnedServer;
  let root: string;
  const servers: SpawnedServer[] = [];
  const node = async (upstream: string): Promise<SpawnedServer> => {
    const s = await spawnServer(['--storage', url, '--log-level', 'warn', '--sign-workers', '0', '--ethereum-upstream', upstream], { STRONGBOX_DATA_DIR: '' });
    servers.push(s);
    return s;
  };
  const rpc = async (s: SpawnedServer, method: string, params: unknown[]): Promise<{ result?: any; error?: { code: number; message: string; data?: any } }> => {
    const r = await api(s.addr, 'POST', '/v1/ethereum/rpc', root, { jsonrpc: '2.0', id: 1, method, params });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const fundedAddress = async (name: string): Promise<string> => {
    const k = await api(a.addr, 'POST', '/v1/keys', root, { type: 'secp256k1', name });
    assert.equal(k.status, 201, JSON.stringify(k.body));
    const address = k.body.address as string;
    await chain.request('eth_sendTransaction', [{ from: chain.faucet, to: address, value: '0x' + (10n ** 20n).toString(16) }]);
    return address;
  };
  /** The transaction as the chain holds it, once mined (instamine: at once; polled to be safe). */
  const mined = async (hash: string): Promise<{ nonce: number; from: string; status: string }> => {
    for (;;) {
      const receipt = await chain.request<{ status: string; from: string } | null>('eth_getTransactionReceipt', [hash]);
      if (receipt !== null) {
        const tx = await chain.request<{ nonce: string }>('eth_getTransactionByHash', [hash]);
        return { nonce: Number(BigInt(tx.nonce)), from: receipt.from, status: receipt.status };
      }
      await sleep(50);
    }
  };
  const leaseRow = async (address: string): Promise<{ holder: string | null; waiter: string | null } | undefined> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ holder: string | null; waiter: string | null }>('SELECT holder, waiter FROM nonce_leases WHERE address = $1', [address.toLowerCase()])).rows[0];
    } finally {
      await client.end();
    }
  };

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('nonces');
    chain = await startLocalNode();
    proxy = await startHoldingProxy(chain.url);
    [a, b, c] = await Promise.all([node(chain.url), node(chain.url), node(proxy.url)]);
    const init = await api(a.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    root = init.body.rootToken as string;
    for (const s of [a, b, c]) assert.equal((await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: init.body.shares[0] })).body.sealed, false);
  });
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    await proxy?.close();
    await chain?.close();
    cluster?.stop();
  });

  it('20 parallel sends without nonces, split across both nodes: nonces 0..19 on chain, each once, all mined', async () => {
    const from = await fundedAddress('shared-sender');
    const n = 20;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => rpc(i % 2 === 0 ? a : b, 'eth_sendTransaction', [{ from, to: recipient, value: '0x' + (i + 1).toString(16) }])));
    for (const r of answers) assert.equal(r.error, undefined, JSON.stringify(r.error));
    const hashes = answers.map((r) => r.result as string);
    assert.equal(new Set(hashes).size, n);
    const txs = await Promise.all(hashes.map(mined));
    for (const tx of txs) {
      assert.equal(tx.status, '0x1');
      assert.equal(tx.from, from.toLowerCase(), 'the chain recovered the Strongbox address as sender');
    }
    assert.deepEqual(txs.map((t) => t.nonce).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i), 'nonces 0..19, no duplicate, no gap');
    assert.equal(BigInt(await chain.request<string>('eth_getTransactionCount', [from, 'latest'])), BigInt(n), 'all mined');
  });

  it('a node killed inside the critical section: the other waits for its lease to expire, then sends with the next nonce', async () => {
    const from = await fundedAddress('orphaned-sender');
    const reached = proxy.holdNextSend();
    const doomed = rpc(c, 'eth_sendTransaction', [{ from, to: recipient, value: '0x1' }]).catch(() => 'connection cut');
    const orphanHash = await reached;
    // The transaction is on the chain; node C never hears back and never records it.
    c.proc.kill('SIGKILL');
    await c.stop('SIGKILL');
    assert.equal(await doomed, 'connection cut');
    const dead = await leaseRow(from);
    assert.ok(dead?.holder, 'the killed node still holds the lease');

    let answered = false;
    const survivor = rpc(b, 'eth_sendTransaction', [{ from, to: recipient, value: '0x2' }]).finally(() => (answered = true));
    // B polls for the lease and becomes next in line, while the dead node is still the holder.
    for (;;) {
      const row = await leaseRow(from);
      assert.equal(row?.holder, dead.holder, 'nobody took the lease before it expired');
      if (row?.waiter !== null && row?.waiter !== undefined) break;
      await sleep(50);
    }
    assert.equal(answered, false, 'B did not send while the lease was held');

    const r = await survivor;
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    const [orphan, next] = await Promise.all([mined(orphanHash), mined(r.result as string)]);
    assert.equal(orphan.nonce, 0, 'the killed node’s transaction reached the chain with nonce 0');
    assert.equal(next.nonce, 1, 'B took the pending count: nonce 0 is not reused');
    assert.equal(next.status, '0x1');
    assert.equal(BigInt(await chain.request<string>('eth_getTransactionCount', [from, 'latest'])), 2n);
    const after = await leaseRow(from);
    assert.equal(after?.holder, null, 'B released the lease');
  });
});
