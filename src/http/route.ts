/**
 * A route: method, URL, schemas and a thin handler (validate → call one service → return).
 * Authentication and the sealed check run once, in http/app.ts, from the `auth` and
 * `requiresUnsealed` flags — never inside handlers.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../service/context.js';
import type { Services } from './services.js';
import type { JsonSchema } from './schemas.js';

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
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  operationId: string;
  summary: string;
  tags: string[];
  auth: 'none' | 'token';
  requiresUnsealed: boolean;
  successStatus: number;
  schema: RouteSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler(ctx: RouteContext, input: { body: any; params: any; query: any }): Promise<unknown>;
}

export function defineRoute(route: Route): Route {
  return route;
}

/** A key route: authenticated, refused while sealed, tagged `keys`; 200 unless said otherwise. */
export function defineKeyRoute(route: Omit<Route, 'tags' | 'auth' | 'requiresUnsealed' | 'successStatus'> & { successStatus?: number }): Route {
  return { tags: ['keys'], auth: 'token', requiresUnsealed: true, successStatus: 200, ...route };
}
