/**
 * The audit log writer: group-commits records — every record appended while one batch is being made
 * durable joins the next batch, so one transaction (one fsync) covers many requests. Sequence
 * numbers and chain hashes are assigned inside the store's append transaction, under its audit
 * lock, from the head as it is in the database (Store.appendAudit): several nodes writing to one
 * database extend one chain. `append` resolves only when the record is durable; the HTTP layer
 * awaits it before releasing any result (fail closed). A failed batch is rejected as a whole and
 * nothing of it is written; records queued behind it go into the next batch.
 * The last row of every batch carries a signature over the batch's head (record.ts,
 * HeadSignature): made with the audit key while unsealed, with this process's session key while
 * sealed; the first audit-key signature after session-key ones certifies the session key. Signing
 * happens in the builder, so the signed `from` is the head the batch really was chained onto.
 * Every `checkpointEvery` records or `checkpointIntervalMs`, a checkpoint signed with the audit
 * key pins the chain head. The sink (audit stream) gets each batch's records, then its signed head,
 * and each checkpoint: a copy of the latest signed head outside the database.
 */
import { sign as edSign } from 'node:crypto';
import { StrongboxError } from '../protocol/errors.js';
import type { AuditHead, AuditRow, Store } from '../storage/types.js';
import { checkpointLine, headLine } from './export.js';
import { canonicalFields, chainHash, recordText, checkpointMessage, decodeHeadSignature, encodeHeadSignature, GENESIS_HASH, headMessage, type AuditFields, type Checkpoint, type HeadSignature } from './record.js';
import { createSessionKey, type AuditKeys, type SessionKey } from './keys.js';

export interface AuditLogOptions {
  checkpointEvery: number;
  checkpointIntervalMs: number;
  /** also write each durable record as a JSON line here (stdout or a file stream) */
  sink?: { write(line: string): unknown };
  now?: () => Date;
  /** benchmarks only (dev mode): write nothing. Never in production: nothing would be audited. */
  unsafeDisabled?: boolean;
  /** benchmarks only (bench/audit-heads.ts prices head signatures): batches go unsigned, and verify reports them */
  unsafeUnsignedHeads?: boolean;
}

/** Signs the head of a batch: its last seq and hash, and the seq it was chained onto. */
type HeadSigner = (seq: number, hash: Uint8Array, from: number) => HeadSignature;

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

