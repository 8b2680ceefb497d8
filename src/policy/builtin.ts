/**
 * Built-in policies. They cannot be edited or deleted. `root` is held only by root tokens.
 * Per-user secrets live under `secret:users/${subject}/`: only their owner's tokens reach them —
 * `admin` and `operator` explicitly cannot read them (root can: it is the break-glass credential).
 */
import type { PolicyDocument } from './types.js';

const userSecrets = 'secret:users/*';

const documents: Record<string, PolicyDocument> = {
  root: { statements: [{ effect: 'allow', actions: ['*'], resources: ['*'] }] },
  admin: {
    statements: [
      { effect: 'allow', actions: ['*'], resources: ['*'] },
      { effect: 'deny', actions: ['secrets:read', 'secrets:write', 'secrets:list', 'secrets:delete'], resources: [userSecrets] },
    ],
  },
  operator: {
    statements: [
      { effect: 'allow', actions: ['sys:*', 'keys:create', 'keys:read', 'keys:update', 'keys:certificate:read', 'keys:certificate:write', 'keys:rotate', 'keys:disable', 'keys:delete', 'wallets:create', 'wallets:read', 'wallets:derive', 'policies:read', 'tokens:read'], resources: ['*'] },
    ],
  },
  signer: {
    statements: [
      // approvals:read: a signer fetches the signed result of a transaction held for approval.
      { effect: 'allow', actions: ['keys:read', 'keys:certificate:read', 'keys:sign', 'keys:verify', 'keys:mac', 'keys:verify-mac', 'keys:encrypt', 'keys:decrypt', 'approvals:read'], resources: ['key:*'] },
      { effect: 'allow', actions: ['ethereum:rpc'], resources: ['sys:*'] },
    ],
  },
  auditor: {
    statements: [{ effect: 'allow', actions: ['audit:read', 'keys:read', 'keys:certificate:read', 'wallets:read', 'policies:read', 'tokens:read', 'sys:read'], resources: ['*'] }],
  },
  user: {
    statements: [{ effect: 'allow', actions: ['secrets:*'], resources: ['secret:users/${subject}/*'] }],
  },
};

/** Null-prototype, so that a stored policy named `constructor` or `toString` is not mistaken for a built-in one. */
export const builtinPolicies: Readonly<Record<string, PolicyDocument>> = Object.freeze(Object.assign(Object.create(null) as Record<string, PolicyDocument>, documents));

/** The built-in policy of that name, if there is one (a user-chosen name: never a plain property read). */
export function builtinPolicy(name: string): PolicyDocument | undefined {
  return Object.hasOwn(builtinPolicies, name) ? builtinPolicies[name] : undefined;
}

export function isBuiltinPolicy(name: string): boolean {
  return Object.hasOwn(builtinPolicies, name);
}
