/**
 * Signed requests (RFC 9421 with RFC 9530 Content-Digest; issue 19 part 2). When one of a principal's
 * policies sets `requireSignedRequests`, every request of that principal must carry a signature by one
 * of its application keys that covers `@method`, `@target-uri` and — when there is a body —
 * `content-digest`, with `created`, `keyid` and `nonce` parameters. The signature is checked in the
 * HTTP `onRequest` hook, before the body is read; the body's digest is checked against the raw bytes
 * before JSON parsing (http/app.ts). A nonce is claimed in the store (a table with a unique key) after
 * the signature verifies, so a replay is refused on every node sharing the database, and a flood of
 * unsigned garbage cannot fill the replay cache.
 */
import { createPublicKey } from 'node:crypto';
import { StrongboxError, type ErrorCode } from '../../protocol/errors.js';
import {
  DEFAULT_SIGNATURE_MAX_AGE_SECONDS,
  MAX_SIGNATURE_MAX_AGE_SECONDS,
  NONCE_MAX_LENGTH,
  NONCE_MIN_LENGTH,
  REQUIRED_COMPONENTS,
  SIGNATURE_CLOCK_SKEW_SECONDS,
  type AppKeyAlgorithm,
} from '../../protocol/http-signature.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { assertContentDigest, HttpSignatureError, parseSignatures, signatureBaseOf, verifySignatureBytes, type ParsedSignature, type SignedMessage } from './http-signature.js';

export interface SignedRequestRequirement {
  /** the smallest `signedRequestMaxAge` among the policies that require signing */
  maxAgeSeconds: number;
}

/** The signing requirement of the principal's policies, or undefined when none requires signed requests. */
export async function signedRequestRequirement(ctx: Pick<ServiceContext, 'store' | 'policyCache' | 'now'>, principal: Principal): Promise<SignedRequestRequirement | undefined> {
  const nowMs = ctx.now().getTime();
  let maxAgeSeconds: number | undefined;
  for (const name of principal.policies) {
    const doc = await ctx.policyCache.get(ctx, name, nowMs);
    if (doc?.requireSignedRequests !== true) continue;
    const age = doc.signedRequestMaxAge ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS;
    maxAgeSeconds = maxAgeSeconds === undefined ? age : Math.min(maxAgeSeconds, age);
  }
  return maxAgeSeconds === undefined ? undefined : { maxAgeSeconds };
}

export interface SignedRequest extends SignedMessage {
  method: string;
  targetUri: string;
  /** whether the request has a body (Content-Length > 0 or Transfer-Encoding) */
  hasBody: boolean;
}

export interface SignedRequestResult {
  keyId: string;
  /** the signed Content-Digest field the raw body must match, when the request has a body */
  contentDigest: string | undefined;
}

function refuse(code: ErrorCode, reason: string, detail: string, field: string): StrongboxError {
  return new StrongboxError(code, detail, { field, reason: `signed_request: ${reason}`, publicReason: reason });
}

function fromSignatureError(err: unknown): StrongboxError {
  if (!(err instanceof HttpSignatureError)) throw err;
  switch (err.kind) {
    case 'component_missing':
      return refuse('SIGNATURE_COMPONENT_MISSING', 'component_missing', err.message, err.field);
    case 'content_digest_missing':
      return refuse('CONTENT_DIGEST_MISMATCH', 'content_digest_missing', err.message, err.field);
    case 'content_digest_mismatch':
      return refuse('CONTENT_DIGEST_MISMATCH', 'content_digest_mismatch', err.message, err.field);
    case 'bad_signature':
      return refuse('SIGNATURE_INVALID', 'bad_signature', err.message, err.field);
    default:
      return refuse('SIGNATURE_MALFORMED', 'malformed', err.message, err.field);
  }
}

function headerOf(headers: SignedMessage['headers'], name: string): string | undefined {
  const v = headers[name];
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
}

/** The time and uniqueness parameters, checked before any key lookup or signature check. */
function assertParams(sig: ParsedSignature, request: SignedRequest, requirement: SignedRequestRequirement, nowSeconds: number): { created: number; keyid: string; nonce: string } {
  const covered = [...REQUIRED_COMPONENTS, ...(request.hasBody ? ['content-digest'] : [])];
  for (const c of covered) {
    if (!sig.components.includes(c)) throw refuse('SIGNATURE_COMPONENT_MISSING', 'component_missing', `signature ${sig.label} must cover "${c}"`, 'signature-input');
  }
  const created = sig.params.get('created');
  const keyid = sig.params.get('keyid');
  const nonce = sig.params.get('nonce');
  const expires = sig.params.get('expires');
  if (typeof created !== 'number' || !Number.isSafeInteger(created)) throw refuse('SIGNATURE_COMPONENT_MISSING', 'component_missing', `signature ${sig.label} needs an integer created parameter`, 'signature-input');
  if (typeof keyid !== 'string') throw refuse('SIGNATURE_COMPONENT_MISSING', 'component_missing', `signature ${sig.label} needs a keyid parameter (a string)`, 'signature-input');
  if (typeof nonce !== 'string') throw refuse('SIGNATURE_COMPONENT_MISSING', 'component_missing', `signature ${sig.label} needs a nonce parameter (a string)`, 'signature-input');
  if (nonce.length < NONCE_MIN_LENGTH || nonce.length > NONCE_MAX_LENGTH) throw refuse('SIGNATURE_MALFORMED', 'malformed', `the nonce must be ${NONCE_MIN_LENGTH} to ${NONCE_MAX_LENGTH} characters`, 'signature-input');
  if (expires !== undefined && (typeof expires !== 'number' || !Number.isSafeInteger(expires))) throw refuse('SIGNATURE_MALFORMED', 'malformed', 'the expires parameter must be an integer', 'signature-input');
  if (created > nowSeconds + SIGNATURE_CLOCK_SKEW_SECONDS) throw refuse('SIGNATURE_EXPIRED', 'expired', `the signature was created ${created - nowSeconds} s in the future`, 'signature-input');
  if (nowSeconds - created > requirement.maxAgeSeconds) throw refuse('SIGNATURE_EXPIRED', 'expired', `the signature is ${nowSeconds - created} s old; the caller's policy accepts at most ${requirement.maxAgeSeconds} s`, 'signature-input');
  if (typeof expires === 'number' && nowSeconds > expires) throw refuse('SIGNATURE_EXPIRED', 'expired', `the signature expired ${nowSeconds - expires} s ago`, 'signature-input');
  return { created, keyid, nonce };
}

