/**
 * Unit tests of the audit log writer (log.ts) against an in-memory store that behaves like the
 * SQLite one: each appendAudit call is one atomic transaction (all rows or none), a duplicate seq
 * is a constraint violation, auditHead reads the last durable row. Hashes are recomputed here with
 * node:crypto directly from the formula documented in record.ts, and checkpoint signatures are
 * checked with node:crypto and @noble/curves, not with the code under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { AuditLog, type AuditLogOptions } from './log.js';
import { loadAuditKeys, type AuditKeys } from './keys.js';
import { verifyAuditLog } from './verify.js';
import type { AuditFields, Checkpoint } from './record.js';
import { Barrier } from '../keyring/barrier.js';
import { Keyring } from '../keyring/keyring.js';
import { randomBytes } from '../crypto/random.js';

interface Row {
  seq: number;
  record: string;
  hash: Uint8Array;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** In-memory audit store. `gate` (if set) holds the next appendAudit call until it is settled. */
class FakeAuditStore {
  rows: Row[] = [];
  checkpoints: { seq: number; checkpoint: string }[] = [];
  appendCalls: number[] = [];
  failAppends = 0;
  failHeads = 0;
  failCheckpoints = 0;
  gates: Deferred[] = [];

  async appendAudit(build: (head: Row | undefined) => Row[]): Promise<Row[]> {
    const gate = this.gates.shift();
    this.appendCalls.push(build(this.rows.at(-1)).length);
    if (gate) await gate.promise; // a rejected gate is a failed transaction: nothing written
    // Under the (fake) write lock: the rows are built on the head as it is now.
    const rows = build(this.rows.at(-1));
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('disk I/O error (fake)');
    }
    const taken = new Set(this.rows.map((r) => r.seq));
    if (rows.some((r) => taken.has(r.seq))) throw new Error('UNIQUE constraint failed: audit_records.seq (fake)');
    // Atomic: copies, all at once, as one transaction would.
    this.rows.push(...rows.map((r) => ({ seq: r.seq, record: r.record, hash: new Uint8Array(r.hash) })));
    this.rows.sort((a, b) => a.seq - b.seq);
    return rows;
  }

  async auditHead(): Promise<Row | undefined> {
    if (this.failHeads > 0) {
      this.failHeads--;
      throw new Error('database is locked (fake)');
    }
    return this.rows.at(-1);
  }

  async appendCheckpoint(row: { seq: number; checkpoint: string }): Promise<void> {
    if (this.failCheckpoints > 0) {
      this.failCheckpoints--;
      throw new Error('disk I/O error (fake)');
    }
    if (this.checkpoints.some((c) => c.seq === row.seq)) throw new Error('UNIQUE constraint failed: audit_checkpoints.seq (fake)');
    this.checkpoints.push(row);
  }

  async listCheckpoints(): Promise<{ seq: number; checkpoint: string }[]> {
    return [...this.checkpoints].sort((a, b) => a.seq - b.seq);
  }
}

const options = (extra: Partial<AuditLogOptions> = {}): AuditLogOptions => ({ checkpointEvery: 1_000_000, checkpointIntervalMs: 3_600_000, ...extra });

function fields(n: number, extra: Partial<AuditFields> = {}): AuditFields {
  return {
    requestId: `req-${n}`,
    interface: 'http',
    operation: 'sign',
    action: 'keys:sign',
    resource: `key:k${n % 7}`,
    principal: 'acc-1',
    clientIp: '127.0.0.1',
    outcome: 'success',
    status: 200,
    code: null,
    reason: null,
    inputs: { digest: 'ab'.repeat(32) },
    ...extra,
  };
}

/** hash(n) = SHA-256("strongbox/audit/v1" ‖ hash(n-1) ‖ text(n)), 32 zero bytes before seq 1 (record.ts). */
function expectedHash(prev: Uint8Array, text: string): Buffer {
  return createHash('sha256').update('strongbox/audit/v1', 'utf8').update(prev).update(text, 'utf8').digest();
}

