/**
 * The AWS KMS-compatible endpoint (AWS JSON 1.1 protocol): `POST /` with
 * `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target: TrentService.<Operation>`, on the
 * main listener, so unmodified AWS SDKs and the AWS CLI work with `endpoint` / `--endpoint-url`.
 *
 * One Fastify route, dispatching by operation (src/aws/operations/, one file per operation).
 * Per request, in order: operation lookup and the sealed check (onRequest, before the body is read);
 * SigV4 verification over the raw body (the body must be read to check its hash); JSON parsing;
 * authorization of the operation's Strongbox action on the key it names, through the same
 * `authorize()` as the HTTP API; the operation. The app-wide onSend hook writes exactly one audit
 * record per request, naming `aws.<Operation>` (request.route is set to a synthetic route) — or, for a
 * source past its unauthenticated budget, counts it into that source's aggregate record. A failed SigV4
 * check counts against its source like a failed bearer token, and a source that failed too often gets
 * ThrottlingException (with Retry-After) before its signature is even computed (http/source-throttle.ts).
 * Errors are `{"__type", "message"}`, mapped from Strongbox codes by one table (errors.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StrongboxError } from '../protocol/errors.js';
import { parseClientJson } from '../protocol/json.js';
import type { Route } from '../http/route.js';
import type { Services } from '../http/services.js';
import { toStrongboxError } from '../http/problem.js';
import { authorize, describeResource } from '../service/access/authorize.js';
import { keyResource } from '../service/shared/resolve-key.js';
import { openAwsCredential } from '../service/access/aws-credentials.js';
import type { Action } from '../policy/actions.js';
import type { Principal } from '../service/shared/context.js';
import type { ServiceKey } from '../service/shared/resolve-key.js';
import { AwsError, toAwsError } from './errors.js';
import type { AwsInput, AwsOperation } from './operation.js';
import { operationsByName } from './operations/index.js';
import { SigV4Error, verifySigV4 } from './sigv4.js';

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const MAX_AWS_BODY_BYTES = 64 * 1024;

/** The synthetic route the audit hook reads: operation `aws.<Name>`, its action and sensitive fields. */
function auditRoute(op: AwsOperation | undefined): Route {
  return {
    method: 'POST',
    url: '/',
    operationId: `aws.${op?.name ?? 'unknown'}`,
    summary: 'AWS KMS-compatible endpoint',
    tags: ['aws'],
    auth: 'none',
    requiresUnsealed: true,
    action: op?.action ?? null,
    ...(op?.sensitive ? { sensitive: op.sensitive } : {}),
    successStatus: 200,
    schema: { response: {} },
    handler: () => Promise.reject(new Error('not called')),
  };
}

const sigV4Errors: Record<SigV4Error['failure'], string> = {
  missing: 'MissingAuthenticationTokenException',
  malformed: 'IncompleteSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  // AWS answers a deleted or inactive access key exactly like an unknown one.
  revoked: 'UnrecognizedClientException',
  'credential-expired': 'ExpiredTokenException',
  expired: 'InvalidSignatureException',
  mismatch: 'InvalidSignatureException',
};

function operationOf(request: FastifyRequest): AwsOperation | undefined {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return undefined;
  return operationsByName.get(target.slice(TARGET_PREFIX.length));
}

