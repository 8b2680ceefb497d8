/**
 * Nonces for eth_sendTransaction when the caller leaves them out, correct across every Strongbox
 * node sharing one database. Per account (chain id, address), pick → sign → submit is one critical
 * section, excluded twice:
 *  1. on this node, by a promise queue per account (so one node never has two callers polling the
 *     database for the same account);
 *  2. across nodes, by a lease in the shared Store (Store.acquireNonceLease): a row with a holder
 *     and an expiry on the database's clock, taken by compare-and-set. The holder renews it every
 *     leaseMs / 4 while it works and once more just before it submits (a holder that lost it submits
 *     nothing: NONCE_LEASE_UNAVAILABLE), so the lease only has to outlive one upstream call: leaseMs
 *     defaults to the upstream timeout + 5 s. A node killed mid-send blocks the account for at most
 *     leaseMs, then its lease expires.
 * The nonce is the larger of the node's pending count and one past the last nonce recorded as
 * submitted (the upstream — a load-balanced provider above all — may not count a just-submitted
 * transaction yet). Only a successful submission records a nonce, and it is remembered for
 * rememberMs (60 s): long enough to cover an upstream's lag, short enough that a transaction the
 * upstream dropped does not push every later nonce past a gap for good. A failed send leaves its
 * nonce unused (see failedSendOutcome); only a node's "this nonce is taken" makes the tracker forget
 * the remembered nonce and ask the node alone.
 *
 * Without a store (unit tests, embedding) the same algorithm runs against an in-memory ledger,
 * which coordinates this process only.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StrongboxError } from '../../protocol/errors.js';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, UpstreamRpcError } from '../../chains/ethereum/rpc-client.js';
import type { NonceAccount, NonceLeaseAttempt, NonceLeaseRelease, Store } from '../../storage/types.js';

export type NonceLedger = Pick<Store, 'acquireNonceLease' | 'renewNonceLease' | 'releaseNonceLease'>;

/** Added to the upstream timeout to size the lease: one upstream call fits inside a renewed lease. */
export const NONCE_LEASE_MARGIN_MS = 5_000;
/** How long a submitted nonce is trusted over a lower pending count from the node. */
export const NONCE_MEMORY_MS = 60_000;
/** How long a refused node's claim to take the lease next stands without a retry. */
const WAITER_CLAIM_MS = 2_000;
/** Polling for a lease another node holds: from 10 ms, doubling, at most this. */
const MAX_POLL_MS = 200;

export interface NonceTrackerOptions {
  /** the shared Store; without it, this process only */
  ledger?: NonceLedger;
  /** how long a lease lasts without renewal (default 20 s: the default upstream timeout + 5 s) */
  leaseMs?: number;
  /** how long a send waits for another node's lease before NONCE_LEASE_UNAVAILABLE (default 3 × leaseMs) */
  maxWaitMs?: number;
  /** how long a submitted nonce is remembered (default NONCE_MEMORY_MS) */
  rememberMs?: number;
}

/** `address` alone: chain id 0, for callers that track a single chain (the unit tests). */
export type NonceAccountRef = string | NonceAccount;

/**
 * Called by `send` right before it submits: renews the lease and throws NONCE_LEASE_UNAVAILABLE if
 * this holder no longer has it (it expired and another node took it), so nothing is submitted.
 */
export type LeaseCheck = () => Promise<void>;

