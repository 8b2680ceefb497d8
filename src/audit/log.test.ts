/**
 * Unit tests of the audit log writer (log.ts) against an in-memory store that behaves like the
 * SQLite one: each appendAudit call is one atomic transaction (all rows or none), a duplicate seq
 * is a constraint violation, auditHead reads the last durable row. Hashes are recomputed here with
 * node:crypto directly from the formula documented in record.ts, and checkpoint signatures are
 * checked with node:crypto and @noble/curves, not with the code under test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { AuditLog, type AuditLogOptions } from './log.js';
import { loadAuditKeys, type AuditKeys } from './keys.js';
import { verifyAuditLog } from './verify.js';
import { parseExport, recordLine } from './export.js';
import { canonicalRecord, headSignatureFromJson, type AuditFields, type Checkpoint } from './record.js';
import { Barrier } from '../keyring/barrier.js';
import { Keyring } from '../keyring/keyring.js';
import { randomBytes } from '../crypto/random.js';

interface Row {
  seq: number;
  record: string;
  hash: Uint8Array;
  headSignature?: Uint8Array;
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
    this.rows.push(...rows.map((r) => ({ seq: r.seq, record: r.record, hash: new Uint8Array(r.hash), ...(r.headSignature === undefined ? {} : { headSignature: new Uint8Array(r.headSignature) }) })));
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

function edSignRaw(message: Buffer, key: KeyObject): string {
  return nodeSign(null, message, key).toString('hex');
}

function checkpointMessage(c: Omit<Checkpoint, 'signature'>): Buffer {
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

  it('stores exactly canonicalRecord of each record (fields serialized once, at append), whatever optional members it has', async () => {
    const store = new FakeAuditStore();
    const at = new Date('2026-03-04T05:06:07.089Z');
    const log = await AuditLog.open(store, options({ now: () => at }));
    const variants: AuditFields[] = [
      fields(0),
      { ...fields(1), decision: { outcome: 'deny', reason: 'daily_limit_exceeded', amount: '10', tokens: [{ token: 'ethereum:1:0xab', amount: '5' }] } },
      { ...fields(2), operation: 'unauthenticated.aggregate', aggregate: { count: 3, from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:00:01.000Z', responses: { 'keys.sign 401 UNAUTHENTICATED': 3 } } },
      { ...fields(3), reason: 'naïve "quoted" \\ \u2028 ✓', inputs: { digest: 'ab'.repeat(32) }, resource: null },
      // A caller spreading optional members it does not have (as the HTTP layer does).
      { ...fields(4), ...({ decision: undefined, aggregate: undefined } as unknown as Partial<AuditFields>) },
    ];
    try {
      for (const f of variants) await log.append(f);
      assert.equal(store.rows.length, variants.length);
      store.rows.forEach((row, i) => assert.equal(row.record, canonicalRecord({ v: 1, seq: i + 1, time: at.toISOString(), ...variants[i]! })));
      assertChain(store.rows);
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
    const { keys } = directKeys();
    log.keys = keys;
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
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
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
    const { keys } = directKeys();
    log.keys = keys;
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
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
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
        assert.equal(cp.v, 2, 'a v2 checkpoint pins the head; it does not vouch for the records before it');
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

/** The stored head signature, decoded here from the layout documented in record.ts (not with its decoder). */
function decodeHead(bytes: Uint8Array): { kind: number; from: number; key: string | undefined; signature: Buffer } {
  const b = Buffer.from(bytes);
  const kind = b[0]!;
  const keyed = kind === 2 || kind === 3;
  assert.equal(b.length, 9 + (keyed ? 32 : 0) + 64, `head signature of kind ${kind}: length`);
  return { kind, from: Number(b.readBigUInt64BE(1)), key: keyed ? b.subarray(9, 41).toString('hex') : undefined, signature: b.subarray(b.length - 64) };
}

/** HEAD_DOMAIN ‖ {"seq","hash","from"[,"certifies"]} (record.ts), rebuilt independently. */
function headMessageOf(seq: number, hash: Uint8Array, from: number, certifies?: string): Buffer {
  return Buffer.from('strongbox/audit-head/v1\n' + JSON.stringify({ seq, hash: Buffer.from(hash).toString('hex'), from, ...(certifies === undefined ? {} : { certifies }) }), 'utf8');
}