export function registerAwsEndpoint(app: FastifyInstance, services: Services): void {
  const { ctx } = services;
  const routes = new Map<AwsOperation | undefined, Route>();
  const routeOf = (op: AwsOperation | undefined): Route => {
    let r = routes.get(op);
    if (r === undefined) routes.set(op, (r = auditRoute(op)));
    return r;
  };

  // Encapsulated: the AWS content type is parsed (as raw bytes, for SigV4) only on this route.
  app.register(async (scope) => {
    scope.addContentTypeParser(AWS_JSON_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: MAX_AWS_BODY_BYTES }, (_request, body, done) => done(null, body));
    scope.route({
      method: 'POST',
      url: '/',
      onRequest: async (request) => {
        const op = operationOf(request);
        request.route = routeOf(op);
        const waitMs = services.throttle.retryAfterMs(request.ip);
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          throw new StrongboxError('AUTH_THROTTLED', `too many failed authentications from this address; retry after ${seconds} s`, { retryAfterSeconds: seconds });
        }
        const contentType = request.headers['content-type'];
        if (typeof contentType !== 'string' || !contentType.toLowerCase().startsWith(AWS_JSON_CONTENT_TYPE)) {
          throw new AwsError('UnsupportedMediaTypeException', `POST / is the AWS KMS endpoint: send Content-Type: ${AWS_JSON_CONTENT_TYPE}`, 'UNSUPPORTED_MEDIA_TYPE');
        }
        if (op === undefined) throw new AwsError('UnknownOperationException', `unknown or unsupported X-Amz-Target ${JSON.stringify(String(request.headers['x-amz-target'] ?? '').slice(0, 100))}`, 'ROUTE_NOT_FOUND');
        if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
      },
      errorHandler: (err, request, reply) => {
        let type: string;
        let status: number;
        let message: string;
        if (err instanceof AwsError) {
          ({ type, status, message } = err);
          request.errorCode = err.code;
        } else if (err instanceof SigV4Error) {
          type = sigV4Errors[err.failure];
          status = 400;
          message = err.message;
          request.errorCode = err.failure === 'credential-expired' ? 'TOKEN_EXPIRED' : err.failure === 'revoked' ? 'TOKEN_REVOKED' : 'UNAUTHENTICATED';
          request.auditReason = `sigv4: ${err.failure}`;
          services.throttle.failed(request.ip);
        } else {
          const error = toStrongboxError(err);
          ({ type, status } = toAwsError(error));
          message = error.status >= 500 ? `internal error, quote request id ${request.id}` : error.message;
          if (error.status >= 500) request.log.error({ code: error.code, err: error.cause ?? err }, 'request failed');
          request.errorCode = error.code;
          if (error.reason !== undefined) request.auditReason = error.reason;
          if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
        }
        void reply.status(status).type(AWS_JSON_CONTENT_TYPE).header('x-amzn-requestid', request.id).header('x-amzn-errortype', type);
        if (status === 503) void reply.header('retry-after', '5');
        return reply.send(JSON.stringify({ __type: type, message }));
      },
      handler: async (request, reply) => {
        const op = operationOf(request)!;
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const { auth, value: credential } = await verifySigV4<{ principal: Principal; expired: boolean; expiresAt: string | null }>(
          { method: request.method, url: request.raw.url ?? '/', rawHeaders: request.raw.rawHeaders, body: raw },
          {
            service: 'kms',
            nowMs: ctx.now().getTime(),
            secretOf: async (accessKeyId) => {
              const found = await openAwsCredential(ctx, accessKeyId);
              if (found.status === 'unknown') return undefined;
              // Same answer as an unknown key: no oracle for which ids once existed.
              if (found.status === 'revoked') throw new SigV4Error('revoked', 'The security token included in the request is invalid.');
              return { secret: found.secretAccessKey, value: { principal: found.principal, expired: found.status === 'expired', expiresAt: found.expiresAt } };
            },
          },
        );
        // Only after the signature checked out: only the credential's holder learns that it expired.
        if (credential.expired) throw new SigV4Error('credential-expired', 'The security token included in the request is expired');
        const principal = credential.principal;
        request.principal = principal;
        let input: unknown;
        try {
          input = raw.length === 0 ? {} : parseClientJson(raw.toString('utf8'));
        } catch (err) {
          // Too deep (SerializationException) or a lone surrogate (ValidationException): the message names the member.
          if (err instanceof StrongboxError && err.code !== 'INVALID_JSON') throw err;
          throw new AwsError('SerializationException', 'the request body is not valid JSON', 'INVALID_JSON');
        }
        if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AwsError('SerializationException', 'the request body must be a JSON object', 'INVALID_JSON');
        // The audit hook HMACs the operation's sensitive fields from the parsed body.
        request.body = input;

        const resources: string[] = [];
        const authorizeKey = async (action: Action, keyRef: string): Promise<ServiceKey> => {
          const { resource, record } = await keyResource(ctx, keyRef);
          resources.push(describeResource(resource));
          request.auditResource = resources.join(' ');
          request.auditReason = (await authorize(ctx, principal, action, resource, request.ip)).reason;
          if (record === undefined) throw new StrongboxError('KEY_NOT_FOUND', `Key '${keyRef.slice(0, 256)}' does not exist`);
          return record;
        };
        let key: ServiceKey | undefined;
        if (op.action !== null) {
          const keyRef = op.keyRef?.(input as AwsInput);
          if (keyRef !== undefined) key = await authorizeKey(op.action, keyRef);
          else {
            const resource = { kind: 'keys' } as const;
            request.auditResource = describeResource(resource);
            request.auditReason = (await authorize(ctx, principal, op.action, resource, request.ip)).reason;
          }
        }
        const result = await op.run({ ctx, principal, region: auth.region, authorizeKey }, input as AwsInput, key);
        void reply.status(200).type(AWS_JSON_CONTENT_TYPE).header('x-amzn-requestid', request.id);
        return JSON.stringify(result);
      },
    });
  });
}