interface Pending {
  /** canonicalFields of the record: serialized once, when appended */
  fields: string;
  time: string;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

type AuditStore = Pick<Store, 'appendAudit' | 'auditHead' | 'appendCheckpoint' | 'listCheckpoints'>;

export class AuditLog {
  readonly #store: AuditStore;
  readonly #options: AuditLogOptions;
  #durableSeq = 0;
  #durableHash: Uint8Array<ArrayBufferLike> = GENESIS_HASH;
  #batch: Pending[] = [];
  #flushing = false;
  #lastCheckpointSeq = 0;
  #lastCheckpointAt = 0;
  #timer: NodeJS.Timeout | undefined;
  /** signs batch heads while no audit key is loaded; in memory only */
  readonly #session: SessionKey = createSessionKey();
  /** a batch signed with the session key is durable ... */
  #sessionUsed = false;
  /** ... and one signed with the audit key that certifies the session key is durable too */
  #sessionCertified = false;
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
    this.#durableSeq = head?.seq ?? 0;
    this.#durableHash = head?.hash ?? GENESIS_HASH;
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  /** Appends a record; resolves with its seq when it is durable, rejects with AUDIT_UNAVAILABLE otherwise. */
  async append(fields: AuditFields): Promise<number> {
    if (this.#options.unsafeDisabled) return 0;
    const time = this.#now().toISOString();
    // A record that cannot be serialized would fail the whole batch it joins, and every response in
    // it: it is refused here, alone (its request answers AUDIT_UNAVAILABLE; nothing is released).
    let text: string;
    try {
      text = canonicalFields(fields);
    } catch (err) {
      this.stats.failures++;
      throw new StrongboxError('AUDIT_UNAVAILABLE', 'the audit record could not be serialized; the result was withheld', { cause: err });
    }
    return new Promise<number>((resolve, reject) => {
      this.#batch.push({ fields: text, time, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /**
   * The rows of a batch chained onto `head`, the last one with its head signature (pure: the store
   * may call it again on a newer head; Ed25519 signing is deterministic).
   */
  static #chain(batch: readonly Pending[], head: AuditHead | undefined, signHead: HeadSigner | undefined): AuditRow[] {
    const from = head?.seq ?? 0;
    let seq = from;
    let prev: Uint8Array = head?.hash ?? GENESIS_HASH;
    const rows: AuditRow[] = batch.map((p) => {
      const text = recordText(++seq, p.time, p.fields);
      prev = chainHash(prev, text);
      return { seq, record: text, hash: prev };
    });
    const last = rows.at(-1);
    if (last !== undefined && signHead !== undefined) last.headSignature = encodeHeadSignature(signHead(last.seq, last.hash, from));
    return rows;
  }

  /** How this batch's head is signed, decided once per batch (keys come and go with unseal/seal). */
  #headSigner(): { kind: 'audit' | 'certify' | 'session'; sign: HeadSigner } | undefined {
    if (this.#options.unsafeUnsignedHeads) return undefined;
    const keys = this.keys;
    const session = this.#session;
    if (keys === undefined) {
      return {
        kind: 'session',
        sign: (seq, hash, from) => {
          const h = { from, sessionKey: session.publicKeyHex };
          return { ...h, signature: edSign(null, headMessage(seq, hex(hash), h), session.signingKey).toString('hex') };
        },
      };
    }
    const certifies = this.#sessionUsed && !this.#sessionCertified ? session.publicKeyHex : undefined;
    return {
      kind: certifies === undefined ? 'audit' : 'certify',
      sign: (seq, hash, from) => {
        const h = { from, ...(certifies === undefined ? {} : { certifies }) };
        return { ...h, signature: edSign(null, headMessage(seq, hex(hash), h), keys.signingKey).toString('hex') };
      },
    };
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    // Let the requests that are already running join this batch before it is written.
    await new Promise((r) => setImmediate(r));
    while (this.#batch.length > 0) {
      const batch = this.#batch;
      this.#batch = [];
      try {
        const signer = this.#headSigner();
        const rows = await this.#store.appendAudit((head) => AuditLog.#chain(batch, head, signer?.sign));
        const last = rows.at(-1)!;
        this.#durableSeq = last.seq;
        this.#durableHash = last.hash;
        if (signer?.kind === 'session') this.#sessionUsed = true;
        if (signer?.kind === 'certify') this.#sessionCertified = true;
        this.stats.batches++;
        this.stats.records += batch.length;
        batch.forEach((p, i) => p.resolve(rows[i]!.seq));
        if (this.#options.sink) {
          for (const r of rows) this.#options.sink.write(r.record + '\n');
          const signed = last.headSignature === undefined ? undefined : decodeHeadSignature(last.headSignature);
          if (signed !== undefined) this.#options.sink.write(headLine({ seq: last.seq, hash: last.hash, headSignature: signed }) + '\n');
        }
        await this.#maybeCheckpoint(false);
      } catch (err) {
        this.stats.failures++;
        const failure = new StrongboxError('AUDIT_UNAVAILABLE', 'the audit record could not be made durable; the result was withheld', { cause: err });
        for (const p of batch) p.reject(failure);
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
    const body = { v: 2 as const, seq: this.#durableSeq, hash: Buffer.from(this.#durableHash).toString('hex'), time: this.#now().toISOString(), publicKey: keys.publicKeyHex };
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
    this.#options.sink?.write(checkpointLine(cp) + '\n');
    return cp;
  }

  get durableSeq(): number {
    return this.#durableSeq;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
