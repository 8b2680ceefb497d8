/**
 * AWS Signature Version 4 credentials for the AWS KMS-compatible endpoint (src/aws/). A credential
 * is bound to policies exactly like a token, under the same no-escalation rule (a subset of the
 * caller's policies; only root may grant root). The access key id is stored in the clear; the
 * secret access key is needed to verify signatures (SigV4 is symmetric), so it is kept sealed by the
 * barrier with the record identity as AAD, and shown to the caller only once, at creation.
 */
import { StrongboxError } from '../protocol/errors.js';
import { isBuiltinPolicy } from '../policy/builtin.js';
import { randomBytes } from '../crypto/random.js';
import type { AwsCredentialRecord } from '../storage/types.js';
import type { Principal, ServiceContext } from './context.js';

const ACCESS_KEY_ID_PREFIX = 'SBX';
/** AWS access key ids are 16-128 characters of [A-Z0-9]; ours: SBX + 17 base32 characters (85 bits). */
export const ACCESS_KEY_ID_PATTERN = /^SBX[A-Z2-7]{17}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function awsCredentialContext(accessKeyId: string): string {
  return `aws-credential/${accessKeyId}`;
}

function newAccessKeyId(): string {
  const bytes = randomBytes(17);
  let out = ACCESS_KEY_ID_PREFIX;
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export interface CreateAwsCredentialParameters {
  /** default: the caller's own policies */
  policies?: string[];
}

export interface AwsCredentialInfo {
  accessKeyId: string;
  policies: string[];
  subject: string;
  createdAt: string;
}

export async function createAwsCredential(
  ctx: Pick<ServiceContext, 'store' | 'barrier' | 'now'>,
  principal: Principal,
  params: CreateAwsCredentialParameters,
): Promise<AwsCredentialInfo & { secretAccessKey: string }> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const policies = [...new Set(params.policies ?? principal.policies)];
  if (policies.length === 0) throw new StrongboxError('INVALID_ARGUMENT', 'policies: give at least one policy', { field: 'policies' });
  for (const [i, name] of policies.entries()) {
    if (name === 'root' && !principal.isRoot) throw new StrongboxError('ESCALATION_DENIED', 'only a root token can create root credentials', { field: `policies.${i}` });
    if (!principal.isRoot && !principal.policies.includes(name)) {
      throw new StrongboxError('ESCALATION_DENIED', `policies.${i}: "${name}" is not one of the caller's policies (${principal.policies.join(', ')})`, { field: `policies.${i}` });
    }
    if (!isBuiltinPolicy(name) && (await ctx.store.getPolicy(name)) === undefined) {
      throw new StrongboxError('POLICY_NOT_FOUND', `policies.${i}: no policy named "${name}"`, { field: `policies.${i}` });
    }
  }
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
    createdAt: ctx.now().toISOString(),
    revokedAt: null,
  };
  secretBytes.fill(0);
  await ctx.store.createAwsCredential(record);
  return { accessKeyId, secretAccessKey, policies, subject: record.subject, createdAt: record.createdAt };
}

/** The principal a credential acts as, and its secret (bytes; the caller wipes it), or undefined when unknown/revoked. */
export async function openAwsCredential(
  ctx: Pick<ServiceContext, 'store' | 'barrier'>,
  accessKeyId: string,
): Promise<{ principal: Principal; secretAccessKey: Uint8Array } | undefined> {
  if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) return undefined;
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const record = await ctx.store.getAwsCredential(accessKeyId);
  if (record === undefined || record.revokedAt !== null) return undefined;
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
      expiresAt: null,
      ttlSeconds: null,
      numUsesLeft: null,
      ratePerSecond: null,
      rateBurst: null,
      revokedAt: null,
    },
  };
  return { principal, secretAccessKey };
}
