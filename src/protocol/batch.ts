/**
 * Batches on the sign, verify, encrypt and decrypt routes (issue 20): `{ batch: [item, …] }` in,
 * `{ results: [result | { error }, …] }` out, in order. A bad or refused item carries its own RFC 9457
 * problem (its `field` is `batch.<i>.<field>`, its `requestId` `<request id>#<i>`, the id of the item's
 * own audit record) and does not fail the others. Shared by the server and the SDK.
 */
import type { ProblemDetails } from './errors.js';

/** The most items one batch may hold. */
export const MAX_BATCH_ITEMS = 1000;

/** One item's answer: the single route's response, or its problem. */
export type BatchItemResult<T> = T | { error: ProblemDetails };

export interface BatchResponse<T> {
  results: BatchItemResult<T>[];
}

/** True when a batch item failed (narrows to its problem). */
export function isBatchError<T extends object>(r: BatchItemResult<T>): r is { error: ProblemDetails } {
  return 'error' in r;
}

