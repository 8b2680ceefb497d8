/**
 * A route: method, URL, schemas and a thin handler (validate → call one service → return).
 * Authentication and the sealed check run once, in http/app.ts, from the `auth` and
 * `requiresUnsealed` flags — never inside handlers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, ServiceContext } from '../service/shared/context.js';
import type { Action } from '../policy/actions.js';
import type { Resource } from '../policy/types.js';
import type { Services } from './services.js';
import type { JsonSchema } from './schemas.js';
import { keyResource } from '../service/shared/resolve-key.js';
import type { HeldTransaction, RequestContext } from '../service/shared/transaction-guard.js';
import { walletResource } from '../service/shared/resolve-wallet.js';
import type { ServiceKey } from '../service/shared/resolve-key.js';
import type { ServiceWallet } from '../service/shared/resolve-wallet.js';
import type { AuditDecision } from '../audit/record.js';

export interface RouteSchema {
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  /** the success response (status → schema); errors are always problem+json */
  response: Record<number, JsonSchema>;
}

export interface RouteContext {
  services: Services;
  principal: Principal | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
  /** records the transaction-rules decision in this request's audit record */
  decide(decision: AuditDecision): void;
}

/**
 * The body of a transaction-signing handler: runs `sign` with the caller as the requester (for
 * approvals and the audit decision) and answers 202 when the key's transaction rules hold it.
 */
export async function signOrHold<T extends object>(rc: RouteContext, sign: (requester: RequestContext | undefined) => Promise<T | HeldTransaction>): Promise<T | HeldTransaction> {
  const { principal, request, reply, decide } = rc;
  const result = await sign(principal === undefined ? undefined : { subject: principal.subject, accessor: principal.accessor, requestId: request.id, decide });
  if ('approvalId' in result) reply.status(202);
  return result;
}

export interface RouteInput {
  /** the key record the resource resolver found, so the handler does not look it up again */
  resolvedKey?: ServiceKey;
  /** likewise the wallet record, for wallet routes */
  resolvedWallet?: ServiceWallet;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  params: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query: any;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  operationId: string;
  summary: string;
  tags: string[];
  auth: 'none' | 'token';
  requiresUnsealed: boolean;
  /** the policy action checked before the handler runs; null = any valid token (or none) may call it */
  action: Action | null;
  /** what the action applies to; defaults to the resource kind implied by the action's prefix */
  resource?: (ctx: ServiceContext, input: RouteInput) => Promise<Resource> | Resource;
  /**
   * Cross-key batches (http/batch.ts): no route-level authorization — each item names its key and is
   * authorized on it by runBatch, which the handler must call. The route's `action` is what each item needs.
   */
  authorizeItems?: boolean;
  /** body fields whose values are sensitive: the audit record holds only their HMAC */
  sensitive?: readonly string[];
  successStatus: number;
  schema: RouteSchema;
  handler(ctx: RouteContext, input: RouteInput): Promise<unknown>;
}

export function defineRoute(route: Route): Route {
  return route;
}

/**
 * A key route: authenticated, refused while sealed, tagged `keys`, 200 unless said otherwise, and
 * by default authorized against the key named by the `id` path parameter.
 */
export function defineKeyRoute(route: Omit<Route, 'tags' | 'auth' | 'requiresUnsealed' | 'successStatus' | 'action'> & { successStatus?: number; action: Action }): Route {
  const handler = route.handler;
  return {
    tags: ['keys'],
    auth: 'token',
    requiresUnsealed: true,
    successStatus: 200,
    resource: async (ctx, input) => {
      const { resource, record } = await keyResource(ctx, input.params.id as string);
      if (record !== undefined) input.resolvedKey = record;
      return resource;
    },
    ...route,
    // Hand the record found during authorization to the service instead of the reference string.
    handler: (rc, input) => handler(rc, input.resolvedKey === undefined ? input : { ...input, params: { ...input.params, id: input.resolvedKey } }),
  };
}

/**
 * A wallet route: authenticated, refused while sealed, tagged `wallets`, and (when the URL has an
 * `id`) authorized against the wallet it names, whose record is handed to the handler.
 */
export function defineWalletRoute(route: Omit<Route, 'tags' | 'auth' | 'requiresUnsealed' | 'successStatus' | 'action'> & { successStatus?: number; action: Action }): Route {
  const handler = route.handler;
  return {
    tags: ['wallets'],
    auth: 'token',
    requiresUnsealed: true,
    successStatus: 200,
    resource: async (ctx, input) => {
      const { resource, record } = await walletResource(ctx, input.params.id as string);
      if (record !== undefined) input.resolvedWallet = record;
      return resource;
    },
    ...route,
    handler: (rc, input) => handler(rc, input.resolvedWallet === undefined ? input : { ...input, params: { ...input.params, id: input.resolvedWallet } }),
  };
}
