/**
 * A Store decorator that counts failed storage operations by name and times audit writes (the
 * group-committed batches): it wraps every method of any Store, so both backends are measured the
 * same way, and changes no behaviour (errors are counted and rethrown unchanged).
 */
import type { Store } from '../storage/types.js';
import type { Metrics } from './metrics.js';

export function withStoreMetrics(store: Store, metrics: Metrics): Store {
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(store) as (keyof Store)[]) {
    const member = store[name];
    if (typeof member !== 'function') {
      wrapped[name] = member;
      continue;
    }
    const fn = member as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]): Promise<unknown> => {
      const started = name === 'appendAudit' ? process.hrtime.bigint() : 0n;
      try {
        const result = await fn.apply(store, args);
        if (name === 'appendAudit') {
          metrics.auditWriteDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
          // appendAudit returns the rows it wrote (one group-committed batch).
          if (Array.isArray(result)) metrics.auditBatchSize.observe(result.length);
        }
        return result;
      } catch (err) {
        metrics.storageErrors.inc({ op: name });
        throw err;
      }
    };
  }
  return wrapped as unknown as Store;
}
