/**
 * The policies cache the service context holds (per node): built-in or stored policy documents by
 * name, kept for POLICY_CACHE_MS and cleared on local writes. Used by authorization.
 */
import { builtinPolicies } from '../../policy/builtin.js';
import type { PolicyDocument } from '../../policy/types.js';
import type { Store } from '../../storage/types.js';

export const POLICY_CACHE_MS = 1000;

export class PolicyCache {
  readonly #entries = new Map<string, { doc: PolicyDocument | null; at: number }>();

  async get(ctx: { store: Pick<Store, 'getPolicy'> }, name: string, nowMs: number): Promise<PolicyDocument | null> {
    const builtin = builtinPolicies[name];
    if (builtin !== undefined) return builtin;
    const hit = this.#entries.get(name);
    if (hit !== undefined && nowMs - hit.at <= POLICY_CACHE_MS) return hit.doc;
    const rec = await ctx.store.getPolicy(name);
    const doc = rec === undefined ? null : (JSON.parse(rec.document) as PolicyDocument);
    this.#entries.set(name, { doc, at: nowMs });
    return doc;
  }

  invalidate(): void {
    this.#entries.clear();
  }
}
