/**
 * PostgreSQL outages under load (issue 14): two built server nodes (spawned) share one throwaway
 * PostgreSQL cluster this file starts; a mixed load (key creates, signs, reads) runs on both while the
 * cluster is restarted (`pg_ctl restart -m fast`) and while every backend is ended
 * (`pg_terminate_backend`). docs/deployment.md promises "Nodes reconnect on the next query; no restart,
 * no unseal", so:
 *  - no node process exits (node-postgres emits 'error' on a client whose server went away; a client
 *    checked out of the pool without a listener used to take the whole process down, which then came
 *    back sealed);
 *  - every request is answered, either with success or with a clean, retryable 503 problem+json that
 *    carries Retry-After (no 500, no connection reset);
 *  - every acknowledged create and signature is durable: each created key is still readable, with the
 *    same public key, and signs on both nodes; each signature verifies (@noble/curves);
 *  - both nodes serve again by themselves, still unsealed (polled, bounded only by a generous deadline);
 *  - the audit chain both nodes extended through the outages still verifies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { errorCodes, isErrorCode } from '../../src/protocol/errors.js';
import { runCliOutput } from '../helpers/cli.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { startPostgres, type PostgresCluster } from '../helpers/postgres.js';

/** Generous bound for "serves again by itself" after a disruption (the outage itself lasts seconds). */
const RECOVERY_DEADLINE_MS = 120_000;
/** Acknowledged operations the load must add before each disruption (the load is flowing). */
const ACKS_BETWEEN_DISRUPTIONS = 30;
const WORKERS = 6;

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));

type NodeName = 'A' | 'B';

interface Answer {
  node: NodeName;
  what: string;
  status: number;
  contentType: string | null;
  retryAfter: string | null;
  body: any;
  /** a request that got no HTTP answer at all (connection refused or reset) */
  error?: string;
}

interface Key {
  id: string;
  type: 'ed25519' | 'secp256k1';
  publicKey: string;
}

interface SignAck {
  key: Key;
  input: string;
  signature: string;
  node: NodeName;
}

function verifies(key: Key, input: string, signature: string): boolean {
  return key.type === 'ed25519'
    ? ed25519.verify(bytes(signature), bytes(input), bytes(key.publicKey))
    : secp256k1.verify(bytes(signature), bytes(input), bytes(key.publicKey), { prehash: false, format: 'der' });
}

/** Success, or the clean failure an outage may cause: 503, problem+json, a retryable code, Retry-After. */
function isCleanFailure(a: Answer): boolean {
  return (
    a.error === undefined &&
    a.status === 503 &&
    (a.contentType ?? '').startsWith('application/problem+json') &&
    isErrorCode(a.body?.code) &&
    errorCodes[a.body.code as keyof typeof errorCodes].retryable &&
    a.body.status === 503 &&
    /^[1-9][0-9]*$/.test(a.retryAfter ?? '')
  );
}

