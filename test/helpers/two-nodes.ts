/**
 * Two Strongbox nodes (the built binary, spawned) on one database of a throwaway PostgreSQL cluster,
 * initialized with one share and unsealed on both: the setup of the multi-node end-to-end tests.
 */
import assert from 'node:assert/strict';
import { spawnServer, api, type SpawnedServer } from './server.js';
import { startPostgres, type PostgresCluster } from './postgres.js';

export interface TwoNodes {
  cluster: PostgresCluster;
  a: SpawnedServer;
  b: SpawnedServer;
  root: string;
  /** kills both nodes and stops the cluster */
  stop(): Promise<void>;
}

export async function startTwoNodes(database: string): Promise<TwoNodes> {
  const cluster = await startPostgres();
  const servers: SpawnedServer[] = [];
  const stop = async (): Promise<void> => {
    for (const s of servers) await s.stop('SIGKILL');
    cluster.stop();
  };
  try {
    const url = await cluster.createDatabase(database);
    const node = async (): Promise<SpawnedServer> => {
      const s = await spawnServer(['--storage', url, '--log-level', 'warn', '--sign-workers', '0'], { STRONGBOX_DATA_DIR: '' });
      servers.push(s);
      return s;
    };
    const [a, b] = await Promise.all([node(), node()]);
    const init = await api(a.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    for (const s of [a, b]) assert.equal((await api(s.addr, 'POST', '/v1/sys/unseal', null, { share: init.body.shares[0] })).body.sealed, false);
    return { cluster, a, b, root: init.body.rootToken as string, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
