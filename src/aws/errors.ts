/**
 * AWS JSON 1.1 errors: `{"__type": "<Exception>", "message": "..."}`. Every Strongbox error code
 * maps to one AWS exception name through the one table below (by code, else by category), so the
 * endpoint never picks an exception from message text. Names and statuses follow the AWS KMS API
 * reference ("Errors" of each operation): client errors are 400, service errors 500/503.
 */
import { StrongboxError, errorCodes, type ErrorCategory, type ErrorCode } from '../protocol/errors.js';

export interface AwsErrorShape {
  type: string;
  status: number;
}

const e = (type: string, status = 400): AwsErrorShape => ({ type, status });

/** Strongbox error code → AWS exception. */
export const awsErrorByCode: Partial<Record<ErrorCode, AwsErrorShape>> = {
  KEY_NOT_FOUND: e('NotFoundException'),
  ALIAS_NOT_FOUND: e('NotFoundException'),
  KEY_VERSION_NOT_FOUND: e('InvalidCiphertextException'),
  KEY_VERSION_DISABLED: e('InvalidCiphertextException'),
  KEY_DISABLED: e('DisabledException'),
  KEY_PENDING_DELETION: e('KMSInvalidStateException'),
  KEY_DESTROYED: e('KMSInvalidStateException'),
  KEY_STATE_CONFLICT: e('KMSInvalidStateException'),
  KEY_NAME_TAKEN: e('AlreadyExistsException'),
  ALIAS_TAKEN: e('AlreadyExistsException'),
  UNSUPPORTED_OPERATION: e('InvalidKeyUsageException'),
  DECRYPTION_FAILED: e('InvalidCiphertextException'),
  INVALID_JSON: e('SerializationException'),
  JSON_TOO_DEEP: e('SerializationException'),
  PERMISSION_DENIED: e('AccessDeniedException'),
  ESCALATION_DENIED: e('AccessDeniedException'),
  UNAUTHENTICATED: e('UnrecognizedClientException'),
  TOKEN_EXPIRED: e('ExpiredTokenException'),
  TOKEN_REVOKED: e('UnrecognizedClientException'),
  RATE_LIMITED: e('ThrottlingException'),
  AUTH_THROTTLED: e('ThrottlingException'),
  SEALED: e('KMSInternalException', 503),
  METHOD_NOT_ALLOWED: e('UnknownOperationException'),
  ROUTE_NOT_FOUND: e('UnknownOperationException'),
};

/** Fallback by category for codes without their own entry. */
const awsErrorByCategory: Record<ErrorCategory, AwsErrorShape> = {
  INVALID_ARGUMENT: e('ValidationException'),
  UNAUTHENTICATED: e('UnrecognizedClientException'),
  PERMISSION_DENIED: e('AccessDeniedException'),
  NOT_FOUND: e('NotFoundException'),
  ALREADY_EXISTS: e('AlreadyExistsException'),
  FAILED_PRECONDITION: e('KMSInvalidStateException'),
  PAYLOAD_TOO_LARGE: e('ValidationException'),
  HEADERS_TOO_LARGE: e('ValidationException'),
  REQUEST_TIMEOUT: e('ValidationException'),
  UNSUPPORTED_MEDIA_TYPE: e('ValidationException'),
  RESOURCE_EXHAUSTED: e('LimitExceededException'),
  UNAVAILABLE: e('KMSInternalException', 503),
  DATA_LOSS: e('KMSInternalException', 500),
  INTERNAL: e('KMSInternalException', 500),
};

/**
 * An error that exists only in the AWS protocol (a bad signature, an unknown operation, a failed
 * Verify); `code` is the Strongbox code recorded in the audit log.
 */
export class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  readonly code: ErrorCode;
  constructor(type: string, message: string, code: ErrorCode, status = 400) {
    super(message);
    this.name = 'AwsError';
    this.type = type;
    this.status = status;
    this.code = code;
  }
}

export function toAwsError(error: StrongboxError): AwsErrorShape {
  return awsErrorByCode[error.code] ?? awsErrorByCategory[errorCodes[error.code].category];
}

export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 'INVALID_ARGUMENT');
}
