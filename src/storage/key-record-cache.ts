/**
 * A read-through cache of key records in front of any Store: the sign path reads a key's record on
 * every request, and most of those reads hit the same few keys. Entries live at most `ttlMs`;
 * every key mutation made through this Store clears the cache at once, so on this node a change
 * (disable, delete, rotate, alias) is seen immediately and on other nodes within `ttlMs`.
 * Only found records are cached (a key created elsewhere is visible at once).
 *
 * Transaction rules are cached the same way, absent ones included (most keys have none, and the
 * digest-sign path asks on every request whether blind signing is forbidden): a rules change made
 * through this Store clears them at once, one made on another node is seen within `ttlMs`. Spend
 * reservations and approvals are never cached: they are decided inside the database.
 *
 * Wallet records are cached by id the same way: the authorizer reads a derived key's wallet for its
 * name when a policy names keys by wallet name (`key:wallet/name/<name>/<path>`), which would
 * otherwise be one read per signature. Wallet names never change (there is no rename); the sealed
 * seed changes only on a keyring re-wrap, made through replaceWalletSeed, which clears the cache —
 * and a seed cached on another node stays decryptable, since a keyring keeps its older terms.
 */
import type { KeyRecord, RulesScope, Store, TransactionRulesRecord, WalletRecord } from './types.js';

export const KEY_RECORD_CACHE_MS = 1000;

export function withKeyRecordCache(store: Store, ttlMs = KEY_RECORD_CACHE_MS, maxEntries = 10_000): Store {
  const entries = new Map<string, { record: KeyRecord; at: number }>();
  // Bumped by every local write: a read that started before a write must not cache what it read
  // after the write cleared the cache (it may be the old value).
  let generation = 0;
  const clear = (): void => {
    generation++;
    entries.clear();
  };
  const cached = (kind: string, lookup: (ref: string) => Promise<KeyRecord | undefined>) => async (ref: string): Promise<KeyRecord | undefined> => {
    const k = kind + ref;
    const now = Date.now();
    const hit = entries.get(k);
    if (hit !== undefined && now - hit.at <= ttlMs) return hit.record;
    const started = generation;
    const record = await lookup(ref);
    if (record !== undefined && started === generation) {
      if (entries.size >= maxEntries) clear();
      entries.set(k, { record, at: now });
    }
    return record;
  };
  const invalidating = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } finally {
      clear();
    }
  };
  const rules = new Map<string, { record: TransactionRulesRecord | undefined; at: number }>();
  let rulesGeneration = 0;
  const clearRules = (): void => {
    rulesGeneration++;
    rules.clear();
  };
  const rulesKey = (scope: RulesScope, id: string): string => `${scope}:${id}`;
  const wallets = new Map<string, { record: WalletRecord; at: number }>();
  let walletsGeneration = 0;
  const clearWallets = (): void => {
    walletsGeneration++;
    wallets.clear();
  };
  return {
    ...store,
    async getWallet(id) {
      const now = Date.now();
      const hit = wallets.get(id);
      if (hit !== undefined && now - hit.at <= ttlMs) return hit.record;
      const started = walletsGeneration;
      const record = await store.getWallet(id);
      if (record !== undefined && started === walletsGeneration) {
        if (wallets.size >= maxEntries) wallets.clear();
        wallets.set(id, { record, at: now });
      }
      return record;
    },
    async createWallet(wallet) {
      try {
        await store.createWallet(wallet);
      } finally {
        clearWallets();
      }
    },
    async replaceWalletSeed(id, expected, next) {
      try {
        return await store.replaceWalletSeed(id, expected, next);
      } finally {
        clearWallets();
      }
    },
    async getTransactionRules(scope, scopeId) {
      const k = rulesKey(scope, scopeId);
      const now = Date.now();
      const hit = rules.get(k);
      if (hit !== undefined && now - hit.at <= ttlMs) return hit.record;
      const started = rulesGeneration;
      const record = await store.getTransactionRules(scope, scopeId);
      if (started === rulesGeneration) {
        if (rules.size >= maxEntries) rules.clear();
        rules.set(k, { record, at: now });
      }
      return record;
    },
    async putTransactionRules(record) {
      try {
        await store.putTransactionRules(record);
      } finally {
        clearRules();
      }
    },
    async deleteTransactionRules(scope, scopeId) {
      try {
        return await store.deleteTransactionRules(scope, scopeId);
      } finally {
        clearRules();
      }
    },
    getKey: cached('id:', (r) => store.getKey(r)),
    getKeyByName: cached('name:', (r) => store.getKeyByName(r)),
    getKeyByAlias: cached('alias:', (r) => store.getKeyByAlias(r)),
    createKey: invalidating((k, v) => store.createKey(k, v)),
    backfillEthereumAddresses: invalidating((compute) => store.backfillEthereumAddresses(compute)),
    updateKey: invalidating((id, p, s) => store.updateKey(id, p, s)),
    addKeyVersion: invalidating((v, n) => store.addKeyVersion(v, n)),
    destroyKeyMaterial: invalidating((id, now) => store.destroyKeyMaterial(id, now)),
    addKeyAlias: invalidating((id, a, at) => store.addKeyAlias(id, a, at)),
    removeKeyAlias: invalidating((id, a) => store.removeKeyAlias(id, a)),
    // Derived keys are read by (wallet, path) only when deriving, which must see the store itself.
    getKeyByWalletPath: (w, p) => store.getKeyByWalletPath(w, p),
  };
}
