/**
 * Builds the Fastify application apart from `listen`, so tests drive it with `inject`.
 * Cross-cutting concerns live here, once: request ids, authentication, the sealed check,
 * problem+json errors, and one structured log line per request (never headers or bodies).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { StrongboxError, errorCodes, isErrorCode } from '../protocol/errors.js';
import type { Principal } from '../service/shared/context.js';
import { assertJsonDepth, assertWellFormedStrings } from '../protocol/json.js';
import { auditInputs } from '../audit/inputs.js';
import type { AuditDecision, AuditFields, AuditOutcome } from '../audit/record.js';
import type { Action } from '../policy/actions.js';
import type { Resource } from '../policy/types.js';
import { authorize, describeResource } from '../service/access/authorize.js';
import { registerAwsEndpoint } from '../aws/endpoint.js';
import { certificatePrincipal } from '../service/access/certificate-principal.js';
import { checkSignedBody, checkSignedRequest, signedRequestRequirement, type SignedRequestResult } from '../service/access/signed-requests.js';
import { CallerMismatchError } from '../service/access/caller-binding.js';
import { createCallerMeasurer } from '../service/access/caller-measurement.js';

function defaultResource(action: Action): Resource {
  const prefix = action.slice(0, action.indexOf(':'));
  switch (prefix) {
    case 'keys':
      return { kind: 'keys' };
    case 'wallets':
      return { kind: 'wallets' };
    case 'audit':
      return { kind: 'audit' };
    case 'tokens':
      return { kind: 'token' };
    default:
      return { kind: 'sys' };
  }
}
import { buildOpenApi } from './openapi.js';
import { toProblem, toStrongboxError } from './problem.js';
import type { Route, RouteInput } from './route.js';
import { routes as defaultRoutes } from './routes/index.js';
import type { Services } from './services.js';
import { TLS_CIPHERS } from '../tls-policy.js';
import { registerUi } from './ui.js';

/** The longest path parameter the router matches (ids, key names and aliases are at most 128 characters). */
const MAX_PATH_PARAM = 256;

export const MAX_BODY_BYTES = 1024 * 1024;

/** Sent on every response of a TLS listener: browsers (the web console) keep to HTTPS for a year. */
export const HSTS_HEADER = 'max-age=31536000';

export interface HttpAppOptions {
  services: Services;
  /** structured JSON log lines (pino, through Fastify); false disables logging */
  logger: { level: string; stream?: Writable } | false;
  routes?: readonly Route[];
  /** HTTPS; with `clientCa`, client certificates signed by it and named in `clientMap` authenticate */
  tls?: { cert: string; key: string; clientCa?: string; clientMap?: Readonly<Record<string, string[]>> };
  /** the Unix-socket listener: measure each request's calling process (docs/attestation.md) */
  measureCallers?: boolean;
  /** serve the web console's static files at /ui/ (src/http/ui.ts); a directory other than dist/ui for tests */
  ui?: boolean | { dir: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
    errorCode: string | undefined;
    route: Route | undefined;
    auditResource: string | undefined;
    auditReason: string | undefined;
    /** what transaction rules decided for this request (set by the handler through RouteContext.decide) */
    auditDecision: AuditDecision | undefined;
    input: RouteInput | undefined;
    /** the response was counted into its source's aggregate audit record instead of getting its own (source-throttle.ts) */
    auditAggregated: boolean;
    /** a verified RFC 9421 signature whose Content-Digest the raw body must still match (set in onRequest) */
    signedRequest: SignedRequestResult | undefined;
    /** a batch's per-item audit records (http/batch.ts), appended by onSend in the same group as the request's own */
    auditItems: AuditFields[] | undefined;
  }
}

/** One input object per request, shared by the resource resolver and the handler (which may memoize on it). */
function routeInput(request: FastifyRequest): RouteInput {
  request.input ??= { body: request.body ?? {}, params: request.params, query: request.query ?? {} };
  return request.input;
}

function outcomeOf(status: number, code: string | undefined): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  // The AWS endpoint answers denials with 400 (AccessDeniedException, signature errors): go by the code.
  const category = isErrorCode(code) ? errorCodes[code].category : undefined;
  return category === 'PERMISSION_DENIED' || category === 'UNAUTHENTICATED' ? 'denied' : 'error';
}

