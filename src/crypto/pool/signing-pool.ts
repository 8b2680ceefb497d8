/**
 * A pool of signing worker threads for secp256k1 and RSA, so signing and verify-before-release use the
 * other cores while the main thread serves HTTP and writes the audit chain (an RSA-4096 signature
 * costs ≈ 14 ms of CPU: on the event loop it would stall every other request that long). Requests queued in one
 * event-loop turn go to a worker as one message. A key's secret reaches a worker once (the worker
 * keeps it until evicted); evictions and seal are forwarded so workers wipe their copies too.
 */
import { Worker } from 'node:worker_threads';
import { StrongboxError } from '../../protocol/errors.js';

/** An RSA signature's parameters (validated on the main thread: the worker only signs). */
export interface PooledRsa {
  type: 'rsa2048' | 'rsa3072' | 'rsa4096';
  hash: 'sha256' | 'sha384' | 'sha512';
  padding: 'pss' | 'pkcs1';
}

interface Pending {
  resolve: (r: { signature: Uint8Array; recid: number }) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  known: Set<string>;
  queue: { id: number; cacheId: string; digest: Uint8Array; secretKey?: Uint8Array; publicKey?: Uint8Array; rsa?: PooledRsa }[];
  inFlight: number;
  scheduled: boolean;
}

export class SigningPool {
  readonly #workers: PoolWorker[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #next = 0;
  #closed = false;

  constructor(size: number) {
    this.#workers = Array.from({ length: size }, () => this.#spawn());
  }

  get size(): number {
    return this.#workers.length;
  }

  #spawn(): PoolWorker {
    const worker = new Worker(new URL('./sign-worker.js', import.meta.url));
    const pw: PoolWorker = { worker, known: new Set(), queue: [], inFlight: 0, scheduled: false };
    worker.on('message', (msg: { op: 'results'; results: { id: number; signature?: Uint8Array; recid?: number; error?: string }[] }) => {
      for (const r of msg.results) {
        pw.inFlight--;
        const p = this.#pending.get(r.id);
        this.#pending.delete(r.id);
        if (r.error !== undefined || r.signature === undefined) p?.reject(new StrongboxError('INTERNAL', `signing worker: ${r.error ?? 'no signature'}`));
        else p?.resolve({ signature: new Uint8Array(r.signature), recid: r.recid! });
      }
      if (pw.inFlight === 0) worker.unref();
    });
    worker.on('error', (err) => {
      // A crashed worker fails its requests; a fresh one (knowing no keys) takes its place.
      for (const [id, p] of this.#pending) {
        p.reject(new StrongboxError('INTERNAL', 'signing worker failed', { cause: err }));
        this.#pending.delete(id);
      }
      const i = this.#workers.indexOf(pw);
      if (i >= 0 && !this.#closed) this.#workers[i] = this.#spawn();
    });
    worker.unref();
    return pw;
  }

  /**
   * Signs a digest with the key cached as `cacheId` (whose secret is sent on first use): a 32-byte
   * secp256k1 digest, or with `rsa` an RSA digest of that hash and padding (recid is then 0).
   */
  sign(cacheId: string, digest: Uint8Array, material: () => { secretKey: Uint8Array; publicKey: Uint8Array }, rsa?: PooledRsa): Promise<{ signature: Uint8Array; recid: number }> {
    if (this.#closed) return Promise.reject(new StrongboxError('SHUTTING_DOWN'));
    const pw = this.#workers[this.#next++ % this.#workers.length]!;
    const id = this.#nextId++;
    // A copy: a view into Buffer's 8 KiB pool would be cloned whole by postMessage (and with it whatever
    // else the pool holds). Uint8Array.prototype.slice copies even for a Buffer, whose slice() is a view.
    const item: PoolWorker['queue'][number] = { id, cacheId, digest: Uint8Array.prototype.slice.call(digest), ...(rsa === undefined ? {} : { rsa }) };
    if (!pw.known.has(cacheId)) {
      const m = material();
      item.secretKey = Uint8Array.prototype.slice.call(m.secretKey);
      item.publicKey = m.publicKey;
      pw.known.add(cacheId);
    }
    pw.queue.push(item);
    pw.inFlight++;
    if (!pw.scheduled) {
      pw.scheduled = true;
      // setImmediate, not a microtask: requests parsed in the same I/O phase share one message.
      setImmediate(() => this.#flush(pw));
    }
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  #flush(pw: PoolWorker): void {
    pw.scheduled = false;
    const items = pw.queue;
    pw.queue = [];
    if (items.length === 0) return;
    pw.worker.ref();
    pw.worker.postMessage({ op: 'batch', items });
    // The worker received its own copy; ours is wiped.
    for (const it of items) it.secretKey?.fill(0);
  }

  evict(cacheId: string): void {
    for (const pw of this.#workers) {
      if (!pw.known.delete(cacheId)) continue;
      // Send what is queued first, so the worker cannot receive the key after its eviction.
      this.#flush(pw);
      pw.worker.postMessage({ op: 'evict', cacheId });
    }
  }

  clear(): void {
    for (const pw of this.#workers) {
      pw.known.clear();
      pw.worker.postMessage({ op: 'clear' });
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.clear();
    await Promise.all(this.#workers.map((pw) => pw.worker.terminate()));
  }
}
