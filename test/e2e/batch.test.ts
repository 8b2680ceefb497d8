/**
 * Batches end to end against the built server (issue 20): the CLI's `key sign-batch` (a file and
 * stdin of digests, one per line), the SDK's signBatch across keys (checked with ethers' recovery, not
 * with the server), and SIGKILL during a stream of 1,000-item batches: after a restart, every item of
 * every answered batch has its audit record (and its signature verifies with @noble/curves), and the
 * audit chain verifies offline on the crashed files and after the restart. No timing: the kill comes
 * after a fixed number of answered batches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Signature, SigningKey } from 'ethers';
import { runCli, runCliOutput } from '../helpers/cli.js';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { StrongboxClient, isBatchError } from '../../src/sdk/client.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));
const rnd = (n: number): string => '0x' + randomBytes(n).toString('hex');

const BATCH = 1000;
const WORKERS = 4;
const TOTAL_BATCHES = 24;
const KILL_AFTER_BATCHES = 3;

async function start(dataDir: string, servers: SpawnedServer[]): Promise<SpawnedServer> {
  const s = await spawnServer(['--data-dir', dataDir, '--log-level', 'warn']);
  servers.push(s);
  return s;
}

describe('batches end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strongbox-batch-'));
  const servers: SpawnedServer[] = [];
  let server: SpawnedServer;
  let rootToken: string;
  let share: string;
  let k1: { id: string; publicKey: string };
  let ed: { id: string; publicKey: string };
  before(async () => {
    server = await start(dataDir, servers);
    const init = await api(server.addr, 'POST', '/v1/sys/init', null, { shares: 1, threshold: 1 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    rootToken = init.body.rootToken;
    share = init.body.shares[0];
    assert.equal((await api(server.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
    k1 = (await api(server.addr, 'POST', '/v1/keys', rootToken, { type: 'secp256k1', name: 'sweep-k1' })).body;
    ed = (await api(server.addr, 'POST', '/v1/keys', rootToken, { type: 'ed25519', name: 'sweep-ed' })).body;
  });
  after(async () => {
    for (const s of servers) await s.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('key sign-batch signs a file and stdin of digests, one line each; a bad line is reported and sets the exit code', async () => {
    const env = { STRONGBOX_ADDR: server.addr, STRONGBOX_TOKEN: rootToken };
    const digests = [rnd(32), rnd(32), '0x1234', rnd(32)];
    const file = join(dataDir, 'digests.txt');
    writeFileSync(file, digests.join('\n') + '\n\n');
    const r = await runCli(['key', 'sign-batch', 'sweep-k1', '--file', file], env);
    assert.equal(r.code, 3, `exit code of INVALID_ARGUMENT: ${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^error INVALID_ARGUMENT line\.3\.digest: /);
    for (const i of [0, 1, 3]) assert.equal(secp256k1.verify(bytes(lines[i]!), bytes(digests[i]!), bytes(k1.publicKey), { prehash: false, format: 'der' }), true, `line ${i + 1}`);

    const good = [rnd(32), rnd(32)];
    const fromStdin = await runCli(['key', 'sign-batch', 'sweep-k1', '--encoding', 'recoverable', '--json'], env, good.join('\n'));
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const results = JSON.parse(fromStdin.stdout) as { signature: string; recoveryId: number }[];
    for (const [i, res] of results.entries()) {
      const sig = Signature.from({ r: res.signature.slice(0, 66), s: '0x' + res.signature.slice(66, 130), yParity: res.recoveryId as 0 | 1 });
      assert.equal(SigningKey.recoverPublicKey(good[i]!, sig), k1.publicKey, `stdin line ${i + 1}: ethers recovers the key`);
    }
    const empty = await runCli(['key', 'sign-batch', 'sweep-k1'], env, '\n');
    assert.equal(empty.code, 2);
  });

  it('the SDK signs across keys with signBatch and verifies with verifyBatch', async () => {
    const client = new StrongboxClient({ addr: server.addr, token: rootToken });
    const d = rnd(32);
    const m = rnd(40);
    const res = await client.signBatch([
      { key: 'sweep-k1', digest: d, encoding: 'recoverable' },
      { key: 'sweep-ed', message: m },
      { key: 'sweep-ed', digest: d },
    ]);
    const [a, b, c] = res.results;
    assert.ok(a && !isBatchError(a) && b && !isBatchError(b) && c && isBatchError(c));
    const sig = Signature.from({ r: a.signature.slice(0, 66), s: '0x' + a.signature.slice(66, 130), yParity: a.recoveryId as 0 | 1 });
    assert.equal(SigningKey.recoverPublicKey(d, sig), k1.publicKey);
    assert.equal(ed25519.verify(bytes(b.signature), bytes(m), bytes(ed.publicKey)), true);
    assert.equal(c.error.code, 'UNSUPPORTED_OPERATION');
    assert.equal(c.error.field, 'batch.2.digest');
    const checked = await client.verifyBatch('sweep-ed', [{ message: m, signature: b.signature }, { message: rnd(40), signature: b.signature }]);
    assert.deepEqual(checked.results, [{ valid: true }, { valid: false }]);
  });

  it('SIGKILL during 1,000-item batches loses no item of an answered batch', async (t) => {
    interface Ack {
      requestId: string;
      digests: string[];
      signatures: string[];
    }
    const acks: Ack[] = [];
    const unexpected: unknown[] = [];
    let next = 0;
    let killed = false;
    let cut = 0;
    const worker = async (): Promise<void> => {
      while (!killed && next < TOTAL_BATCHES) {
        next++;
        const digests = Array.from({ length: BATCH }, () => rnd(32));
        try {
          const r = await api(server.addr, 'POST', `/v1/keys/${k1.id}/sign`, rootToken, { batch: digests.map((digest) => ({ digest })) });
          if (r.status === 200 && r.body.results.every((x: { signature?: string }) => x.signature !== undefined)) acks.push({ requestId: r.requestId!, digests, signatures: r.body.results.map((x: { signature: string }) => x.signature) });
          else unexpected.push({ status: r.status, body: JSON.stringify(r.body).slice(0, 300) });
        } catch (err) {
          if (!killed) throw err;
          cut++;
        }
        if (!killed && acks.length >= KILL_AFTER_BATCHES) {
          killed = true;
          server.proc.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    await server.stop('SIGKILL');
    assert.equal(server.proc.signalCode, 'SIGKILL');
    assert.deepEqual(unexpected, [], 'no batch failed before the kill');
    assert.ok(killed && acks.length >= KILL_AFTER_BATCHES && acks.length < TOTAL_BATCHES, `answered ${acks.length} batches`);

    const offline = await runCliOutput(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(offline.code, 0, `audit verify right after the crash: ${offline.out}`);

    const second = await start(dataDir, servers);
    assert.equal((await api(second.addr, 'POST', '/v1/sys/unseal', null, { share })).status, 200);
    const records = new Map<string, { outcome: string; status: number; inputs: Record<string, string> | null }>();
    for (let afterSeq = 0; ; ) {
      const page = await api(second.addr, 'GET', `/v1/audit?afterSeq=${afterSeq}&limit=1000`, rootToken);
      assert.equal(page.status, 200);
      for (const r of page.body.records) records.set(r.requestId, r);
      if (page.body.nextAfterSeq === null) break;
      afterSeq = page.body.nextAfterSeq;
    }
    const missing: string[] = [];
    for (const a of acks) {
      assert.equal(records.get(a.requestId)?.status, 200, `the record of batch ${a.requestId}`);
      for (let i = 0; i < BATCH; i++) {
        const r = records.get(`${a.requestId}#${i}`);
        if (r === undefined || r.outcome !== 'success' || r.inputs?.['digest'] === undefined) missing.push(`${a.requestId}#${i}`);
      }
    }
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} items of answered batches have no success record`);
    // The recorded HMAC is the digest's (checked for the first and last item of each answered batch).
    for (const a of acks) {
      for (const i of [0, BATCH - 1]) {
        const h = await api(second.addr, 'POST', '/v1/audit/hash', rootToken, { field: 'digest', value: a.digests[i] });
        assert.equal(records.get(`${a.requestId}#${i}`)!.inputs!['digest'], h.body.hmac);
      }
    }
    const pub = bytes(k1.publicKey);
    const bad = acks.flatMap((a) => a.digests.filter((d, i) => !secp256k1.verify(bytes(a.signatures[i]!), bytes(d), pub, { prehash: false, format: 'der' })));
    assert.deepEqual(bad, [], 'every acknowledged signature verifies (noble)');

    assert.equal(await second.stop(), 0);
    const verify = await runCliOutput(['audit', 'verify', '--data-dir', dataDir]);
    assert.equal(verify.code, 0, `audit verify after restart: ${verify.out}`);
    t.diagnostic(`answered ${acks.length} batches of ${BATCH}; ${cut} cut off by the kill; ${records.size} audit records`);
  });
});
