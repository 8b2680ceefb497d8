/**
 * Policy documents: create/replace, read, list, delete. Built-ins are listed but immutable.
 * (Four small operations kept together: they share validation and the cache invalidation.)
 */
import { StrongboxError } from '../../protocol/errors.js';
import { builtinPolicies, builtinPolicy, isBuiltinPolicy } from '../../policy/builtin.js';
import type { PolicyDocument } from '../../policy/types.js';
import { canonicalPolicyDocument, POLICY_NAME_PATTERN } from '../../policy/validate.js';
import type { ServiceContext } from '../shared/context.js';

const NAME = new RegExp(POLICY_NAME_PATTERN);

export interface PolicyView {
  name: string;
  builtin: boolean;
  statements: PolicyDocument['statements'];
  requireSignedRequests?: boolean;
  signedRequestMaxAge?: number;
  updatedAt: string | null;
}

/** The signed-request settings of a document, only those it sets. */
function signingOf(doc: PolicyDocument): Pick<PolicyDocument, 'requireSignedRequests' | 'signedRequestMaxAge'> {
  return {
    ...(doc.requireSignedRequests === undefined ? {} : { requireSignedRequests: doc.requireSignedRequests }),
    ...(doc.signedRequestMaxAge === undefined ? {} : { signedRequestMaxAge: doc.signedRequestMaxAge }),
  };
}

function assertName(name: string): void {
  if (!NAME.test(name)) throw new StrongboxError('INVALID_ARGUMENT', 'name must be 1-64 of a-z 0-9 . _ - starting with a letter or digit', { field: 'name' });
}

export async function putPolicy(ctx: Pick<ServiceContext, 'store' | 'policyCache' | 'now'>, params: PolicyDocument & { name: string }): Promise<PolicyView> {
  assertName(params.name);
  if (isBuiltinPolicy(params.name)) throw new StrongboxError('BUILTIN_POLICY', `${params.name} is a built-in policy`, { field: 'name' });
  // Stored (and answered) canonical: `key:wallet/.../m/44h/...` becomes `.../m/44'/...`.
  const doc = canonicalPolicyDocument({ statements: params.statements, ...signingOf(params) });
  const updatedAt = ctx.now().toISOString();
  await ctx.store.putPolicy({ name: params.name, document: JSON.stringify(doc), updatedAt });
  ctx.policyCache.invalidate();
  return { name: params.name, builtin: false, statements: doc.statements, ...signingOf(doc), updatedAt };
}

export async function getPolicy(ctx: Pick<ServiceContext, 'store'>, params: { name: string }): Promise<PolicyView> {
  const builtin = builtinPolicy(params.name);
  if (builtin !== undefined) return { name: params.name, builtin: true, statements: builtin.statements, updatedAt: null };
  const rec = await ctx.store.getPolicy(params.name);
  if (rec === undefined) throw new StrongboxError('POLICY_NOT_FOUND', `no policy named "${params.name}"`, { field: 'name' });
  const doc = JSON.parse(rec.document) as PolicyDocument;
  return { name: rec.name, builtin: false, statements: doc.statements, ...signingOf(doc), updatedAt: rec.updatedAt };
}

export async function deletePolicy(ctx: Pick<ServiceContext, 'store' | 'policyCache'>, params: { name: string }): Promise<{ deleted: true }> {
  if (isBuiltinPolicy(params.name)) throw new StrongboxError('BUILTIN_POLICY', `${params.name} is a built-in policy`, { field: 'name' });
  if (!(await ctx.store.deletePolicy(params.name))) throw new StrongboxError('POLICY_NOT_FOUND', `no policy named "${params.name}"`, { field: 'name' });
  ctx.policyCache.invalidate();
  return { deleted: true };
}

export async function listPolicies(ctx: Pick<ServiceContext, 'store'>): Promise<{ policies: { name: string; builtin: boolean }[] }> {
  const stored = await ctx.store.listPolicies();
  return { policies: [...Object.keys(builtinPolicies).map((name) => ({ name, builtin: true })), ...stored.map((p) => ({ name: p.name, builtin: false }))] };
}