describe('PostgreSQL restarted and its backends terminated under load on two nodes', () => {
  let cluster: PostgresCluster;
  let url: string;
  let root: string;
  const nodes = new Map<NodeName, SpawnedServer>();
  const exits: string[] = [];

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('outage');
    for (const name of ['A', 'B'] as const) {
      const s = await spawnServer(['--storage', url, '--log-level', 'warn', '--sign-workers', '0'], { STRONGBOX_DATA_DIR: '' });
      s.proc.once('exit', (code, signal) => exits.push(`node ${name} exited (code ${code}, signal ${signal}): ${s.stderr().slice(-2000)}`));
      nodes.set(name, s);
    }
    const a = nodes.get('A')!;
    const init = (await (await fetch(`${a.addr}/v1/sys/init`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shares: 1, threshold: 1 }) })).json()) as { rootToken: string; shares: string[] };
    root = init.rootToken;
    for (const s of nodes.values()) {
      const r = await fetch(`${s.addr}/v1/sys/unseal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ share: init.shares[0] }) });
      assert.equal(((await r.json()) as { sealed: boolean }).sealed, false);
    }
  });
  after(async () => {
    for (const s of nodes.values()) await s.stop('SIGKILL');
    cluster?.stop();
  });

  it('no node exits, every request succeeds or fails cleanly (503, retryable, Retry-After), nothing acknowledged is lost, both nodes recover by themselves', async (t) => {
    const answers: Answer[] = [];
    const call = async (node: NodeName, method: string, path: string, what: string, body?: unknown): Promise<Answer> => {
      const headers: Record<string, string> = { authorization: `Bearer ${root}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      let answer: Answer;
      try {
        const res = await fetch(nodes.get(node)!.addr + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        const text = await res.text();
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = text;
        }
        answer = { node, what, status: res.status, contentType: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: parsed };
      } catch (err) {
        answer = { node, what, status: 0, contentType: null, retryAfter: null, body: undefined, error: String((err as Error).cause ?? err) };
      }
      answers.push(answer);
      return answer;
    };
    const createKey = async (node: NodeName, type: Key['type']): Promise<Answer> => call(node, 'POST', '/v1/keys', 'create', { type });
    const sign = async (node: NodeName, key: Key, input = '0x' + randomBytes(32).toString('hex')): Promise<{ answer: Answer; input: string }> => {
      const body = key.type === 'ed25519' ? { message: input } : { digest: input };
      return { answer: await call(node, 'POST', `/v1/keys/${key.id}/sign`, `sign ${key.type}`, body), input };
    };

    const fixed: (Key & { node: NodeName })[] = [];
    for (const [node, type] of [['A', 'ed25519'], ['B', 'secp256k1']] as const) {
      const r = await createKey(node, type);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      fixed.push({ id: r.body.id, type, publicKey: r.body.publicKey, node });
    }

    const created: (Key & { node: NodeName })[] = [];
    const signed: SignAck[] = [];
    let reads = 0;
    const acks = () => created.length + signed.length + reads;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

    let stop = false;
    const worker = async (w: number): Promise<void> => {
      const node: NodeName = w % 2 === 0 ? 'A' : 'B';
      for (let i = w; !stop; i++) {
        if (exits.length > 0) return;
        const op = i % 3;
        if (op === 0) {
          const type = i % 2 === 0 ? 'secp256k1' : 'ed25519';
          const r = await createKey(node, type);
          if (r.status === 201) created.push({ id: r.body.id, type, publicKey: r.body.publicKey, node });
        } else if (op === 1) {
          // Mostly the two fixed keys (their records are cached), sometimes a key created during the load.
          const key = created.length > 0 && i % 2 === 0 ? pick(created) : pick(fixed);
          const { answer, input } = await sign(node, key);
          if (answer.status === 200) signed.push({ key, input, signature: answer.body.signature, node });
        } else {
          const key = created.length > 0 ? pick(created) : pick(fixed);
          const r = await call(node, 'GET', `/v1/keys/${key.id}`, 'read');
          if (r.status === 200) {
            assert.equal(r.body.publicKey, key.publicKey, `read of ${key.id}`);
            reads++;
          }
        }
        // A clean 503: back off a little, as a client honouring Retry-After would (not the full 5 s).
        if (answers.at(-1)!.status === 503) await sleep(100);
      }
    };

    /** Polls until both nodes sign again; fails at once if a node exited, or after the generous deadline. */
    const recovered = async (after: string): Promise<void> => {
      const deadline = Date.now() + RECOVERY_DEADLINE_MS;
      for (;;) {
        assert.deepEqual(exits, [], `after ${after}`);
        const probes = await Promise.all((['A', 'B'] as const).map(async (n) => (await sign(n, fixed[0]!)).answer.status));
        if (probes.every((s) => s === 200)) return;
        assert.ok(Date.now() < deadline, `after ${after}, the nodes did not serve again within ${RECOVERY_DEADLINE_MS} ms (last probes: ${probes.join(', ')})`);
        await sleep(250);
      }
    };
    const loadFlows = async (): Promise<void> => {
      const target = acks() + ACKS_BETWEEN_DISRUPTIONS;
      const deadline = Date.now() + RECOVERY_DEADLINE_MS;
      while (acks() < target) {
        assert.deepEqual(exits, []);
        assert.ok(Date.now() < deadline, `the load acknowledged ${acks()} of ${target} operations before the deadline`);
        await sleep(50);
      }
    };

    const load = Array.from({ length: WORKERS }, (_, w) => worker(w));
    let restarts = 0;
    let terminations = 0;
    let backendsEnded = 0;
    const failedBefore: number[] = [];
    try {
      for (const disruption of ['restart', 'terminate', 'restart', 'terminate'] as const) {
        await loadFlows();
        failedBefore.push(answers.filter((a) => a.status !== 200 && a.status !== 201).length);
        if (disruption === 'restart') {
          await cluster.restart();
          restarts++;
        } else {
          backendsEnded += await cluster.terminateOtherBackends();
          terminations++;
        }
        await recovered(disruption === 'restart' ? `pg_ctl restart #${restarts}` : `pg_terminate_backend #${terminations}`);
      }
      await loadFlows();
    } finally {
      stop = true;
      await Promise.all(load);
    }

    // 0 process exits: both still running.
    assert.deepEqual(exits, [], 'no node process exited');
    for (const s of nodes.values()) assert.equal(s.proc.exitCode === null && s.proc.signalCode === null, true);

    // Every request answered with success or a clean, retryable 503.
    const bad = answers.filter((a) => !(a.status >= 200 && a.status < 300) && !isCleanFailure(a));
    assert.deepEqual(
      bad.slice(0, 10).map((a) => ({ node: a.node, what: a.what, status: a.status, retryAfter: a.retryAfter, body: a.body, error: a.error })),
      [],
      `${bad.length} of ${answers.length} requests were neither a success nor a clean 503`,
    );
    const cleanFailures = answers.filter(isCleanFailure);
    // The restarts were felt (otherwise this test would prove nothing about outages).
    assert.ok(cleanFailures.length > 0, 'some requests met the outage and failed cleanly');

    // Nothing acknowledged is lost: every created key is readable (same public key) and signs on both nodes.
    const lost: string[] = [];
    for (const k of [...fixed, ...created]) {
      const read = await call(k.node === 'A' ? 'B' : 'A', 'GET', `/v1/keys/${k.id}`, 'check read');
      if (read.status !== 200 || read.body.publicKey !== k.publicKey) lost.push(`key ${k.id} (created on ${k.node}): ${read.status}`);
      for (const n of ['A', 'B'] as const) {
        const { answer, input } = await sign(n, k);
        if (answer.status !== 200 || !verifies(k, input, answer.body.signature)) lost.push(`key ${k.id} (created on ${k.node}) does not sign on ${n}: ${answer.status}`);
      }
    }
    for (const s of signed) if (!verifies(s.key, s.input, s.signature)) lost.push(`signature by ${s.key.id} on ${s.node} does not verify`);
    assert.deepEqual(lost, [], 'every acknowledged create and signature is durable');

    // Both nodes still unsealed: neither restarted.
    for (const s of nodes.values()) assert.equal(((await (await fetch(`${s.addr}/v1/sys/health`)).json()) as { sealed: boolean }).sealed, false);

    // One audit chain, still intact after the outages.
    const verify = await runCliOutput(['audit', 'verify', '--storage', url]);
    assert.equal(verify.code, 0, verify.out);

    const codes = new Map<string, number>();
    for (const a of cleanFailures) codes.set(a.body.code, (codes.get(a.body.code) ?? 0) + 1);
    t.diagnostic(
      `restarts: ${restarts}; pg_terminate_backend rounds: ${terminations} (${backendsEnded} backends ended); process exits: ${exits.length}; ` +
        `acknowledged: ${created.length} creates, ${signed.length} signs, ${reads} reads, lost: ${lost.length}; ` +
        `requests: ${answers.length}, failed cleanly (503): ${cleanFailures.length} (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), other failures: ${bad.length}`,
    );
  });
});
