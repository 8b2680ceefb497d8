/**
 * Strongbox errors as KMIP results: every error code maps to one Result Reason through the one table
 * below (by code, else by category), never by message text. Reasons KMIP 1.x does not define are answered
 * to 1.x clients with the nearest 1.x reason. Internal faults answer a generic message with the audit
 * request id; the detail goes only to the log.
 */
import { StrongboxError, errorCodes, type ErrorCategory, type ErrorCode } from '../../protocol/errors.js';
import { ResultReason, type ResultReasonName } from '../enums.js';
import { KmipError, type ProtocolVersion } from '../message.js';
import { TtlvError } from '../ttlv.js';

const byCode: Partial<Record<ErrorCode, ResultReasonName>> = {
  KEY_NOT_FOUND: 'ItemNotFound',
  KEY_VERSION_NOT_FOUND: 'ItemNotFound',
  KEY_DISABLED: 'WrongKeyLifecycleState',
  KEY_PENDING_DELETION: 'WrongKeyLifecycleState',
  KEY_DESTROYED: 'ObjectDestroyed',
  KEY_STATE_CONFLICT: 'WrongKeyLifecycleState',
  KEY_NOT_EXPORTABLE: 'PermissionDenied',
  INVALID_KEY_MATERIAL: 'InvalidField',
  UNSUPPORTED_OPERATION: 'FeatureNotSupported',
  DECRYPTION_FAILED: 'CryptographicFailure',
  BLIND_SIGNING_FORBIDDEN: 'PermissionDenied',
  SECRET_VERSION_DESTROYED: 'ObjectDestroyed',
};

const byCategory: Record<ErrorCategory, ResultReasonName> = {
  INVALID_ARGUMENT: 'InvalidField',
  UNAUTHENTICATED: 'AuthenticationNotSuccessful',
  PERMISSION_DENIED: 'PermissionDenied',
  NOT_FOUND: 'ItemNotFound',
  ALREADY_EXISTS: 'IllegalOperation',
  FAILED_PRECONDITION: 'IllegalOperation',
  PAYLOAD_TOO_LARGE: 'InvalidMessage',
  HEADERS_TOO_LARGE: 'InvalidMessage',
  REQUEST_TIMEOUT: 'GeneralFailure',
  UNSUPPORTED_MEDIA_TYPE: 'InvalidMessage',
  RESOURCE_EXHAUSTED: 'GeneralFailure',
  UNAVAILABLE: 'GeneralFailure',
  DATA_LOSS: 'GeneralFailure',
  INTERNAL: 'GeneralFailure',
};

/** 2.x-only reasons and what a 1.x client gets instead (KMIP 1.4 §9.1.3.2.29 ends at Object Already Exists). */
const ONE_X_FALLBACK: Partial<Record<ResultReasonName, ResultReasonName>> = {
  WrongKeyLifecycleState: 'IllegalOperation',
  ObjectDestroyed: 'ItemNotFound',
  UnsupportedProtocolVersion: 'InvalidMessage',
  CodecError: 'InvalidMessage',
  ReadOnlyAttribute: 'PermissionDenied',
  InvalidObjectType: 'IllegalOperation',
};

export interface KmipResult {
  reason: number;
  message: string;
  /** for the audit record: the HTTP-equivalent status and the Strongbox code */
  status: number;
  code: string;
  outcome: 'denied' | 'error';
  /** internal faults: the cause, for the log only */
  cause?: unknown;
}

function reasonFor(name: ResultReasonName, v: ProtocolVersion): number {
  const n = v.major < 2 && ResultReason[name] > ResultReason.ObjectAlreadyExists && name !== 'GeneralFailure' ? (ONE_X_FALLBACK[name] ?? 'GeneralFailure') : name;
  return ResultReason[n];
}

export function toKmipResult(err: unknown, v: ProtocolVersion, requestId: string): KmipResult {
  if (err instanceof KmipError || err instanceof TtlvError) {
    const name = err instanceof KmipError ? ((Object.entries(ResultReason).find(([, n]) => n === err.reason)?.[0] as ResultReasonName | undefined) ?? 'GeneralFailure') : 'InvalidMessage';
    const denied = name === 'PermissionDenied' || name === 'AuthenticationNotSuccessful';
    return { reason: reasonFor(name, v), message: err.message, status: denied ? 403 : 400, code: `KMIP_${name}`, outcome: denied ? 'denied' : 'error' };
  }
  const e = err instanceof StrongboxError ? err : new StrongboxError('INTERNAL', undefined, { cause: err });
  const spec = errorCodes[e.code];
  const name = byCode[e.code] ?? byCategory[spec.category];
  const internal = e.category === 'INTERNAL' || e.category === 'DATA_LOSS';
  const message = internal ? `internal error; quote request id ${requestId}` : e.category === 'UNAVAILABLE' ? `${spec.title}: ${e.message}` : e.message;
  return {
    reason: reasonFor(name, v),
    message,
    status: e.status,
    code: e.code,
    outcome: e.category === 'PERMISSION_DENIED' || e.category === 'UNAUTHENTICATED' ? 'denied' : 'error',
    ...(internal ? { cause: e.cause ?? err } : {}),
  };
}