/** The Strongbox error for what Node's HTTP parser refused before any request existed ('clientError'). */
function clientErrorOf(code: string | undefined): StrongboxError {
  if (code === 'HPE_HEADER_OVERFLOW') return new StrongboxError('HEADERS_TOO_LARGE', `the request line and headers exceed ${maxHeaderSize} bytes`);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new StrongboxError('REQUEST_TIMEOUT', 'the request headers and body were not received in time');
  return new StrongboxError('MALFORMED_REQUEST', `the HTTP request could not be parsed${code === undefined ? '' : ` (${code})`}`);
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { services } = options;
  const { ctx } = services;
  const routes = options.routes ?? defaultRoutes;
  const tls = options.tls;

  /**
   * The answer to a request that reaches no route, hook or error handler (a URL the router cannot
   * decode; bytes Node's HTTP parser refused): its audit record is made durable first, as for every
   * response, then it is problem+json with a request id — or 503 AUDIT_UNAVAILABLE if it cannot be.
   */
  async function answerUnrouted(requestId: string, clientIp: string | null, error: StrongboxError): Promise<{ status: number; body: string }> {
    try {
      await ctx.audit.append({
        requestId,
        interface: 'http',
        operation: 'unknown',
        action: null,
        resource: null,
        principal: null,
        clientIp,
        outcome: outcomeOf(error.status, error.code),
        status: error.status,
        code: error.code,
        reason: null,
        inputs: null,
      });
      app.log.info({ reqId: requestId, status: error.status, code: error.code }, 'request refused before routing');
      return { status: error.status, body: JSON.stringify(toProblem(error, requestId)) };
    } catch (err) {
      const failure = toStrongboxError(err);
      app.log.error({ reqId: requestId, code: failure.code, err: failure.cause ?? err }, 'audit write failed; response withheld');
      return { status: failure.status, body: JSON.stringify(toProblem(failure, requestId)) };
    }
  }

  const app = Fastify({
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2' as const,
            ciphers: TLS_CIPHERS,
            honorCipherOrder: true,
            // Ask for a client certificate but let requests without one fall back to bearer tokens.
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
          },
        }
      : {}),
    logger: options.logger === false ? false : { ...options.logger, redact: ['req.headers.authorization'] },
    disableRequestLogging: true,
    bodyLimit: MAX_BODY_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // Above the longest id or name a path names (key names and aliases: 128 characters); a longer one is refused before routing.
    routerOptions: { maxParamLength: MAX_PATH_PARAM },
    // Our own onRequest hook answers during shutdown, so the 503 is a problem+json SHUTTING_DOWN.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // %zz, a lone % or %ff%fe in the path: the router cannot decode it, so no route (nor its hooks) runs.
    frameworkErrors: (error, request, reply) => {
      // A path parameter over MAX_PATH_PARAM characters (no id or name is that long) is refused before routing too.
      const refusal =
        error.code === 'FST_ERR_BAD_URL'
          ? new StrongboxError('MALFORMED_URL', 'the URL has malformed percent-encoding (such as %zz, a lone %, or escapes that are not UTF-8)', { field: 'url' })
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? new StrongboxError('INVALID_ARGUMENT', `a path parameter of the URL is longer than ${MAX_PATH_PARAM} characters (no id or name is that long)`, { field: 'url' })
            : toStrongboxError(error);
      void answerUnrouted(request.id, request.ip ?? null, refusal).then(({ status, body }) => {
        if (status === 503) void reply.header('retry-after', '5');
        void (reply as FastifyReply).status(status).header('x-request-id', request.id).header('cache-control', 'no-store').type('application/problem+json; charset=utf-8').send(body);
      });
    },
    // Refused by Node's HTTP parser before Fastify sees a request (431 for oversized headers, 400 for
    // bytes that are not HTTP, 408 for a request too slow to arrive): written to the socket by hand.
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const requestId = randomUUID();
      void answerUnrouted(requestId, socket.remoteAddress ?? null, clientErrorOf(err.code)).then(({ status, body }) => {
        if (!socket.writable) return void socket.destroy();
        const head = [
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
          'content-type: application/problem+json; charset=utf-8',
          `content-length: ${Buffer.byteLength(body)}`,
          `x-request-id: ${requestId}`,
          'cache-control: no-store',
          ...(status === 503 ? ['retry-after: 5'] : []),
          'connection: close',
        ];
        socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
      });
    },
  });
  // Only JSON bodies are accepted; anything else is 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  // JSON bodies: nesting bounded before anything parses them (JSON_TOO_DEEP naming the member), then
  // Fastify's own parser (which refuses __proto__ and constructor.prototype members), then strings
  // checked for lone surrogates (INVALID_ARGUMENT naming the field). See src/protocol/json.ts.
  const parseJsonBody = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Raw bytes first: a signed request's Content-Digest (RFC 9530) is checked over exactly the bytes
  // received, before anything parses them. Decoding as UTF-8 afterwards is what parseAs 'string' did.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    let text: string;
    try {
      if (request.signedRequest !== undefined) checkSignedBody(request.signedRequest, raw);
      text = raw.toString('utf8');
      assertJsonDepth(text);
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseJsonBody(request, text, (err, value) => {
      if (err) return done(err, undefined);
      try {
        assertWellFormedStrings(value, text);
      } catch (e) {
        return done(e as Error, undefined);
      }
      done(null, value);
    });
  });
  app.decorateRequest('principal', undefined);
  app.decorateRequest('errorCode', undefined);
  app.decorateRequest('route', undefined);
  app.decorateRequest('auditResource', undefined);
  app.decorateRequest('auditReason', undefined);
  app.decorateRequest('auditDecision', undefined);
  app.decorateRequest('input', undefined);
  app.decorateRequest('auditAggregated', false);
  app.decorateRequest('signedRequest', undefined);
  app.decorateRequest('auditItems', undefined);

  // Fail closed: every response — success, error, denial, unknown route — waits until its audit
  // record is durable. If it cannot be, the response becomes 503 AUDIT_UNAVAILABLE and nothing
  // (no signature, no plaintext) is released.
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    // Only the console's content-hashed assets set their own (immutable) caching; everything else is no-store.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (tls) reply.header('strict-transport-security', HSTS_HEADER);
    const route = request.route;
    // Without a valid credential, a source's responses are audited one by one only up to its budget;
    // beyond it they are counted into one aggregate record per window, so a flood cannot fill the disk.
    if (request.principal === undefined && !services.throttle.admit(request.ip, { operation: route?.operationId ?? 'unknown', status: reply.statusCode, code: request.errorCode ?? null })) {
      request.auditAggregated = true;
      return payload;
    }
    try {
      // A batch's item records (http/batch.ts) are queued in the same turn as the request's own, so
      // they join the same group commit; nothing is released until every one of them is durable.
      const items = request.auditItems;
      request.auditItems = undefined;
      const itemsDurable = items === undefined ? undefined : Promise.all(items.map((fields) => ctx.audit.append(fields)));
      const own = ctx.audit.append({
        requestId: request.id,
        interface: 'http',
        operation: route?.operationId ?? 'unknown',
        action: route?.action ?? null,
        resource: request.auditResource ?? null,
        principal: request.principal?.accessor ?? null,
        clientIp: request.ip ?? null,
        outcome: outcomeOf(reply.statusCode, request.errorCode),
        status: reply.statusCode,
        code: request.errorCode ?? null,
        reason: request.auditReason ?? null,
        inputs: auditInputs(ctx.auditKeys(), route?.sensitive, request.body),
        ...(request.auditDecision === undefined ? {} : { decision: request.auditDecision }),
      });
      if (itemsDurable !== undefined) await Promise.all([itemsDurable, own]);
      else await own;
      return payload;
    } catch (err) {
      const error = toStrongboxError(err);
      request.log.error({ code: error.code, err: error.cause ?? err }, 'audit write failed; response withheld');
      request.errorCode = error.code;
      reply.status(error.status).type('application/problem+json').header('retry-after', '5');
      return JSON.stringify(toProblem(error, request.id));
    }
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback-style hooks where nothing is awaited: no promise per request.
  app.addHook('onRequest', (_request, _reply, done) => {
    if (closing) done(new StrongboxError('SHUTTING_DOWN', 'the server is shutting down; retry on another node or after restart'));
    else done();
  });

  // Synchronous: nothing here waits, so no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    // Route templates (not URLs) as labels: a bounded set. The AWS endpoint is labelled by operation.
    const route = request.route?.url === '/' ? request.route.operationId : (request.routeOptions.url ?? 'unknown');
    const outcome = outcomeOf(reply.statusCode, request.errorCode);
    ctx.metrics.requests.inc({ route, method: request.method, outcome });
    ctx.metrics.requestDuration.observe(reply.elapsedTime / 1000, { route, outcome });
    // An aggregated response gets no log line either (the aggregate record is logged once).
    if (request.auditAggregated || !(request.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info')) return done();
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
    done();
  });

  app.setErrorHandler(async (err, request, reply) => {
    const error = toStrongboxError(err);
    if (error.status >= 500) request.log.error({ code: error.code, err: error.cause ?? err }, 'request failed');
    request.errorCode = error.code;
    const body = toProblem(error, request.id);
    // Every 503 (sealed, shutting down, storage or audit or an upstream unavailable) is worth retrying later.
    if (error.category === 'UNAVAILABLE') reply.header('retry-after', '5');
    if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
    if (error.reason !== undefined) request.auditReason = error.reason;
    else if (error.category === 'PERMISSION_DENIED') request.auditReason = `${error.code}: ${error.message}`;
    return reply.status(body.status).type('application/problem+json').send(body);
  });

  app.setNotFoundHandler(async (request) => {
    throw new StrongboxError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
  });

  /**
   * Bearer authentication behind the per-source throttle: a source that failed too often is refused
   * (429 AUTH_THROTTLED) before its token is even hashed, and every failure counts against it.
   */
  const callers = options.measureCallers ? createCallerMeasurer() : undefined;
  const authenticateThrottled = async (request: FastifyRequest): Promise<Principal> => {
    const waitMs = services.throttle.retryAfterMs(request.ip);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new StrongboxError('AUTH_THROTTLED', `too many failed authentications from this address; retry after ${seconds} s`, { retryAfterSeconds: seconds });
    }
    try {
      // Measured per request, not per connection: a process that exec()s or edits its script is seen at once.
      const caller = callers === undefined ? undefined : await callers.measure(request.raw.socket);
      return await services.auth.authenticate(request.headers.authorization, caller);
    } catch (err) {
      if (err instanceof StrongboxError && err.category === 'UNAUTHENTICATED') services.throttle.failed(request.ip);
      // A valid but bound token: its audit record names the token's accessor.
      if (err instanceof CallerMismatchError) request.principal = err.principal;
      throw err;
    }
  };

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      // onRequest runs before the body is read or validated: an unauthenticated caller learns
      // nothing about the request shape, and a sealed server does not parse bodies at all.
      onRequest: async (request) => {
        request.route = route;
        if (route.auth === 'token') {
          const fromCert = request.headers.authorization === undefined && tls?.clientMap ? certificatePrincipal(request.raw.socket, tls.clientMap) : undefined;
          request.principal = fromCert ?? (await authenticateThrottled(request));
          // RFC 9421: a principal whose policy requires signed requests is refused here, before the
          // body is read, unless an application key of its own signed this request; the body's
          // Content-Digest is then checked over the raw bytes by the JSON parser.
          const requirement = await signedRequestRequirement(ctx, request.principal);
          if (requirement !== undefined) {
            const length = request.headers['content-length'];
            const hasBody = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
            const host = (request.headers.host ?? '').toLowerCase();
            request.signedRequest = await checkSignedRequest(ctx, request.principal, { method: request.method, targetUri: `${tls ? 'https' : 'http'}://${host}${request.raw.url ?? request.url}`, headers: request.headers, hasBody }, requirement);
          }
        }
        if (route.requiresUnsealed && ctx.barrier.sealed) throw new StrongboxError('SEALED');
      },
      // A request without a body is validated as an empty object, so the error names the missing field.
      preValidation: (request, _reply, done) => {
        if (request.body === undefined && route.schema.body) request.body = {};
        done();
      },
      // Authorization needs the validated input (which key, which secret path), so it runs after
      // schema validation and before the handler — once, here, for every route.
      preHandler: async (request) => {
        if (route.action === null || route.authorizeItems === true) return;
        const input = routeInput(request);
        const resource = route.resource ? await route.resource(ctx, input) : defaultResource(route.action);
        request.auditResource = describeResource(resource);
        const decision = await authorize(ctx, request.principal!, route.action, resource, request.ip);
        request.auditReason = decision.reason;
      },
      handler: async (request, reply) => {
        const result = await route.handler({ services, principal: request.principal, request, reply, decide: (d) => void (request.auditDecision = d) }, routeInput(request));
        // A handler may answer with another 2xx (202: a transaction held for approval; 204: JSON-RPC notifications only).
        if (reply.statusCode === 200) reply.status(route.successStatus);
        return result;
      },
    });
  }

  registerAwsEndpoint(app, services);
  if (options.ui) registerUi(app, options.ui === true ? {} : options.ui);

  const openapi = buildOpenApi(routes, services.ctx.version);
  app.get('/v1/openapi.json', async () => openapi);
  return app;
}
