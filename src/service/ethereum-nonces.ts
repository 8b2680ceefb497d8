/**
 * Nonces for eth_sendTransaction when the caller leaves them out. Sends from one address are
 * serialized on this node: pick the nonce, sign, submit, and only then let the next send pick
 * (so two concurrent sends never get the same nonce). The nonce is the larger of the node's
 * pending transaction count and one past the last nonce this node submitted (the node may not
 * have counted a just-submitted transaction yet). A failed submission forgets the local count,
 * so the next send asks the node again.
 *
 * Scope: one Strongbox node. Several nodes sending from the same address without explicit nonces
 * can still collide (the loser gets the node's "nonce too low" / "replacement" error, nothing is
 * signed twice with different contents for one nonce by the same node); docs/api.md says to route
 * an address's sends to one node or to pass nonces.
 */
export class NonceTracker {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #next = new Map<string, bigint>();

  /**
   * Runs `send(nonce)` under the address's lock. `pendingCount` asks the node for
   * eth_getTransactionCount(address, 'pending').
   */
  async withNextNonce<T>(address: string, pendingCount: () => Promise<bigint>, send: (nonce: bigint) => Promise<T>): Promise<T> {
    const key = address.toLowerCase();
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      const fromNode = await pendingCount();
      const local = this.#next.get(key);
      const nonce = local !== undefined && local > fromNode ? local : fromNode;
      try {
        const result = await send(nonce);
        this.#next.set(key, nonce + 1n);
        return result;
      } catch (err) {
        this.#next.delete(key);
        throw err;
      }
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
