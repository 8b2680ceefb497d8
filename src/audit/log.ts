/**
 * The audit log writer: assigns sequence numbers, extends the hash chain in memory, and group-
 * commits records — every record appended while one batch is being made durable joins the next
 * batch, so one fsync covers many requests. `append` resolves only when the record is durable;
 * the HTTP layer awaits it before releasing any result (fail closed). After a failed write the
 * chain head is re-read from storage, so the chain continues from what is actually on disk.
 * Every `checkpointEvery` records or `checkpointIntervalMs`, a checkpoint signed with the audit
 * key pins the chain head.
 */
import { sign as edSign } from 'node:crypto';
import { StrongboxError } from '../protocol/errors.js';
import type { AuditRow, Store } from '../storage/types.js';
import { canonicalRecord, chainHash, checkpointMessage, GENESIS_HASH, type AuditFields, type AuditRecord, type Checkpoint } from './record.js';
import type { AuditKeys } from './keys.js';

export interface AuditLogOptions {
  checkpointEvery: number;
  checkpointIntervalMs: number;
  /** also write each durable record as a JSON line here (stdout or a file stream) */
  sink?: { write(line: string): unknown };
  now?: () => Date;
  /** benchmarks only (dev mode): write nothing. Never in production: nothing would be audited. */
  unsafeDisabled?: boolean;
}

interface Pending {
  row: AuditRow;
  resolve: () => void;
  reject: (err: Error) => void;
}

type AuditStore = Pick<Store, 'appendAudit' | 'auditHead' | 'appendCheckpoint' | 'listCheckpoints'>;

export class AuditLog {
  readonly #store: AuditStore;
  readonly #options: AuditLogOptions;
  #headSeq = 0;
  #headHash: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  #durableSeq = 0;
  #durableHash: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  #batch: Pending[] = [];
  #flushing = false;
  #resyncing: Promise<void> | undefined;
  #lastCheckpointSeq = 0;
  #lastCheckpointAt = 0;
  #timer: NodeJS.Timeout | undefined;
  keys: AuditKeys | undefined;
  /** observable counters for metrics and tests */
  readonly stats = { batches: 0, records: 0, failures: 0, checkpoints: 0 };

  private constructor(store: AuditStore, options: AuditLogOptions) {
    this.#store = store;
    this.#options = options;
  }

  static async open(store: AuditStore, options: AuditLogOptions): Promise<AuditLog> {
    const log = new AuditLog(store, options);
    await log.#resync();
    const cps = await store.listCheckpoints();
    log.#lastCheckpointSeq = cps.at(-1)?.seq ?? 0;
    log.#lastCheckpointAt = Date.now();
    log.#timer = setInterval(() => void log.#maybeCheckpoint(true), options.checkpointIntervalMs);
    log.#timer.unref();
    return log;
  }

  async #resync(): Promise<void> {
    const head = await this.#store.auditHead();
    this.#headSeq = this.#durableSeq = head?.seq ?? 0;
    this.#headHash = this.#durableHash = head?.hash ?? GENESIS_HASH;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  /** Appends a record; resolves when it is durable, rejects with AUDIT_UNAVAILABLE otherwise. */
  async append(fields: AuditFields): Promise<number> {
    if (this.#options.unsafeDisabled) return 0;
    if (this.#resyncing) await this.#resyncing;
    const record: AuditRecord = { v: 1, seq: this.#headSeq + 1, time: this.#now().toISOString(), ...fields };
    const text = canonicalRecord(record);
    const hash = chainHash(this.#headHash, text);
    this.#headSeq = record.seq;
    this.#headHash = hash;
    await new Promise<void>((resolve, reject) => {
      this.#batch.push({ row: { seq: record.seq, record: text, hash }, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
    return record.seq;
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    // Let the requests that are already running join this batch before it is written.
    await new Promise((r) => setImmediate(r));
    while (this.#batch.length > 0) {
      const batch = this.#batch;
      this.#batch = [];
      try {
        await this.#store.appendAudit(batch.map((p) => p.row));
        const last = batch.at(-1)!.row;
        this.#durableSeq = last.seq;
        this.#durableHash = last.hash;
        this.stats.batches++;
        this.stats.records += batch.length;
        for (const p of batch) p.resolve();
        if (this.#options.sink) for (const p of batch) this.#options.sink.write(p.row.record + '\n');
        await this.#maybeCheckpoint(false);
      } catch (err) {
        this.stats.failures++;
        const failure = new StrongboxError('AUDIT_UNAVAILABLE', 'the audit record could not be made durable; the result was withheld', { cause: err });
        // Everything queued after the failed batch chained onto records that never became durable.
        const dropped = [...batch, ...this.#batch];
        this.#batch = [];
        // Rewind to the last durable record (known here), then confirm with storage when it answers.
        this.#headSeq = this.#durableSeq;
        this.#headHash = this.#durableHash;
        this.#resyncing = this.#resync().catch(() => undefined).finally(() => (this.#resyncing = undefined));
        await this.#resyncing;
        for (const p of dropped) p.reject(failure);
      }
    }
    this.#flushing = false;
  }

  async #maybeCheckpoint(timerTick: boolean): Promise<void> {
    if (this.keys === undefined || this.#durableSeq === this.#lastCheckpointSeq) return;
    const due = this.#durableSeq - this.#lastCheckpointSeq >= this.#options.checkpointEvery || (timerTick && Date.now() - this.#lastCheckpointAt >= this.#options.checkpointIntervalMs);
    if (!due) return;
    await this.checkpoint().catch(() => undefined);
  }

  /** Signs and stores a checkpoint of the durable head now (no-op without a signing key or new records). */
  async checkpoint(): Promise<Checkpoint | undefined> {
    const keys = this.keys;
    if (keys === undefined || this.#durableSeq === 0 || this.#durableSeq === this.#lastCheckpointSeq) return undefined;
    const body = { v: 1 as const, seq: this.#durableSeq, hash: Buffer.from(this.#durableHash).toString('hex'), time: this.#now().toISOString(), publicKey: keys.publicKeyHex };
    const cp: Checkpoint = { ...body, signature: edSign(null, checkpointMessage(body), keys.signingKey).toString('hex') };
    const previous = { seq: this.#lastCheckpointSeq, at: this.#lastCheckpointAt };
    this.#lastCheckpointSeq = cp.seq;
    this.#lastCheckpointAt = Date.now();
    try {
      await this.#store.appendCheckpoint({ seq: cp.seq, checkpoint: JSON.stringify(cp) });
    } catch (err) {
      // Not written, so not pinned: the next checkpoint (timer, batch or shutdown) tries again.
      if (this.#lastCheckpointSeq === cp.seq) {
        this.#lastCheckpointSeq = previous.seq;
        this.#lastCheckpointAt = previous.at;
      }
      throw err;
    }
    this.stats.checkpoints++;
    return cp;
  }

  get durableSeq(): number {
    return this.#durableSeq;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