/**
 * Checks the signature of a request whose principal must sign. Order: headers present and parseable →
 * required components and parameters → freshness → the key (an active key of this principal) →
 * the signature → the nonce (claimed only for a valid signature). Every refusal is a 401 whose
 * `reason` names what failed; the audit record keeps it as `signed_request: <reason>`.
 */
export async function checkSignedRequest(
  ctx: Pick<ServiceContext, 'store' | 'now'>,
  principal: Principal,
  request: SignedRequest,
  requirement: SignedRequestRequirement,
): Promise<SignedRequestResult> {
  const input = headerOf(request.headers, 'signature-input');
  const signature = headerOf(request.headers, 'signature');
  if (input === undefined && signature === undefined) throw refuse('SIGNATURE_REQUIRED', 'signature_missing', "the caller's policy requires signed requests: send Signature-Input and Signature (RFC 9421)", 'signature-input');
  if (input === undefined || signature === undefined) throw refuse('SIGNATURE_MALFORMED', 'malformed', `the request has ${input === undefined ? 'Signature but no Signature-Input' : 'Signature-Input but no Signature'}`, input === undefined ? 'signature-input' : 'signature');
  let parsed: ParsedSignature[];
  try {
    parsed = parseSignatures(input, signature);
  } catch (err) {
    throw fromSignatureError(err);
  }
  const nowMs = ctx.now().getTime();
  const nowSeconds = Math.floor(nowMs / 1000);
  // The first signature with a keyid is the application's (other labels, e.g. a proxy's, are ignored).
  const sig = parsed.find((p) => p.params.has('keyid')) ?? parsed[0]!;
  const { created, keyid, nonce } = assertParams(sig, request, requirement, nowSeconds);
  const key = await ctx.store.getAppKey(keyid);
  // One answer for "no such key", "another principal's key" and "revoked": the audit reason tells them apart.
  if (key === undefined || key.accessor !== principal.accessor || key.revokedAt !== null) {
    const why = key === undefined ? 'no such key' : key.revokedAt !== null ? 'revoked' : 'bound to another principal';
    throw new StrongboxError('SIGNATURE_KEY_UNKNOWN', `keyid "${keyid.slice(0, 128)}" is not an active application key of this caller`, { field: 'signature-input', reason: `signed_request: unknown_keyid (${why})`, publicReason: 'unknown_keyid' });
  }
  const algorithm = key.algorithm as AppKeyAlgorithm;
  const alg = sig.params.get('alg');
  if (alg !== undefined && alg !== algorithm) throw refuse('SIGNATURE_INVALID', 'bad_signature', `alg "${String(alg).slice(0, 64)}" is not the key's algorithm ${algorithm}`, 'signature-input');
  let valid: boolean;
  try {
    const base = signatureBaseOf(sig, request);
    valid = verifySignatureBytes(algorithm, createPublicKey({ key: Buffer.from(key.publicKey), format: 'der', type: 'spki' }), base, sig.signature);
  } catch (err) {
    throw fromSignatureError(err);
  }
  if (!valid) throw refuse('SIGNATURE_INVALID', 'bad_signature', `signature ${sig.label} does not verify with application key "${keyid.slice(0, 128)}" over this request`, 'signature');
  // Kept past the longest validity any policy can give (MAX age + skew), so a later policy change
  // cannot make a pruned nonce replayable.
  const keepUntilMs = (created + MAX_SIGNATURE_MAX_AGE_SECONDS + SIGNATURE_CLOCK_SKEW_SECONDS) * 1000 + 1000;
  if (!(await ctx.store.claimRequestNonce(keyid, nonce, keepUntilMs, nowMs))) throw refuse('SIGNATURE_REPLAYED', 'replay', `nonce of signature ${sig.label} was already used`, 'signature-input');
  return { keyId: keyid, contentDigest: request.hasBody ? headerOf(request.headers, 'content-digest') : undefined };
}

/** The raw body against the signed Content-Digest (before the body is parsed). */
export function checkSignedBody(result: SignedRequestResult, body: Uint8Array): void {
  try {
    assertContentDigest(result.contentDigest, body);
  } catch (err) {
    throw fromSignatureError(err);
  }
}
