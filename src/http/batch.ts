/**
 * Batches (issue 20): one request carrying up to MAX_BATCH_ITEMS sign, verify, encrypt or decrypt
 * items, each one treated as the single route would treat it — authorized on its own key, charged
 * against the token's limits (item 0 rides on the request's own charge, every further item takes one
 * more unit: limits count items, not requests), run through the same service function, and audited
 * in its own record (request id `<request id>#<i>`, the item's sensitive fields as HMACs). The item
 * records are handed to the onSend hook (http/app.ts), which appends them together with the
 * request's own record, so all of them join the same group commit and are durable before any result
 * is released. A bad or refused item answers its own problem (field `batch.<i>.<field>`) and does not
 * fail the others; the envelope itself (an array of objects of the right shape) is checked by the
 * route's JSON schema, so a malformed envelope fails the whole request with 400.
 */
import { StrongboxError } from '../protocol/errors.js';
import type { BatchItemResult, BatchResponse } from '../protocol/batch.js';
import type { Action } from '../policy/actions.js';
import type { Resource } from '../policy/types.js';
import { auditInputs } from '../audit/inputs.js';
import type { AuditFields } from '../audit/record.js';
import { authorize, describeResource } from '../service/access/authorize.js';
import { keyRecordResource, keyResource, type KeyRef } from '../service/shared/resolve-key.js';
import { toProblem, toStrongboxError } from './problem.js';
import type { RouteContext } from './route.js';
import { object, problem, type JsonSchema } from './schemas.js';
import { MAX_BATCH_ITEMS } from '../protocol/batch.js';

/** The `batch` member: 1 to MAX_BATCH_ITEMS objects of the single form's fields (unknown fields refused). */
export function batchItems(properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS, items: object(properties, required), description: `up to ${MAX_BATCH_ITEMS} items, each answered in order in results` };
}

/** `{ results: [...] }`: each item's result (the single route's fields) or its `error` (problem+json). */
export function batchResponse(itemProperties: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    required: ['results'],
    properties: { results: { type: 'array', items: { type: 'object', properties: { ...itemProperties, error: problem }, description: "the item's result, or its problem as `error`" } } },
  };
}

/** A route answering either the single form or a batch. */
export function singleOrBatch(single: JsonSchema, itemProperties: Record<string, JsonSchema>): JsonSchema {
  return { anyOf: [single, batchResponse(itemProperties)] };
}

export interface BatchSpec<T> {
  /** the policy action each item is authorized for (the route's action) */
  action: Action;
  /** item fields whose values the item's audit record holds only as HMACs */
  sensitive: readonly string[];
  /** the key an item names: the route's key (per-key route) or the item's `key` (cross-key route) */
  keyOf(item: Record<string, unknown>): KeyRef;
  /** runs one item through the single route's service call */
  run(key: KeyRef, item: Record<string, unknown>): Promise<T>;
}

/** The problem an item answers: the field is named within the batch. */
function itemProblem(error: StrongboxError, requestId: string, index: number): BatchItemResult<never> {
  const problem = toProblem(error, requestId);
  problem.field = error.field === undefined ? `batch.${index}` : `batch.${index}.${error.field}`;
  return { error: problem };
}

/**
 * Refuses a body that mixes `batch` with the single form's fields (INVALID_ARGUMENT naming the field):
 * one request is either one operation or a batch of them.
 */
export function assertBatchAlone(body: Record<string, unknown>): void {
  for (const field of Object.keys(body)) {
    if (field !== 'batch') throw new StrongboxError('INVALID_ARGUMENT', `${field} is not allowed beside batch: give each item its own fields`, { field });
  }
}

/** Throws INVALID_ARGUMENT naming `field` when the single form omits a field its schema used to require. */
export function assertPresent(body: Record<string, unknown>, field: string): void {
  if (body[field] === undefined) throw new StrongboxError('INVALID_ARGUMENT', `${field} is required (or give batch)`, { field });
}

export async function runBatch<T>(rc: RouteContext, items: readonly Record<string, unknown>[], spec: BatchSpec<T>): Promise<BatchResponse<T>> {
  const { services, principal, request } = rc;
  const { ctx } = services;
  if (principal === undefined) throw new StrongboxError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  const auditKeys = ctx.auditKeys();
  const operation = request.route?.operationId ?? 'unknown';
  const records: AuditFields[] = [];
  const pending: Promise<BatchItemResult<T>>[] = [];

  const recordOf = (index: number, resource: string | null, item: Record<string, unknown>, error: StrongboxError | undefined, reason: string | null): AuditFields => {
    const category = error?.category;
    const denied = category === 'PERMISSION_DENIED' || category === 'UNAUTHENTICATED';
    return {
      requestId: `${request.id}#${index}`,
      interface: 'http',
      operation,
      action: spec.action,
      resource,
      principal: principal.accessor,
      clientIp: request.ip ?? null,
      outcome: error === undefined ? 'success' : denied ? 'denied' : 'error',
      status: error === undefined ? 200 : error.status,
      code: error?.code ?? null,
      reason: error === undefined ? reason : (error.reason ?? (denied ? `${error.code}: ${error.message}` : reason)),
      inputs: auditInputs(auditKeys, spec.sensitive, item),
    };
  };
  const fail = (index: number, resource: string | null, item: Record<string, unknown>, err: unknown, reason: string | null): BatchItemResult<T> => {
    const error = toStrongboxError(err);
    if (error.status >= 500) request.log.error({ code: error.code, item: index, err: error.cause ?? err }, 'batch item failed');
    records[index] = recordOf(index, resource, item, error, reason);
    return itemProblem(error, `${request.id}#${index}`, index);
  };

  // In order: each item is charged and authorized before the next one is, so a token's last uses go to
  // the first items. The service calls themselves run concurrently (the signing pool batches them).
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let resourceName: string | null = null;
    let reason: string | null = null;
    try {
      if (i > 0) await services.auth.charge(principal);
      const ref = spec.keyOf(item);
      let resource: Resource;
      let key: KeyRef = ref;
      if (typeof ref === 'string') {
        const found = await keyResource(ctx, ref);
        resource = found.resource;
        if (found.record !== undefined) key = found.record;
      } else {
        resource = keyRecordResource(ref);
      }
      resourceName = describeResource(resource);
      reason = (await authorize(ctx, principal, spec.action, resource, request.ip)).reason;
      const name = resourceName;
      const why = reason;
      const index = i;
      pending.push(
        spec.run(key, item).then(
          (value) => {
            records[index] = recordOf(index, name, item, undefined, why);
            return value as BatchItemResult<T>;
          },
          (err: unknown) => fail(index, name, item, err, why),
        ),
      );
    } catch (err) {
      pending.push(Promise.resolve(fail(i, resourceName, item, err, reason)));
    }
  }
  const results = await Promise.all(pending);
  request.auditItems = records;
  return { results };
}
