/**
 * Per-user secrets: versioned values at slash-separated paths, each version sealed by the barrier
 * (AAD `secret/<path>/v<version>`), governed by policies on `secret:<path>`. Built-in policy `user`
 * gives a token its own subtree `users/<subject>/`; `admin` and `operator` cannot read it.
 * Deleting is soft (undelete brings the version back); destroy erases the sealed value for good.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { ConflictError, type SecretVersionRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { ensureTerm } from '../shared/keyring-refresh.js';
import { secretContext } from '../shared/record-identity.js';

export const SECRET_PATH_PATTERN = '^[A-Za-z0-9._@-]+(/[A-Za-z0-9._@-]+)*$';
const PATH = new RegExp(SECRET_PATH_PATTERN);
export const MAX_SECRET_BYTES = 64 * 1024;

type Ctx = Pick<ServiceContext, 'store' | 'barrier' | 'now'>;

export function assertSecretPath(path: string, field = 'path'): void {
  if (path.length > 512 || !PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new StrongboxError('INVALID_ARGUMENT', `${field} must be 1-512 characters of slash-separated segments of A-Z a-z 0-9 . _ @ - (no . or .. segments)`, { field });
  }
}

const context = secretContext;

function requireUnsealed(ctx: Pick<ServiceContext, 'barrier'>): void {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
}

export interface SecretVersionInfo {
  version: number;
  createdAt: string;
  deletedAt: string | null;
  destroyed: boolean;
}

function info(v: SecretVersionRecord): SecretVersionInfo {
  return { version: v.version, createdAt: v.createdAt, deletedAt: v.deletedAt, destroyed: v.destroyed };
}

export async function writeSecret(ctx: Ctx, params: { path: string; data: unknown; cas?: number }): Promise<SecretVersionInfo & { path: string }> {
  assertSecretPath(params.path);
  requireUnsealed(ctx);
  const plaintext = Buffer.from(JSON.stringify(params.data), 'utf8');
  if (plaintext.byteLength > MAX_SECRET_BYTES) throw new StrongboxError('INVALID_ARGUMENT', `data must be at most ${MAX_SECRET_BYTES} bytes of JSON`, { field: 'data' });
  const createdAt = ctx.now().toISOString();
  let version: number;
  try {
    version = await ctx.store.putSecretVersion(params.path, (v) => ctx.barrier.encrypt(plaintext, context(params.path, v)), createdAt, params.cas);
  } catch (err) {
    if (err instanceof ConflictError) throw new StrongboxError('SECRET_CAS_MISMATCH', `cas ${params.cas} does not match the current version of ${params.path}`, { field: 'cas' });
    throw err;
  } finally {
    plaintext.fill(0);
  }
  return { path: params.path, version, createdAt, deletedAt: null, destroyed: false };
}

export async function readSecret(ctx: Ctx, params: { path: string; version?: number }): Promise<SecretVersionInfo & { path: string; data: unknown }> {
  assertSecretPath(params.path);
  requireUnsealed(ctx);
  const v = await ctx.store.getSecretVersion(params.path, params.version);
  if (v === undefined) throw new StrongboxError('SECRET_NOT_FOUND', `no secret at ${params.path}${params.version ? ` version ${params.version}` : ''}`);
  if (v.destroyed || v.sealedValue === null) throw new StrongboxError('SECRET_VERSION_DESTROYED', `version ${v.version} of ${params.path} was destroyed`);
  if (v.deletedAt !== null) throw new StrongboxError('SECRET_VERSION_DELETED', `version ${v.version} of ${params.path} was deleted at ${v.deletedAt}`);
  await ensureTerm(ctx, v.sealedValue);
  const plaintext = ctx.barrier.decrypt(v.sealedValue, context(params.path, v.version));
  try {
    return { path: params.path, ...info(v), data: JSON.parse(Buffer.from(plaintext).toString('utf8')) };
  } finally {
    plaintext.fill(0);
  }
}

export async function secretVersions(ctx: Pick<ServiceContext, 'store'>, params: { path: string }): Promise<{ path: string; currentVersion: number; versions: SecretVersionInfo[] }> {
  assertSecretPath(params.path);
  const versions = await ctx.store.listSecretVersions(params.path);
  if (versions.length === 0) throw new StrongboxError('SECRET_NOT_FOUND', `no secret at ${params.path}`);
  return { path: params.path, currentVersion: versions.at(-1)!.version, versions: versions.map(info) };
}

async function targetVersions(ctx: Pick<ServiceContext, 'store'>, path: string, versions: number[] | undefined): Promise<number[]> {
  if (versions !== undefined && versions.length > 0) return versions;
  const current = await ctx.store.getSecretVersion(path);
  if (current === undefined) throw new StrongboxError('SECRET_NOT_FOUND', `no secret at ${path}`);
  return [current.version];
}

export async function deleteSecretVersions(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { path: string; versions?: number[] }): Promise<{ path: string; changed: number }> {
  assertSecretPath(params.path);
  const versions = await targetVersions(ctx, params.path, params.versions);
  return { path: params.path, changed: await ctx.store.setSecretVersionsDeleted(params.path, versions, ctx.now().toISOString()) };
}

export async function undeleteSecretVersions(ctx: Pick<ServiceContext, 'store'>, params: { path: string; versions: number[] }): Promise<{ path: string; changed: number }> {
  assertSecretPath(params.path);
  return { path: params.path, changed: await ctx.store.setSecretVersionsDeleted(params.path, params.versions, null) };
}

export async function destroySecretVersions(ctx: Pick<ServiceContext, 'store'>, params: { path: string; versions: number[] }): Promise<{ path: string; changed: number }> {
  assertSecretPath(params.path);
  return { path: params.path, changed: await ctx.store.destroySecretVersions(params.path, params.versions) };
}

export async function purgeSecret(ctx: Pick<ServiceContext, 'store'>, params: { path: string }): Promise<{ path: string; changed: number }> {
  assertSecretPath(params.path);
  if (!(await ctx.store.deleteSecret(params.path))) throw new StrongboxError('SECRET_NOT_FOUND', `no secret at ${params.path}`);
  return { path: params.path, changed: 1 };
}

/**
 * Paths under a prefix. Permission to list a prefix is not permission to see every path below it
 * (admin may list `users` but not see `users/alice/...`), so each path is also checked by `visible`,
 * and the scan continues until the page is full.
 */
export async function listSecrets(
  ctx: Pick<ServiceContext, 'store'>,
  params: { prefix: string; after?: string; limit?: number; visible: (path: string) => Promise<boolean> },
): Promise<{ paths: string[]; nextAfter: string | null }> {
  if (params.prefix !== '' && !/^[A-Za-z0-9._@/-]{1,512}$/.test(params.prefix)) throw new StrongboxError('INVALID_ARGUMENT', 'prefix must be a path prefix', { field: 'prefix' });
  const limit = params.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StrongboxError('INVALID_ARGUMENT', 'limit must be 1 to 1000', { field: 'limit' });
  const page: string[] = [];
  let after = params.after;
  for (;;) {
    const chunk = await ctx.store.listSecretPaths(params.prefix, after, 1000);
    for (const path of chunk) {
      after = path;
      if (!(await params.visible(path))) continue;
      if (page.length === limit) return { paths: page, nextAfter: page.at(-1)! };
      page.push(path);
    }
    if (chunk.length < 1000) return { paths: page, nextAfter: null };
  }
}