/** A row appended by someone with write access to the database: the right chain hash, no signature. */
function forgeAppend(store: FakeAuditStore, extra: Partial<AuditFields> = {}): number {
  const head = store.rows.at(-1)!;
  const seq = head.seq + 1;
  const text = JSON.stringify({ v: 1, seq, time: new Date().toISOString(), ...fields(9999, { requestId: 'forged', principal: 'acc-forged', ...extra }) });
  store.rows.push({ seq, record: text, hash: expectedHash(head.hash, text) });
  return seq;
}

describe('AuditLog head signatures', () => {
  it("signs every batch's last row over (seq, hash, from) with the audit key; from is the head it was chained onto (node:crypto and @noble/curves)", async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    const { keys, publicKey } = directKeys();
    log.keys = keys;
    try {
      const all: Promise<number>[] = [];
      for (let wave = 0; wave < 5; wave++) {
        for (let i = 0; i < 20; i++) all.push(log.append(fields(wave * 20 + i)));
        await turns(1);
      }
      await Promise.all(all);
      assertChain(store.rows);
      const batchEnds: number[] = [];
      store.appendCalls.reduce((acc, n) => (batchEnds.push(acc + n), acc + n), 0);
      assert.ok(batchEnds.length > 1 && batchEnds.length < 100, `several batches: ${batchEnds.join(',')}`);
      assert.deepEqual(store.rows.filter((r) => r.headSignature !== undefined).map((r) => r.seq), batchEnds, 'exactly the last row of each batch is signed');
      let from = 0;
      for (const end of batchEnds) {
        const row = store.rows[end - 1]!;
        const h = decodeHead(row.headSignature!);
        assert.equal(h.kind, 1, `batch ending at ${end}: signed with the audit key`);
        assert.equal(h.from, from, `batch ending at ${end}: chained onto ${from}`);
        const msg = headMessageOf(end, row.hash, from);
        assert.equal(nodeVerify(null, msg, publicKey, h.signature), true, `batch ending at ${end}: node:crypto verifies`);
        assert.equal(ed25519.verify(Uint8Array.from(h.signature), Uint8Array.from(msg), Uint8Array.from(Buffer.from(keys.publicKeyHex, 'hex'))), true, `batch ending at ${end}: @noble/curves verifies`);
        assert.equal(nodeVerify(null, headMessageOf(end, row.hash, from + 1), publicKey, h.signature), false, 'another from does not verify');
        from = end;
      }
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.deepEqual([report.ok, report.headSignatures, report.problems], [true, batchEnds.length, []]);
    } finally {
      log.close();
    }
  });

  it('while sealed, batches are signed with a session key; the first audit-key batch after certifies it, and only then do they verify', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    const { keys, publicKey } = directKeys();
    try {
      for (let i = 0; i < 3; i++) await log.append(fields(i));
      const sealed = store.rows.map((r) => decodeHead(r.headSignature!));
      assert.deepEqual(sealed.map((h) => h.kind), [2, 2, 2]);
      const sessionKey = sealed[0]!.key!;
      assert.ok(sealed.every((h) => h.key === sessionKey), 'one session key per process');
      assert.notEqual(sessionKey, keys.publicKeyHex);
      const sessionPublic = ed25519PublicKey(Buffer.from(sessionKey, 'hex'));
      sealed.forEach((h, i) => assert.equal(nodeVerify(null, headMessageOf(i + 1, store.rows[i]!.hash, i), sessionPublic, h.signature), true, `sealed batch ${i + 1}`));

      const before = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.equal(before.ok, false, 'a session key nobody certified vouches for nothing');
      assert.match(before.problems.join('\n'), new RegExp(`records 1\\.\\.3: not authenticated — signed only by session key ${sessionKey.slice(0, 16)}`));

      log.keys = keys; // unsealed
      await log.append(fields(3));
      await log.append(fields(4));
      const certifying = decodeHead(store.rows[3]!.headSignature!);
      assert.deepEqual([certifying.kind, certifying.from, certifying.key], [3, 3, sessionKey], 'the first audit-key batch certifies the session key');
      assert.equal(nodeVerify(null, headMessageOf(4, store.rows[3]!.hash, 3, sessionKey), publicKey, certifying.signature), true);
      assert.equal(decodeHead(store.rows[4]!.headSignature!).kind, 1, 'later batches are plain audit-key signatures');

      const after = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.deepEqual([after.ok, after.problems], [true, []]);
      // Sealed again: the session key signs, and it is already certified.
      log.keys = undefined;
      await log.append(fields(5));
      assert.equal(decodeHead(store.rows[5]!.headSignature!).kind, 2);
      assert.equal((await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex })).ok, true);
    } finally {
      log.close();
    }
  });

  it('a forged append is detected, also after the writer has chained and signed batches on top of it', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    const { keys } = directKeys();
    log.keys = keys;
    try {
      for (let i = 0; i < 5; i++) await log.append(fields(i));
      const forged = forgeAppend(store);
      assertChain(store.rows, 'the forged row carries a correct chain hash');
      const right = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.equal(right.ok, false);
      assert.deepEqual(right.problems, [`records ${forged}..${forged}: not authenticated — no head signature covers them (appended outside Strongbox, or their signature removed)`]);

      // The writer reads the head from the store, so its next batches chain onto the forged row ...
      for (let i = 5; i < 10; i++) await log.append(fields(i));
      assertChain(store.rows);
      assert.equal(decodeHead(store.rows[forged]!.headSignature!).from, forged, '... and say so in what they sign');
      const later = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.equal(later.ok, false, 'batches signed on top do not vouch for the forged row');
      assert.match(later.problems.join('\n'), new RegExp(`records ${forged}\\.\\.${forged}: not authenticated`));
      // A checkpoint of the head (v2) pins it, but does not vouch for the forged row either.
      const cp = (await log.checkpoint())!;
      const withCp = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex });
      assert.match(withCp.problems.join('\n'), new RegExp(`records ${forged}\\.\\.${forged}: not authenticated`));

      // A forged row that copies a genuine head signature: the signature does not match it.
      const copy = new FakeAuditStore();
      copy.rows = store.rows.map((r) => ({ ...r }));
      const f2 = forgeAppend(copy);
      copy.rows.at(-1)!.headSignature = store.rows.at(-1)!.headSignature!;
      const copied = await verifyAuditLog({ records: copy.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.match(copied.problems.join('\n'), new RegExp(`record ${f2}: head signature invalid`));
    } finally {
      log.close();
    }
  });

  it('an edit after the last checkpoint, with every later hash recomputed, is caught at the head signature of its batch', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    const { keys } = directKeys();
    log.keys = keys;
    try {
      for (let i = 0; i < 10; i++) await log.append(fields(i));
      const cp = (await log.checkpoint())!;
      for (let i = 10; i < 20; i++) await log.append(fields(i));
      const edited = 14;
      const row = store.rows[edited - 1]!;
      row.record = row.record.replace('"principal":"acc-1"', '"principal":"acc-2"');
      let prev = store.rows[edited - 2]!.hash;
      for (const r of store.rows.slice(edited - 1)) {
        r.hash = expectedHash(prev, r.record);
        prev = r.hash;
      }
      assertChain(store.rows, 'the forger recomputed the chain');
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex });
      assert.equal(report.ok, false);
      assert.match(report.problems[0]!, new RegExp(`^record ${edited}: head signature invalid`));
      assert.equal(report.lastSeq, edited - 1);

      // Removing the signatures from the edit on does not help: those records are not vouched for.
      for (const r of store.rows.slice(edited - 1)) delete r.headSignature;
      const stripped = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex });
      assert.deepEqual(stripped.problems, [`records ${edited}..20: not authenticated — no head signature covers them (appended outside Strongbox, or their signature removed)`]);
    } finally {
      log.close();
    }
  });

  it('a truncated tail is exposed by the latest signed head of the audit stream, and only by it', async () => {
    const store = new FakeAuditStore();
    const lines: string[] = [];
    const log = await AuditLog.open(store, options({ sink: { write: (line: string) => lines.push(line) } }));
    const { keys } = directKeys();
    log.keys = keys;
    try {
      for (let i = 0; i < 8; i++) await log.append(fields(i));
      const cp = (await log.checkpoint())!;
      for (let i = 8; i < 12; i++) await log.append(fields(i));
      const stream = parseExport(lines.join(''), { strict: false });
      assert.equal(stream.records.length, 0, 'record lines in the stream are the records themselves');
      assert.deepEqual(stream.heads.map((h) => h.seq), Array.from({ length: 12 }, (_, i) => i + 1), 'one head line per batch');
      assert.deepEqual(stream.checkpoints.map((c) => c.seq), [8], 'and the checkpoint');
      assert.equal(lines.filter((l) => !l.startsWith('{"type"')).length, 12, 'and each record');

      store.rows = store.rows.slice(0, 9); // the attacker deletes seqs 10..12 (no checkpoint covers them)
      const blind = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex });
      assert.equal(blind.ok, true, 'without a copy kept elsewhere, a cut at a batch end looks intact');
      const newest = stream.heads.at(-1)!;
      const seen = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex, savedHeads: [newest] });
      assert.equal(seen.ok, false);
      assert.deepEqual(seen.problems, ['log truncated: the saved signed head covers seq 12 but the log ends at seq 9']);

      // A saved head that does not carry the installation's signature is reported as such.
      const fakeHead = { ...newest, headSignature: { ...newest.headSignature, signature: '00'.repeat(64) } };
      const fake = await verifyAuditLog({ records: store.rows, checkpoints: [cp], trustedPublicKey: keys.publicKeyHex, savedHeads: [fakeHead] });
      assert.match(fake.problems.join('\n'), /saved head at seq 12: signature invalid/);
    } finally {
      log.close();
    }
  });

  it('a log written before head signatures (v1 checkpoints) still verifies; its unsigned tail is a warning there, and a problem once head signatures appear', async () => {
    const { keys } = directKeys();
    const legacy = new FakeAuditStore();
    const old = await AuditLog.open(legacy, options());
    for (let i = 0; i < 6; i++) await old.append(fields(i));
    old.close();
    for (const r of legacy.rows) delete r.headSignature; // as an older release wrote them
    const body = { v: 1 as const, seq: 4, hash: Buffer.from(legacy.rows[3]!.hash).toString('hex'), time: new Date().toISOString(), publicKey: keys.publicKeyHex };
    const v1: Checkpoint = { ...body, signature: edSignRaw(checkpointMessage(body), keys.signingKey) };
    const report = await verifyAuditLog({ records: legacy.rows, checkpoints: [v1], trustedPublicKey: keys.publicKeyHex });
    assert.deepEqual([report.ok, report.problems], [true, []]);
    assert.deepEqual(report.warnings, ['records 5..6: not authenticated — written without head signatures (by a release before them) after the last checkpoint']);
    const fully = await verifyAuditLog({ records: legacy.rows.slice(0, 4), checkpoints: [v1], trustedPublicKey: keys.publicKeyHex });
    assert.deepEqual([fully.ok, fully.warnings], [true, []], 'records up to a v1 checkpoint are vouched for by it');

    // The upgraded writer continues the chain with head signatures: its records are vouched for,
    // the legacy tail without a checkpoint is now reported.
    const log = await AuditLog.open(legacy, options());
    log.keys = keys;
    try {
      for (let i = 6; i < 9; i++) await log.append(fields(i));
      const mixed = await verifyAuditLog({ records: legacy.rows, checkpoints: [v1], trustedPublicKey: keys.publicKeyHex });
      assert.deepEqual(mixed.problems, ['records 5..6: not authenticated — written without head signatures (by a release before them) after the last checkpoint']);
      const v2 = (await log.checkpoint())!;
      const clean = await verifyAuditLog({ records: legacy.rows.slice(0, 4), checkpoints: [v1], trustedPublicKey: keys.publicKeyHex });
      assert.equal(clean.ok, true);
      // A v2 checkpoint does not vouch like a v1 one (its version is signed).
      const relabelled = { ...v2, v: 1 as const };
      const forgedV1 = await verifyAuditLog({ records: legacy.rows, checkpoints: [v1, relabelled], trustedPublicKey: keys.publicKeyHex });
      assert.match(forgedV1.problems.join('\n'), new RegExp(`checkpoint at seq ${v2.seq}: signature invalid`));
    } finally {
      log.close();
    }
  });

  it('malformed head signature bytes are reported at their seq; stored bytes round-trip through the JSON form', async () => {
    const store = new FakeAuditStore();
    const log = await AuditLog.open(store, options());
    const { keys } = directKeys();
    log.keys = keys;
    try {
      for (let i = 0; i < 4; i++) await log.append(fields(i));
      for (const r of store.rows) {
        const json = JSON.parse(recordLine(r)) as { headSignature: unknown };
        assert.deepEqual(headSignatureFromJson(json.headSignature), r.headSignature, `seq ${r.seq}: JSON round trip`);
      }
      store.rows[2]!.headSignature = new Uint8Array([1, 2, 3]);
      const report = await verifyAuditLog({ records: store.rows, checkpoints: [], trustedPublicKey: keys.publicKeyHex });
      assert.deepEqual(report.problems, ['record 3: head signature malformed']);
      const viaExport = parseExport(store.rows.map((r) => recordLine(r)).join('\n'));
      assert.deepEqual(viaExport.errors, []);
      assert.deepEqual((await verifyAuditLog({ records: viaExport.records, checkpoints: [], trustedPublicKey: keys.publicKeyHex })).problems, ['record 3: head signature malformed']);
    } finally {
      log.close();
    }
  });
});
