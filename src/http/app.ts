/**
 * Builds the Fastify application apart from `listen`, so tests drive it with `inject`.
 * Cross-cutting concerns live here, once: request ids, authentication, the sealed check,
 * problem+json errors, and one structured log line per request (never headers or bodies).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { StrongboxError } from '../protocol/errors.js';
import type { Principal } from '../service/context.js';
import { buildOpenApi } from './openapi.js';
import { toProblem, toStrongboxError } from './problem.js';
import type { Route } from './route.js';
import { routes as defaultRoutes } from './routes/index.js';
import type { Services } from './services.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpAppOptions {
  services: Services;
  /** structured JSON log lines (pino, through Fastify); false disables logging */
  logger: { level: string; stream?: Writable } | false;
  routes?: readonly Route[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    errorCode: string | undefined;
  }
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { services } = options;
  const routes = options.routes ?? defaultRoutes;
  const app = Fastify({
    logger: options.logger === false ? false : { ...options.logger, redact: ['req.headers.authorization'] },
    disableRequestLogging: true,
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  // Only JSON bodies are accepted; anything else is 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', undefined);
  app.decorateRequest('errorCode', undefined);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
  });

  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        principal: request.principal?.accessor,
        code: request.errorCode,
      },
      'request',
    );
  });

  app.setErrorHandler(async (err, request, reply) => {
    const error = toStrongboxError(err);
    if (error.status >= 500) request.log.error({ code: error.code, err: error.cause ?? err }, 'request failed');
    request.errorCode = error.code;
    const body = toProblem(error, request.id);
    if (error.code === 'SEALED' || error.code === 'SHUTTING_DOWN') reply.header('retry-after', '5');
    return reply.status(body.status).type('application/problem+json').send(body);
  });

  app.setNotFoundHandler(async (request) => {
    throw new StrongboxError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
  });

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      // onRequest runs before the body is read or validated: an unauthenticated caller learns
      // nothing about the request shape, and a sealed server does not parse bodies at all.
      onRequest: async (request) => {
        if (route.auth === 'token') request.principal = await services.auth.authenticate(request.headers.authorization);
        if (route.requiresUnsealed && services.ctx.barrier.sealed) throw new StrongboxError('SEALED');
      },
      handler: async (request, reply) => {
        const result = await route.handler(
          { services, principal: request.principal, request },
          { body: request.body ?? {}, params: request.params, query: request.query ?? {} },
        );
        reply.status(route.successStatus);
        return result;
      },
    });
  }

  const openapi = buildOpenApi(routes, services.ctx.version);
  app.get('/v1/openapi.json', async () => openapi);
  return app;
}