/** An in-memory ledger: the Store's lease semantics for one process (the promise queue already excludes). */
export function createMemoryNonceLedger(): NonceLedger {
  const rows = new Map<string, { holder: string | null; expiresAt: number; lastNonce: bigint | undefined; lastNonceExpiresAt: number }>();
  const id = (a: NonceAccount): string => `${a.chainId}:${a.address}`;
  return {
    async acquireNonceLease(account, holder, { leaseMs }): Promise<NonceLeaseAttempt> {
      const now = Date.now();
      const row = rows.get(id(account)) ?? { holder: null, expiresAt: 0, lastNonce: undefined, lastNonceExpiresAt: 0 };
      if (row.holder !== null && row.expiresAt > now) return { acquired: false };
      rows.set(id(account), { ...row, holder, expiresAt: now + leaseMs });
      return row.lastNonceExpiresAt > now && row.lastNonce !== undefined ? { acquired: true, lastNonce: row.lastNonce, lastNonceExpiresInMs: row.lastNonceExpiresAt - now } : { acquired: true, lastNonce: undefined };
    },
    async renewNonceLease(account, holder, leaseMs) {
      const row = rows.get(id(account));
      if (row?.holder !== holder) return false;
      row.expiresAt = Date.now() + leaseMs;
      return true;
    },
    async releaseNonceLease(account, holder, outcome) {
      const row = rows.get(id(account));
      if (row?.holder !== holder) return false;
      row.holder = null;
      if (outcome.kind === 'submitted') Object.assign(row, { lastNonce: outcome.nonce, lastNonceExpiresAt: Date.now() + outcome.rememberMs });
      if (outcome.kind === 'failed') Object.assign(row, { lastNonce: undefined, lastNonceExpiresAt: 0 });
      return true;
    },
  };
}

export class NonceTracker {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #ledger: NonceLedger;
  readonly #leaseMs: number;
  readonly #maxWaitMs: number;
  readonly #rememberMs: number;

  constructor(options: NonceTrackerOptions = {}) {
    this.#ledger = options.ledger ?? createMemoryNonceLedger();
    this.#leaseMs = options.leaseMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS + NONCE_LEASE_MARGIN_MS;
    this.#maxWaitMs = options.maxWaitMs ?? 3 * this.#leaseMs;
    this.#rememberMs = options.rememberMs ?? NONCE_MEMORY_MS;
  }

