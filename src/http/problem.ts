/**
 * Maps any error to an RFC 9457 problem+json body through the error registry. Fastify's own
 * errors are mapped by their stable `code` (a table, not message matching); anything unknown
 * becomes a generic INTERNAL whose body says nothing but the request id.
 */
import { errorCodes, problemType, StrongboxError, type ErrorCode, type ProblemDetails } from '../protocol/errors.js';

const fastifyCodes = new Map<string, ErrorCode>([
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'BODY_TOO_LARGE'],
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'INVALID_ARGUMENT'],
  ['FST_ERR_CTP_EMPTY_JSON_BODY', 'INVALID_JSON'],
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'INVALID_JSON'],
  ['FST_ERR_BAD_URL', 'MALFORMED_URL'],
  ['FST_ERR_NOT_FOUND', 'ROUTE_NOT_FOUND'],
]);

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fromValidation(errors: AjvError[], context: string | undefined): StrongboxError {
  const e = errors[0]!;
  // A wildcard route's path parameter is called `*` internally; callers know it as the path.
  const path = context === 'params' && e.instancePath === '/*' ? 'path' : e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') {
    const field = [path, String(e.params['additionalProperty'])].filter(Boolean).join('.');
    return new StrongboxError('UNKNOWN_FIELD', `unknown field "${field}"${context === 'querystring' ? ' in the query string' : ''}`, { field });
  }
  if (e.keyword === 'required') {
    const field = [path, String(e.params['missingProperty'])].filter(Boolean).join('.');
    return new StrongboxError('INVALID_ARGUMENT', `${field} is required`, { field });
  }
  const field = path || (context === 'body' ? 'body' : context ?? 'request');
  let detail = `${field} ${e.message ?? 'is invalid'}`;
  if (e.keyword === 'enum') detail = `${field} must be one of: ${(e.params['allowedValues'] as unknown[]).join(', ')}`;
  if (e.keyword === 'pattern' && (e.params['pattern'] as string).startsWith('^0x')) detail = `${field} must be 0x-prefixed hex with an even number of digits`;
  return new StrongboxError('INVALID_ARGUMENT', detail, { field });
}

export function toStrongboxError(err: unknown): StrongboxError {
  if (err instanceof StrongboxError) return err;
  const e = err as { code?: string; validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(e.validation) && e.validation.length > 0) return fromValidation(e.validation, e.validationContext);
  const mapped = typeof e.code === 'string' ? fastifyCodes.get(e.code) : undefined;
  if (mapped !== undefined) return new StrongboxError(mapped);
  return new StrongboxError('INTERNAL', undefined, { cause: err });
}

export function toProblem(error: StrongboxError, requestId: string): ProblemDetails {
  const spec = errorCodes[error.code];
  // 5xx bodies are generic: the detail of an internal fault stays in the server log.
  const detail = error.code === 'INTERNAL' ? `internal error; quote request id ${requestId}` : error.message;
  const body: ProblemDetails = { type: problemType(error.code), title: spec.title, status: error.status, detail, code: error.code, requestId };
  if (error.field !== undefined) body.field = error.field;
  if (error.publicReason !== undefined) body.reason = error.publicReason;
  return body;
}
