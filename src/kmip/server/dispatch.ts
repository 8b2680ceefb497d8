/**
 * One KMIP request message in, one response message out (KMIP 1.4 §7; 2.1 §8), for the TTLV listener and
 * the JSON route alike. Each batch item runs one operation of the table with the batch's ID Placeholder,
 * and is audited on its own (interface `kmip`, operation `kmip.<Operation>`) before the response leaves:
 * if the audit record cannot be written, the item answers General Failure and releases nothing.
 * Batch Error Continuation Option Continue runs every item; Stop (the default) and Undo stop at the first
 * failure (Undo is not supported, so it behaves as Stop).
 */
import { randomUUID } from 'node:crypto';
import type { Principal, ServiceContext } from '../../service/shared/context.js';
import { signedRequestRequirement } from '../../service/access/signed-requests.js';
import { ResultReason, ResultStatus, enumName } from '../enums.js';
import { buildResponse, errorResponse, KmipError, parseRequest, type ProtocolVersion, type RequestMessage, type ResponseBatchItem } from '../message.js';
import { Tag } from '../tags.js';
import { encodeTtlv, type TtlvItem } from '../ttlv.js';
import type { KmipCall } from '../operations/call.js';
import { operations } from '../operations/index.js';
import { SUPPORTED_VERSIONS } from '../operations/server-info.js';
import { toKmipResult } from './errors.js';

export interface KmipSource {
  ctx: ServiceContext;
  /** undefined: the client certificate maps to no principal */
  principal: Principal | undefined;
  clientIp: string | undefined;
  /** the transport already enforced the principal's signed-request requirement (KMIP over HTTPS: RFC 9421 in http/app.ts) */
  signedRequestsChecked?: boolean;
  /** where failures' causes are logged (never secrets) */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

const CONTINUE = 1;
const FALLBACK_VERSION: ProtocolVersion = { major: 1, minor: 0 };

export function isSupportedVersion(v: ProtocolVersion): boolean {
  return SUPPORTED_VERSIONS.some((s) => s.major === v.major && s.minor === v.minor);
}

async function audit(src: KmipSource, requestId: string, operation: string, call: KmipCall | undefined, outcome: 'success' | 'denied' | 'error', status: number, code: string | null): Promise<void> {
  await src.ctx.audit.append({
    requestId,
    interface: 'kmip',
    operation: `kmip.${operation}`,
    action: call?.audit.action ?? null,
    resource: call?.audit.resource ?? null,
    principal: src.principal?.accessor ?? null,
    clientIp: src.clientIp ?? null,
    outcome,
    status,
    code,
    reason: call?.audit.reason ?? null,
    inputs: null,
  });
}

/** A message that could not be read as a request: one failed item, audited. */
export async function refuseMessage(src: KmipSource, reason: keyof typeof ResultReason, message: string, version: ProtocolVersion = FALLBACK_VERSION): Promise<TtlvItem> {
  const requestId = randomUUID();
  await audit(src, requestId, 'unknown', undefined, 'error', 400, `KMIP_${reason}`).catch(() => undefined);
  return errorResponse(version, reason, message, src.ctx.now());
}

export async function handleKmipMessage(src: KmipSource, item: TtlvItem): Promise<TtlvItem> {
  let request: RequestMessage;
  try {
    request = parseRequest(item);
  } catch (err) {
    return refuseMessage(src, 'InvalidMessage', err instanceof KmipError ? err.message : 'not a KMIP request message');
  }
  const version = request.version;
  if (!isSupportedVersion(version)) {
    return refuseMessage(src, version.major >= 2 ? 'UnsupportedProtocolVersion' : 'InvalidMessage', `protocol version ${version.major}.${version.minor} is not supported (Discover Versions lists those that are)`, version.major === 1 || version.major === 2 ? version : FALLBACK_VERSION);
  }
  const messageId = randomUUID();
  const placeholder = { value: undefined as string | undefined };
  const results: ResponseBatchItem[] = [];
  for (const [i, b] of request.items.entries()) {
    const requestId = `${messageId}/${i}`;
    const opName = enumName(Tag.Operation, b.operation) ?? `0x${b.operation.toString(16)}`;
    const call: KmipCall = { ctx: src.ctx, principal: src.principal!, version, clientIp: src.clientIp, placeholder, audit: { action: null, resource: null, reason: null } };
    const op = operations.get(b.operation);
    let result: ResponseBatchItem;
    let outcome: 'success' | 'denied' | 'error' = 'success';
    let status = 200;
    let code: string | null = null;
    if (src.principal === undefined) {
      result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.OperationFailed, reason: ResultReason.AuthenticationNotSuccessful, message: 'the client certificate is not mapped to any policy (--tls-client-map)' };
      outcome = 'denied';
      status = 401;
      code = 'UNAUTHENTICATED';
    } else if (src.signedRequestsChecked !== true && (await signedRequestRequirement(src.ctx, src.principal)) !== undefined) {
      // KMIP requests cannot carry an RFC 9421 signature: a certificate whose policy requires one is refused here too.
      result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.OperationFailed, reason: ResultReason.AuthenticationNotSuccessful, message: "the certificate's policy requires signed requests (RFC 9421), which KMIP cannot carry; use the REST API" };
      outcome = 'denied';
      status = 401;
      code = 'SIGNATURE_REQUIRED';
      call.audit.reason = 'signed_request: signature_missing';
    } else if (op === undefined) {
      result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.OperationFailed, reason: ResultReason.OperationNotSupported, message: `operation ${opName} is not supported by Strongbox (docs/kmip.md lists those that are)` };
      outcome = 'error';
      status = 400;
      code = 'KMIP_OperationNotSupported';
    } else {
      try {
        const payload = await op.run(call, b.payload);
        result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.Success, payload };
      } catch (err) {
        const r = toKmipResult(err, version, requestId);
        if (r.cause !== undefined) src.log?.('kmip operation failed', { requestId, operation: opName, err: r.cause });
        result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.OperationFailed, reason: r.reason, message: r.message };
        ({ outcome, status, code } = r);
      }
    }
    try {
      await audit(src, requestId, op?.name ?? opName, call, outcome, status, code);
    } catch {
      // Fail closed: without a durable audit record the item's result (key material, a signature) is withheld.
      result = { operation: b.operation, uniqueBatchItemId: b.uniqueBatchItemId, status: ResultStatus.OperationFailed, reason: ResultReason.GeneralFailure, message: 'the audit log is unavailable; nothing was released' };
    }
    results.push(result);
    if (result.status !== ResultStatus.Success && request.batchErrorContinuation !== CONTINUE) break;
  }
  const response = buildResponse(version, results, src.ctx.now());
  if (request.maximumResponseSize !== undefined && encodeTtlv(response).length > request.maximumResponseSize) {
    return errorResponse(version, 'ResponseTooLarge', `the response exceeds Maximum Response Size ${request.maximumResponseSize}`, src.ctx.now());
  }
  return response;
}