  /**
   * Runs `send(nonce, checkLease)` inside the account's critical section. `pendingCount` asks the
   * node for eth_getTransactionCount(address, 'pending'); `send` fills, signs and — after awaiting
   * `checkLease()` — submits.
   */
  async withNextNonce<T>(ref: NonceAccountRef, pendingCount: () => Promise<bigint>, send: (nonce: bigint, checkLease: LeaseCheck) => Promise<T>): Promise<T> {
    const account: NonceAccount = typeof ref === 'string' ? { chainId: 0n, address: ref.toLowerCase() } : { chainId: ref.chainId, address: ref.address.toLowerCase() };
    const key = `${account.chainId}:${account.address}`;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await this.#underLease(account, pendingCount, send);
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  async #underLease<T>(account: NonceAccount, pendingCount: () => Promise<bigint>, send: (nonce: bigint, checkLease: LeaseCheck) => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const { lastNonce, lastNonceExpiresInMs } = await this.#acquire(account, holder);
    let lost = false;
    const renew = async (): Promise<void> => {
      if (!(await this.#ledger.renewNonceLease(account, holder, this.#leaseMs))) lost = true;
    };
    // A failed heartbeat (database unreachable for a moment) is not a lost lease: the check before
    // submitting renews again and decides.
    const heartbeat = setInterval(() => void renew().catch(() => undefined), Math.max(1, Math.floor(this.#leaseMs / 4)));
    heartbeat.unref();
    let outcome: NonceLeaseRelease = { kind: 'unused' };
    try {
      const fromNode = await pendingCount();
      // The node lags behind what was submitted: the nonce comes from memory.
      const fromMemory = lastNonce !== undefined && lastNonce + 1n > fromNode;
      const nonce = fromMemory ? lastNonce + 1n : fromNode;
      /** set once the lease check passed: the transaction is being handed to the node */
      let submitting = false;
      const checkLease: LeaseCheck = async () => {
        if (!lost) await renew();
        if (lost) {
          throw new StrongboxError('NONCE_LEASE_UNAVAILABLE', `this node's nonce lease for ${account.address} expired and another node took it before the transaction was submitted; nothing was sent, send it again`);
        }
        submitting = true;
      };
      try {
        const result = await send(nonce, checkLease);
        // While the node has not caught up, the memory keeps the expiry it had: a transaction the node
        // dropped then stalls the account for at most rememberMs, even while sends keep coming (each
        // would otherwise extend the memory past the gap forever). Once the node counts what was
        // submitted, the memory starts afresh.
        outcome = { kind: 'submitted', nonce, rememberMs: fromMemory && lastNonceExpiresInMs !== undefined ? Math.max(1, lastNonceExpiresInMs) : this.#rememberMs };
        return result;
      } catch (err) {
        outcome = failedSendOutcome(err, submitting);
        throw err;
      }
    } finally {
      clearInterval(heartbeat);
      // The send's result stands even if recording fails: the lease then expires on its own and the
      // next sender asks the node.
      await this.#ledger.releaseNonceLease(account, holder, outcome).catch(() => undefined);
    }
  }

  /** Takes the lease, polling while another node holds it; resolves to the remembered last nonce. */
  async #acquire(account: NonceAccount, holder: string): Promise<{ lastNonce: bigint | undefined; lastNonceExpiresInMs: number | undefined }> {
    const deadline = Date.now() + this.#maxWaitMs;
    for (let delay = 10; ; delay = Math.min(2 * delay, MAX_POLL_MS)) {
      const attempt = await this.#ledger.acquireNonceLease(account, holder, { leaseMs: this.#leaseMs, waitMs: WAITER_CLAIM_MS });
      if (attempt.acquired) return { lastNonce: attempt.lastNonce, lastNonceExpiresInMs: attempt.lastNonceExpiresInMs };
      if (Date.now() >= deadline) {
        throw new StrongboxError('NONCE_LEASE_UNAVAILABLE', `another Strongbox node has held the nonce lease for ${account.address} for over ${this.#maxWaitMs} ms; nothing was signed or sent, send it again`);
      }
      await sleep(delay);
    }
  }
}

/**
 * What a send that threw leaves behind: whether its nonce counts as used.
 * - Nothing was handed to the node (rules denied it, it was held for approval, filling failed, the lease
 *   was lost): unused, and the remembered nonce stays — forgetting it would let the next send take a
 *   nonce already submitted that a lagging node does not count yet.
 * - The node refused it as a nonce already used (`nonce too low`, `already known`, …): the remembered
 *   nonce disagrees with the chain, so it is forgotten and the next send asks the node alone.
 * - Anything else — another refusal (`insufficient funds`, `nonce too high` from a node that lags or
 *   refuses gaps), no answer, a connection error: unused, so the next send takes the same nonce again.
 *   Had the unanswered transaction arrived after all, the next one with its nonce either replaces it or
 *   is refused as a duplicate (and then the record is dropped): at most one of them is mined. A retry
 *   of the same payment signs the same bytes, which the node answers "already known": the send service
 *   then confirms the transaction by its hash and reports it submitted (so its nonce is recorded, and
 *   the next payment does not take nonce + 1 while the first is still counted as failed). Counting an
 *   unanswered nonce as used instead would leave a gap that stalls every later transaction while sends
 *   keep refreshing the record.
 */
function failedSendOutcome(err: unknown, submitting: boolean): NonceLeaseRelease {
  if (submitting && err instanceof UpstreamRpcError && NONCE_ALREADY_USED.test(err.message)) return { kind: 'failed' };
  return { kind: 'unused' };
}

/** Node messages that mean "this nonce is taken" (geth, Nethermind, Erigon, Besu, Hardhat, ganache wording). */
const NONCE_ALREADY_USED = /nonce too low|nonce has already been used|already known|known transaction|replacement transaction underpriced|transaction underpriced.*replace|nonce.*(is )?(already|lower than)/i;
