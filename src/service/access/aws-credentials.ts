/**
 * AWS Signature Version 4 credentials for the AWS KMS-compatible endpoint (src/aws/). A credential
 * is bound to policies exactly like a token, under the same no-escalation rule (a subset of the
 * caller's policies; only root may grant root). The access key id is stored in the clear; the
 * secret access key is needed to verify signatures (SigV4 is symmetric), so it is kept sealed by the
 * barrier with the record identity as AAD, and shown to the caller only once, at creation.
 *
 * Lifecycle: a credential never outlives the token that created it. Its expiry is `ttl` seconds
 * from creation, capped by that token's expiry (default: the token's expiry; none when the token
 * never expires). Revoking the credential, or the token (or any ancestor: the whole tree goes),
 * revokes it at once. Every SigV4 request re-reads the credential and its token from storage (no
 * cache), so a revocation or an expiry (also one brought forward by renewing the token with a
 * shorter increment) applies to the next request.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseOptionalDuration, type Duration } from '../../protocol/duration.js';
import type { AwsCredentialInfo } from '../../protocol/types.js';
import { isBuiltinPolicy } from '../../policy/builtin.js';
import { randomBytes } from '../../crypto/random.js';
import type { AwsCredentialRecord } from '../../storage/types.js';
import type { Principal, ServiceContext } from '../shared/context.js';
import { MAX_TOKEN_TTL_SECONDS } from './create-token.js';
import { ensureTerm } from '../shared/keyring-refresh.js';
import { awsCredentialContext } from '../shared/record-identity.js';

const ACCESS_KEY_ID_PREFIX = 'SBX';
/** AWS access key ids are 16-128 characters of [A-Z0-9]; ours: SBX + 17 base32 characters (85 bits). */
export const ACCESS_KEY_ID_PATTERN = /^SBX[A-Z2-7]{17}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function newAccessKeyId(): string {
  const bytes = randomBytes(17);
  let out = ACCESS_KEY_ID_PREFIX;
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export interface CreateAwsCredentialParameters {
  /** default: the caller's own policies */
  policies?: string[];
  /** lifetime in seconds or a duration such as "12h", capped by the caller's token expiry (default: that expiry) */
  ttl?: Duration;
}

export type { AwsCredentialInfo };

const isPast = (iso: string | null, nowMs: number): boolean => iso !== null && Date.parse(iso) <= nowMs;

export function toAwsCredentialInfo(r: AwsCredentialRecord, nowMs: number): AwsCredentialInfo {
  return {
    accessKeyId: r.accessKeyId,
    policies: r.policies,
    subject: r.subject,
    parentAccessor: r.parentAccessor,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    status: r.revokedAt !== null ? 'revoked' : isPast(r.expiresAt, nowMs) ? 'expired' : 'active',
  };
}

export async function createAwsCredential(
  ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>,
  principal: Principal,
  params: CreateAwsCredentialParameters,
): Promise<AwsCredentialInfo & { secretAccessKey: string }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  // A credential is checked against its creating token on every request (revoked, expired), but it
  // has no use count or rate limit of its own: from a limited token it would be an escape from them.
  const t = principal.token;
  if (t.numUsesLeft !== null || t.ratePerSecond !== null) {
    throw new StrongboxError('ESCALATION_DENIED', 'a token with a use or rate limit cannot create AWS credentials (they would not carry those limits); use a token without them');
  }
  // A client-certificate principal is not a stored token: the credential could never be checked against it.
  if (principal.accessor.startsWith('cert.')) {
    throw new StrongboxError('ESCALATION_DENIED', 'AWS credentials are created with a bearer token, not a client certificate (a credential is bound to the token that created it)');
  }
  const policies = [...new Set(params.policies ?? principal.policies)];
  if (policies.length === 0) throw new StrongboxError('INVALID_ARGUMENT', 'policies: give at least one policy', { field: 'policies' });
  const ttl = parseOptionalDuration(params.ttl, { field: 'ttl', unit: 'seconds', min: 1, max: MAX_TOKEN_TTL_SECONDS });
  for (const [i, name] of policies.entries()) {
    if (name === 'root' && !principal.isRoot) throw new StrongboxError('ESCALATION_DENIED', 'only a root token can create root credentials', { field: `policies.${i}` });
    if (!principal.isRoot && !principal.policies.includes(name)) {
      throw new StrongboxError('ESCALATION_DENIED', `policies.${i}: "${name}" is not one of the caller's policies (${principal.policies.join(', ')})`, { field: `policies.${i}` });
    }
    if (!isBuiltinPolicy(name) && (await ctx.store.getPolicy(name)) === undefined) {
      throw new StrongboxError('POLICY_NOT_FOUND', `policies.${i}: no policy named "${name}"`, { field: `policies.${i}` });
    }
  }
  // SigV4 credentials cannot carry a caller binding: a bound token's power must not leave its application.
  if (principal.token.bindCaller !== null) throw new StrongboxError('ESCALATION_DENIED', 'a token bound to a caller measurement cannot create AWS credentials (they could be used from any process)');
  const now = ctx.now();
  // Never past the creating token's expiry: ttl is capped by it, and it is the default.
  const parentExpiresMs = principal.token.expiresAt === null ? undefined : Date.parse(principal.token.expiresAt);
  const ttlExpiresMs = ttl === undefined ? undefined : now.getTime() + ttl * 1000;
  const expiresMs = ttlExpiresMs === undefined ? parentExpiresMs : parentExpiresMs === undefined ? ttlExpiresMs : Math.min(ttlExpiresMs, parentExpiresMs);
  const accessKeyId = newAccessKeyId();
  // 30 random bytes → 40 base64 characters, the length of an AWS secret access key.
  const secretAccessKey = Buffer.from(randomBytes(30)).toString('base64');
  const secretBytes = new TextEncoder().encode(secretAccessKey);
  const record: AwsCredentialRecord = {
    accessKeyId,
    sealedSecret: ctx.barrier.encrypt(secretBytes, awsCredentialContext(accessKeyId)),
    subject: principal.subject,
    policies,
    parentAccessor: principal.accessor,
    createdAt: now.toISOString(),
    expiresAt: expiresMs === undefined ? null : new Date(expiresMs).toISOString(),
    revokedAt: null,
  };
  secretBytes.fill(0);
  await ctx.store.createAwsCredential(record);
  return { ...toAwsCredentialInfo(record, now.getTime()), secretAccessKey };
}

