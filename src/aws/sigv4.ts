/**
 * AWS Signature Version 4 verification (the "Authorization header" form), as specified in the AWS
 * General Reference, "Signature Version 4 signing process": canonical request → string to sign →
 * HMAC-SHA256 key derivation chain (AWS4+secret → date → region → service → "aws4_request") →
 * signature, compared in constant time. Only the header form is accepted (no presigned query
 * strings); the credential scope must name service `kms` (any region), the request must sign
 * `host` and `x-amz-date`, and x-amz-date must be within ±5 minutes of the server clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Why a request failed SigV4; the endpoint maps each to an AWS exception name. `expired` is a
 * request signed too long ago (clock skew); `revoked` and `credential-expired` are raised by the
 * credential lookup (src/aws/endpoint.ts), not here.
 */
export type SigV4Failure = 'missing' | 'malformed' | 'unknown-key' | 'revoked' | 'credential-expired' | 'expired' | 'mismatch';

export class SigV4Error extends Error {
  readonly failure: SigV4Failure;
  constructor(failure: SigV4Failure, message: string) {
    super(message);
    this.name = 'SigV4Error';
    this.failure = failure;
  }
}

export interface SignedRequest {
  method: string;
  /** the request target as sent: path and optional query, still percent-encoded */
  url: string;
  /** alternating names and values, as node's IncomingMessage.rawHeaders */
  rawHeaders: readonly string[];
  body: Uint8Array;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** RFC 3986 unreserved characters stay; everything else is %XX (uppercase), as SigV4 requires. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Uint8Array | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined) throw new SigV4Error('missing', 'Request is missing Authentication Token');
  if (!header.startsWith(ALGORITHM + ' ')) throw new SigV4Error('malformed', `Authorization header must use ${ALGORITHM}`);
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new SigV4Error('malformed', 'Authorization header is malformed');
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw new SigV4Error('malformed', 'Authorization header requires Credential, SignedHeaders and Signature');
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]!)) throw new SigV4Error('malformed', 'Credential must be <key id>/<yyyymmdd>/<region>/<service>/aws4_request');
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new SigV4Error('malformed', 'Signature must be 64 lowercase hex characters');
  return { accessKeyId: scope[0]!, date: scope[1]!, region: scope[2]!, service: scope[3]!, signedHeaders: signedHeaders.split(';'), signature };
}

/** Header name (lowercase) → values joined by ",", each trimmed with inner whitespace runs collapsed. */
function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!.trim().replace(/\s+/g, ' ');
    const prev = map.get(name);
    map.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return map;
}

/** Non-S3 services: each path segment is URI-encoded once more (so "%20" becomes "%2520"). */
function canonicalPath(path: string): string {
  if (path === '') return '/';
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    const dec = (s: string): string => decodeURIComponent(s.replace(/\+/g, '%20'));
    return [uriEncode(dec(k)), uriEncode(dec(v))] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[], payloadHash: string): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const headers = headerMap(req.rawHeaders);
  const lines = signedHeaders.map((h) => `${h}:${headers.get(h) ?? ''}\n`).join('');
  return [req.method.toUpperCase(), canonicalPath(path), canonicalQuery(query), lines, signedHeaders.join(';'), payloadHash].join('\n');
}

export function signingKey(secretAccessKey: Uint8Array | string, date: string, region: string, service: string): Buffer {
  const secret = typeof secretAccessKey === 'string' ? secretAccessKey : Buffer.from(secretAccessKey).toString('utf8');
  const kDate = hmac('AWS4' + secret, date);
  return hmac(hmac(hmac(kDate, region), service), 'aws4_request');
}

/** The hex signature of a request under a secret, for the scope and signed headers given. */
export function computeSignature(req: SignedRequest, auth: Omit<ParsedAuthorization, 'signature' | 'accessKeyId'>, amzDate: string, secretAccessKey: Uint8Array | string): string {
  const headers = headerMap(req.rawHeaders);
  const payloadHash = headers.get('x-amz-content-sha256') ?? sha256Hex(req.body);
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest(req, auth.signedHeaders, payloadHash))].join('\n');
  return createHmac('sha256', signingKey(secretAccessKey, auth.date, auth.region, auth.service)).update(stringToSign, 'utf8').digest('hex');
}

function parseAmzDate(value: string | undefined): number {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) throw new SigV4Error('malformed', 'X-Amz-Date must be yyyymmddThhmmssZ');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * Verifies the request's SigV4 signature for `service`; `secretOf` looks up the secret of the access
 * key id (undefined = unknown; it may also throw its own SigV4Error). Returns the parsed
 * authorization (whose accessKeyId is now proven).
 */
export async function verifySigV4<T>(
  req: SignedRequest,
  options: { service: string; nowMs: number; secretOf(accessKeyId: string): Promise<{ secret: Uint8Array; value: T } | undefined> },
): Promise<{ auth: ParsedAuthorization; value: T }> {
  const headers = headerMap(req.rawHeaders);
  const auth = parseAuthorization(headers.get('authorization'));
  if (auth.service !== options.service) throw new SigV4Error('malformed', `Credential should be scoped to correct service: '${options.service}'`);
  if (!auth.signedHeaders.includes('host')) throw new SigV4Error('malformed', 'SignedHeaders must include host');
  if (!auth.signedHeaders.includes('x-amz-date')) throw new SigV4Error('malformed', 'SignedHeaders must include x-amz-date');
  for (const h of auth.signedHeaders) if (h !== h.toLowerCase() || !headers.has(h)) throw new SigV4Error('malformed', `signed header ${h} is missing from the request`);
  const amzDate = headers.get('x-amz-date');
  const signedAtMs = parseAmzDate(amzDate);
  if (amzDate!.slice(0, 8) !== auth.date) throw new SigV4Error('malformed', 'Credential date does not match X-Amz-Date');
  if (Math.abs(options.nowMs - signedAtMs) > MAX_SKEW_MS) {
    throw new SigV4Error('expired', `Signature expired: ${amzDate} is not within 5 minutes of the server time ${new Date(options.nowMs).toISOString()}`);
  }
  const contentSha = headers.get('x-amz-content-sha256');
  if (contentSha !== undefined && contentSha !== sha256Hex(req.body)) throw new SigV4Error('mismatch', 'x-amz-content-sha256 does not match the request body');
  const found = await options.secretOf(auth.accessKeyId);
  if (found === undefined) throw new SigV4Error('unknown-key', 'The security token included in the request is invalid.');
  let expected: string;
  try {
    expected = computeSignature(req, auth, amzDate!, found.secret);
  } finally {
    found.secret.fill(0);
  }
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(auth.signature, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new SigV4Error('mismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return { auth, value: found.value };
}
