/**
 * Authorization: the caller's policies (built-in or stored; cached for POLICY_CACHE_MS, cleared on
 * local writes) evaluated against one action on one resource. Every interface calls this one function.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { evaluate, needsWalletName, resourceNames, type Decision } from '../../policy/evaluate.js';
import type { Action } from '../../policy/actions.js';
import type { PolicyDocument, Resource } from '../../policy/types.js';
import type { Principal, ServiceContext } from '../shared/context.js';

export function describeResource(resource: Resource): string {
  return resourceNames(resource)[0]!;
}

export async function decide(
  ctx: Pick<ServiceContext, 'store' | 'policyCache' | 'now'>,
  principal: Principal,
  action: Action,
  resource: Resource,
  sourceIp: string | undefined,
): Promise<Decision> {
  const now = ctx.now();
  const docs = new Map<string, PolicyDocument>();
  for (const name of principal.policies) {
    const doc = await ctx.policyCache.get(ctx, name, now.getTime());
    if (doc !== null) docs.set(name, doc);
  }
  const facts = { action, resource, sourceIp, now, subject: principal.subject, caller: principal.caller };
  // A derived key's wallet name (for `key:wallet/name/...` globs) is read only when a statement could
  // need it, and then through the store's record cache (storage/key-record-cache.ts), not per request.
  if (resource.kind === 'key' && resource.wallet !== undefined && needsWalletName(docs, facts)) {
    const wallet = await ctx.store.getWallet(resource.wallet.id);
    facts.resource = { ...resource, wallet: { ...resource.wallet, name: wallet?.name ?? null } };
  }
  return evaluate(docs, facts);
}

/** Throws PERMISSION_DENIED (with the reason) unless the principal may do `action` on `resource`. */
export async function authorize(
  ctx: Pick<ServiceContext, 'store' | 'policyCache' | 'now'>,
  principal: Principal,
  action: Action,
  resource: Resource,
  sourceIp: string | undefined,
): Promise<Decision> {
  const decision = await decide(ctx, principal, action, resource, sourceIp);
  // The detail is the same for every denial: neither the resolved resource nor the deciding statement.
  // Either would tell an unauthorized caller that a key exists — "denied by org#0" (a deny on
  // key:wallet/name/treasury/*) for an existing key, "no statement allows" for a missing one. The
  // audit record (found by the response's request id) keeps both.
  if (!decision.allowed) throw new StrongboxError('PERMISSION_DENIED', `${action} is not allowed on the requested resource (the audit record of this request names the deciding policy)`, { reason: decision.reason });
  return decision;
}