/** Asserts seqs 1..n, consecutive, each hash chaining onto the previous, each text naming its seq. */
function assertChain(rows: Row[], label = ''): void {
  let prev: Uint8Array = new Uint8Array(32);
  rows.forEach((row, i) => {
    assert.equal(row.seq, i + 1, `${label} row ${i}: seq`);
    assert.equal((JSON.parse(row.record) as { seq: number }).seq, row.seq, `${label} row ${i}: text names its seq`);
    const h = expectedHash(prev, row.record);
    assert.equal(Buffer.from(row.hash).toString('hex'), h.toString('hex'), `${label} seq ${row.seq}: hash chains onto seq ${row.seq - 1}`);
    prev = h;
  });
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** Raw 32-byte Ed25519 public key → KeyObject (RFC 8410 SubjectPublicKeyInfo prefix). */
function ed25519PublicKey(raw: Buffer): ReturnType<typeof createPublicKey> {
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
}

/** Audit keys built directly with node:crypto (not through keys.ts). */
function directKeys(): { keys: AuditKeys; publicKey: ReturnType<typeof createPublicKey> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return {
    keys: { hmac: (f, v) => `${f}:${v}`, signingKey: privateKey, publicKeyHex: raw.toString('hex'), wipe: () => undefined },
    publicKey,
  };
}

function checkpointMessage(c: Checkpoint): Buffer {
  const body = JSON.stringify({ v: c.v, seq: c.seq, hash: c.hash, time: c.time, publicKey: c.publicKey });
  return Buffer.from('strongbox/audit-checkpoint/v1\n' + body, 'utf8');
}

describe('AuditLog', () => {
  it('assigns consecutive sequence numbers and chains the hashes (SHA-256 recomputed independently)', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      const seqs: number[] = [];
      for (let i = 0; i < 25; i++) seqs.push(await log.append(fields(i)));
      assert.deepEqual(seqs, Array.from({ length: 25 }, (_, i) => i + 1));
      assert.equal(store.rows.length, 25);
      assertChain(store.rows);
      assert.equal(log.durableSeq, 25);
      // The stored text is the canonical record with the caller's fields.
      const r5 = JSON.parse(store.rows[4]!.record) as Record<string, unknown>;
      assert.equal(r5['requestId'], 'req-4');
      assert.equal(r5['v'], 1);
      assert.deepEqual(Object.keys(r5), ['v', 'seq', 'time', 'requestId', 'interface', 'operation', 'action', 'resource', 'principal', 'clientIp', 'outcome', 'status', 'code', 'reason', 'inputs']);
    } finally {
      log.close();
    }
  });

  it('continues the chain from the stored head when reopened', async () => {
    const store = new FakeAuditStore();
    const first = await AuditLog.open(store, options());
    for (let i = 0; i < 5; i++) await first.append(fields(i));
    first.close();
    const second = await AuditLog.open(store, options());
    try {
      assert.equal(second.durableSeq, 5);
      assert.equal(await second.append(fields(5)), 6);
      assertChain(store.rows);
    } finally {
      second.close();
    }
  });

  it('group-commits concurrent appends: fewer store calls than records, all consecutive and chained', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      // Three waves of 100 concurrent appends, the later waves issued while earlier batches are in flight.
      const all: Promise<number>[] = [];
      for (let wave = 0; wave < 3; wave++) {
        for (let i = 0; i < 100; i++) all.push(log.append(fields(wave * 100 + i)));
        await turns(1);
      }
      const seqs = await Promise.all(all);
      assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1), 'every record got its own seq');
      assert.equal(new Set(seqs).size, 300);
      assert.ok(store.appendCalls.length < 300, `batches (${store.appendCalls.length}) < records (300)`);
      assert.ok(store.appendCalls.some((n) => n > 1), `some batch holds more than one record: ${store.appendCalls.join(',')}`);
      assert.equal(store.appendCalls.reduce((a, b) => a + b, 0), 300);
      assert.equal(log.stats.batches, store.appendCalls.length);
      assert.equal(log.stats.records, 300);
      assertChain(store.rows);
    } finally {
      log.close();
    }
  });

  it('a record that cannot be serialized is refused alone: the records of its batch are written and chained', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      const bad = fields(2, { inputs: { digest: 10n } as unknown as Record<string, string> });
      const results = await Promise.all([log.append(fields(1)), settle(log.append(bad)), log.append(fields(3))]);
      const refused = results[1];
      assert.equal(refused.ok, false);
      assert.equal((refused as { error: { code: string } }).error.code, 'AUDIT_UNAVAILABLE');
      assert.deepEqual([results[0], results[2]], [1, 2]);
      assert.deepEqual(store.rows.map((r) => (JSON.parse(r.record) as { requestId: string }).requestId), ['req-1', 'req-3']);
      assert.equal(store.appendCalls.length, 1, 'one batch, without the refused record');
      assertChain(store.rows);
    } finally {
      log.close();
    }
  });

  it('resolves append only after the store call has resolved', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      const gate = deferred();
      store.gates.push(gate);
      let done = false;
      const p = log.append(fields(1)).then((seq) => {
        done = true;
        return seq;
      });
      await turns(10);
      assert.equal(store.appendCalls.length, 1, 'the batch was handed to the store');
      assert.equal(done, false, 'append must not resolve while the store call is pending');
      assert.equal(log.durableSeq, 0);
      gate.resolve();
      assert.equal(await p, 1);
      assert.equal(done, true);
      assert.equal(log.durableSeq, 1);
    } finally {
      log.close();
    }
  });

  it('a failed store call rejects every record of the batch with AUDIT_UNAVAILABLE; the next append continues from the durable head', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      for (let i = 0; i < 4; i++) await log.append(fields(i));
      store.failAppends = 1;
      const failing = await Promise.all(Array.from({ length: 20 }, (_, i) => settle(log.append(fields(100 + i)))));
      for (const [i, r] of failing.entries()) {
        assert.equal(r.ok, false, `record ${i} of the failed batch must reject`);
        if (!r.ok) assert.equal((r.error as { code?: string }).code, 'AUDIT_UNAVAILABLE', `record ${i}: code`);
      }
      assert.equal(store.rows.length, 4, 'nothing of the failed batch was stored');
      assert.equal(log.durableSeq, 4);
      assert.equal(log.stats.failures, 1);

      assert.equal(await log.append(fields(200)), 5, 'the chain continues right after the durable head');
      const more = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(fields(300 + i))));
      assert.deepEqual([...more].sort((a, b) => a - b), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
      assertChain(store.rows);
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: undefined });
      assert.equal(report.ok, true, report.problems.join('; '));
      assert.equal(report.lastSeq, 15);
    } finally {
      log.close();
    }
  });

  it('records queued behind a failing batch are not chained onto it: they go into the next batch and the chain stays gap-free', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      await log.append(fields(0));
      const gate = deferred();
      store.gates.push(gate);
      const first = Array.from({ length: 5 }, (_, i) => settle(log.append(fields(10 + i))));
      await turns(3);
      assert.equal(store.appendCalls.length, 2, 'the failing batch is in flight');
      // Queued while the failing batch is in flight: chained only when their own batch is written.
      const queued = Array.from({ length: 5 }, (_, i) => settle(log.append(fields(20 + i))));
      gate.reject(new Error('fsync failed (fake)'));
      for (const r of await Promise.all(first)) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal((r.error as { code?: string }).code, 'AUDIT_UNAVAILABLE');
      }
      const queuedSeqs = (await Promise.all(queued)).map((r) => (r.ok ? r.value : -1));
      assert.deepEqual(queuedSeqs.sort((a, b) => a - b), [2, 3, 4, 5, 6]);
      assert.equal(await log.append(fields(30)), 7);
      assertChain(store.rows);
      assert.equal(store.rows.length, 7);
    } finally {
      log.close();
    }
  });

  it('after a failed write whose head re-read also fails, the next records still continue the durable chain (no gap)', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    try {
      for (let i = 0; i < 3; i++) await log.append(fields(i));
      store.failAppends = 1;
      store.failHeads = 1;
      const failed = await Promise.all(Array.from({ length: 4 }, (_, i) => settle(log.append(fields(10 + i)))));
      assert.ok(failed.every((r) => !r.ok));
      // The store is healthy again. Whatever the writer does next, the stored log must stay
      // verifiable: either this append succeeds with seq 4, or it fails and a later one does.
      const results: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await settle(log.append(fields(20 + i)));
        if (r.ok) results.push(r.value);
      }
      assert.ok(results.length > 0, 'the log recovers once the store is healthy');
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: undefined });
      assert.equal(report.ok, true, `stored log not intact: ${report.problems.join('; ')} (seqs stored: ${store.rows.map((r) => r.seq).join(',')})`);
      assertChain(store.rows);
    } finally {
      log.close();
    }
  });

  it('writes a checkpoint every checkpointEvery records when keys are set, signed over the chain head (node:crypto verify)', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options({ checkpointEvery: 5 }));
    try {
      for (let i = 0; i < 3; i++) await log.append(fields(i));
      assert.equal(store.checkpoints.length, 0, 'no checkpoints without keys');
      const { keys, publicKey } = directKeys();
      log.keys = keys;
      for (let i = 3; i < 17; i++) await log.append(fields(i));
      // One record per batch here: due at 5 (5-0 ≥ 5), 10, 15.
      assert.deepEqual(store.checkpoints.map((c) => c.seq), [5, 10, 15]);
      assert.equal(log.stats.checkpoints, 3);
      for (const row of store.checkpoints) {
        const cp = JSON.parse(row.checkpoint) as Checkpoint;
        assert.equal(cp.seq, row.seq);
        assert.equal(cp.v, 1);
        assert.equal(cp.publicKey, keys.publicKeyHex);
        assert.equal(cp.hash, Buffer.from(store.rows[cp.seq - 1]!.hash).toString('hex'), `checkpoint ${cp.seq} pins the hash of record ${cp.seq}`);
        assert.equal(nodeVerify(null, checkpointMessage(cp), publicKey, Buffer.from(cp.signature, 'hex')), true, `checkpoint ${cp.seq}: signature`);
        const forged = { ...cp, hash: '00'.repeat(32) };
        assert.equal(nodeVerify(null, checkpointMessage(forged), publicKey, Buffer.from(cp.signature, 'hex')), false, 'an edited checkpoint fails');
      }
      // checkpoint() pins the current head on demand, and is a no-op when nothing is new.
      const now = await log.checkpoint();
      assert.equal(now?.seq, 17);
      assert.equal(await log.checkpoint(), undefined);
      assert.deepEqual(store.checkpoints.map((c) => c.seq), [5, 10, 15, 17]);
      const report = await verifyAuditLog({ records: store.rows, checkpoints: store.checkpoints.map((c) => JSON.parse(c.checkpoint) as Checkpoint), trustedPublicKey: keys.publicKeyHex });
      assert.equal(report.ok, true, report.problems.join('; '));
    } finally {
      log.close();
    }
  });

  it('a checkpoint whose write failed is not counted as written: the head is pinned by the next checkpoint() call', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options({ checkpointEvery: 5 }));
    log.keys = directKeys().keys;
    try {
      store.failCheckpoints = 1;
      for (let i = 0; i < 5; i++) await log.append(fields(i));
      assert.equal(store.checkpoints.length, 0, 'the due checkpoint at seq 5 failed to store');
      // Nothing pins seq 5 yet, so checkpoint() (also what close/shutdown calls) must write it now.
      const cp = await log.checkpoint();
      assert.equal(cp?.seq, 5, 'checkpoint() after a failed checkpoint write must not be a no-op');
      assert.deepEqual(store.checkpoints.map((c) => c.seq), [5]);
    } finally {
      log.close();
    }
  });

  it('group-committed records get checkpoints at batch ends at least checkpointEvery apart; keys from loadAuditKeys verify with @noble/curves', async () => {
    const sys = new Map<string, Uint8Array>();
    const sysStore = {
      async getSysValue(name: string) {
        return sys.get(name);
      },
      async putSysValues(entries: Record<string, Uint8Array>, opts: { ifAbsent?: string } = {}) {
        if (opts.ifAbsent !== undefined && sys.has(opts.ifAbsent)) return false;
        for (const [k, v] of Object.entries(entries)) sys.set(k, v);
        return true;
      },
    };
    const rootKey = randomBytes(32);
    const barrier = new Barrier();
    barrier.unseal(new Uint8Array(rootKey), Barrier.sealKeyring(rootKey, Keyring.create()));
    const keys = await loadAuditKeys(sysStore, barrier);
    const again = await loadAuditKeys(sysStore, barrier);
    assert.equal(again.publicKeyHex, keys.publicKeyHex, 'the stored keys are reused');
    assert.equal(Buffer.from(sys.get('audit_public_key')!).toString('hex'), keys.publicKeyHex, 'the public key is stored in the clear');

    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options({ checkpointEvery: 40 }));
    log.keys = keys;
    try {
      const all: Promise<number>[] = [];
      for (let wave = 0; wave < 10; wave++) {
        for (let i = 0; i < 30; i++) all.push(log.append(fields(wave * 30 + i)));
        await turns(1);
      }
      await Promise.all(all);
      assertChain(store.rows);
      const cps = store.checkpoints.map((c) => JSON.parse(c.checkpoint) as Checkpoint);
      assert.ok(cps.length >= 2, `checkpoints written: ${cps.map((c) => c.seq).join(',')}`);
      // A checkpoint follows a whole batch, so it lands at a batch end and at least 40 after the previous one.
      const batchEnds = new Set<number>();
      store.appendCalls.reduce((acc, n) => (batchEnds.add(acc + n), acc + n), 0);
      let last = 0;
      for (const cp of cps) {
        assert.ok(batchEnds.has(cp.seq), `checkpoint ${cp.seq} is at a batch end`);
        assert.ok(cp.seq - last >= 40, `checkpoint ${cp.seq} is ≥ 40 after ${last}`);
        last = cp.seq;
        const sig = Uint8Array.from(Buffer.from(cp.signature, 'hex'));
        const msg = Uint8Array.from(checkpointMessage(cp));
        const pub = Uint8Array.from(Buffer.from(keys.publicKeyHex, 'hex'));
        assert.equal(ed25519.verify(sig, msg, pub), true, `checkpoint ${cp.seq}: @noble/curves verifies`);
        assert.equal(nodeVerify(null, checkpointMessage(cp), ed25519PublicKey(Buffer.from(pub)), Buffer.from(sig)), true);
        assert.equal(cp.hash, Buffer.from(store.rows[cp.seq - 1]!.hash).toString('hex'));
      }
      assert.ok(300 - last < 40, 'no more than checkpointEvery records are left unpinned after the last batch');
    } finally {
      log.close();
      barrier.seal();
    }
  });
});