export const MAX_LIST_LIMIT = 1000;

/** Every credential's metadata (never a secret), in access key id order; `after` is the last id of the previous page. */
export async function listAwsCredentials(
  ctx: Pick<ServiceContext, 'store' | 'now'>,
  params: { after?: string; limit?: number },
): Promise<{ credentials: AwsCredentialInfo[]; nextCursor: string | null }> {
  const limit = params.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new StrongboxError('INVALID_ARGUMENT', `limit must be 1 to ${MAX_LIST_LIMIT}`, { field: 'limit' });
  const rows = await ctx.store.listAwsCredentials(params.after, limit + 1);
  const page = rows.slice(0, limit);
  const nowMs = ctx.now().getTime();
  return { credentials: page.map((r) => toAwsCredentialInfo(r, nowMs)), nextCursor: rows.length > limit ? page.at(-1)!.accessKeyId : null };
}

/** Revokes one credential (idempotent: revoking a revoked credential returns it unchanged). */
export async function revokeAwsCredential(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { accessKeyId: string }): Promise<AwsCredentialInfo> {
  const notFound = (): StrongboxError => new StrongboxError('AWS_CREDENTIAL_NOT_FOUND', 'accessKeyId: no AWS credential has that access key id', { field: 'accessKeyId' });
  if (!ACCESS_KEY_ID_PATTERN.test(params.accessKeyId)) throw notFound();
  const now = ctx.now();
  await ctx.store.revokeAwsCredential(params.accessKeyId, now.toISOString());
  const record = await ctx.store.getAwsCredential(params.accessKeyId);
  if (record === undefined) throw notFound();
  return toAwsCredentialInfo(record, now.getTime());
}

export type OpenedAwsCredential =
  | { status: 'active' | 'expired'; principal: Principal; secretAccessKey: Uint8Array; expiresAt: string | null }
  | { status: 'unknown' }
  | { status: 'revoked' };

/**
 * The principal a credential acts as and its secret (bytes; the caller wipes it), for SigV4. An
 * expired credential still yields its secret, so the endpoint can check the signature first and
 * tell only the credential's holder that it expired. `revoked` also covers a revoked creating token.
 */
export async function openAwsCredential(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>, accessKeyId: string): Promise<OpenedAwsCredential> {
  if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) return { status: 'unknown' };
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await ctx.store.getAwsCredential(accessKeyId);
  if (record === undefined) return { status: 'unknown' };
  if (record.revokedAt !== null) return { status: 'revoked' };
  const nowMs = ctx.now().getTime();
  let expired = isPast(record.expiresAt, nowMs);
  if (record.parentAccessor !== null) {
    // The creating token is re-read on every request: its revocation or (shortened) expiry applies at once.
    const parent = await ctx.store.getTokenByAccessor(record.parentAccessor);
    if (parent === undefined || parent.revokedAt !== null) return { status: 'revoked' };
    if (isPast(parent.expiresAt, nowMs)) expired = true;
  }
  // Another node may have rotated the keyring since this one loaded it.
  await ensureTerm(ctx, record.sealedSecret);
  const secretAccessKey = ctx.barrier.decrypt(record.sealedSecret, awsCredentialContext(accessKeyId));
  const accessor = `aws.${accessKeyId}`;
  const principal: Principal = {
    accessor,
    subject: record.subject,
    policies: record.policies,
    isRoot: record.policies.includes('root'),
    token: {
      accessor,
      tokenHash: new Uint8Array(),
      name: `aws:${accessKeyId}`,
      subject: record.subject,
      policies: record.policies,
      parentAccessor: record.parentAccessor,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      maxExpiresAt: record.expiresAt,
      renewable: false,
      ttlSeconds: null,
      numUsesLeft: null,
      ratePerSecond: null,
      rateBurst: null,
      revokedAt: null,
      bindCaller: null,
    },
  };
  return { status: expired ? 'expired' : 'active', principal, secretAccessKey, expiresAt: record.expiresAt };
}
