/**
 * Every action a policy can allow or deny, with the resource kind it applies to. Routes declare
 * one action each; docs/policies.md lists them (kept in sync by a test).
 */
export const actions = {
  'keys:create': 'create or import a key',
  'keys:read': 'read key metadata and public keys; list keys',
  'keys:sign': 'sign with a key',
  'keys:verify': 'verify a signature with a key',
  'keys:mac': 'compute an HMAC with an hmac256 key',
  'keys:verify-mac': 'verify an HMAC with an hmac256 key',
  'keys:encrypt': 'encrypt and generate data keys with an aes256 key',
  'keys:decrypt': 'decrypt with an aes256 key',
  'keys:update': 'change description, tags and aliases',
  'keys:rotate': 'rotate an aes256 key, set its rotation period or minimum decryption version',
  'keys:disable': 'disable and enable a key',
  'keys:delete': 'schedule and cancel key deletion',
  'keys:export': 'export an exportable key: wrapped to a caller\'s RSA key, or as an Ethereum keystore under a passphrase',
  'keys:export-plaintext': 'KMIP Get of a key\'s material in plaintext, for keys created or registered through KMIP with the plaintext-export mark; matched only by name (never by `*` or `keys:*`), so no built-in policy grants it',
  'keys:backup': 'fetch a key\'s wrapped blob, which only this installation can unwrap',
  'ethereum:rpc': 'use the Ethereum JSON-RPC signer for calls other than signing (passed through to the upstream node, and eth_chainId)',
  'wallets:create': 'create an HD wallet from a fresh mnemonic, or import one',
  'wallets:read': 'read and list HD wallets (never their mnemonic or seed) and their extended public keys',
  'wallets:derive': 'derive a key from an HD wallet by path (a key like any other, then governed by keys:* actions)',
  'wallets:rules:read': 'read an HD wallet\'s transaction rules',
  'wallets:rules:write': 'set and delete an HD wallet\'s transaction rules (they govern every key derived from it that has no rules of its own)',
  'keys:rules:read': 'read a key\'s transaction rules',
  'keys:rules:write': 'set and delete a key\'s transaction rules (limits, allow lists, approvals)',
  'keys:certificate:read': 'read the X.509 certificate attached to a key',
  'keys:certificate:write': 'attach (replace) and remove the X.509 certificate of a key (PKCS#11 certificate objects)',
  'approvals:read': 'list and read transactions held for approval (and their signed result)',
  'approvals:write': 'approve or reject a held transaction (only the approvers its rules name count)',
  'secrets:read': 'read a secret (any version)',
  'secrets:write': 'write a new version of a secret',
  'secrets:delete': 'soft-delete, undelete or destroy secret versions; delete all versions',
  'secrets:list': 'list secret paths under a prefix',
  'audit:read': 'read and export the audit log',
  'sys:seal': 'seal Strongbox',
  'sys:read': 'read the audit public key, rotation progress and other non-secret system state',
  'sys:metrics': 'read the Prometheus metrics (GET /metrics): counts and latencies, no key material or ids',
  'sys:backup': 'download a backup (every record still sealed, integrity-protected)',
  'sys:cold': 'take the installation cold: seal and destroy the HSM wrapping key (after an escrow exists)',
  'sys:rotate': 'add a keyring term and re-wrap every stored record under it',
  'sys:threshold': 'read and set this server\'s threshold peers (GET/PUT /v1/sys/threshold/peers)',
  'threshold:participate': 'answer threshold rounds (DKG and signing) as a participant; grant it only to the peers\' certificate principals (docs/threshold.md)',
  'tokens:create': 'mint child tokens (never with more power than the parent)',
  'tokens:revoke': 'revoke tokens by accessor',
  'tokens:read': 'look up tokens by accessor; list application keys',
  'tokens:app-keys': 'register and revoke application keys (RFC 9421 signed requests) of any token or certificate accessor',
  'policies:read': 'read and list policies',
  'policies:write': 'create, replace and delete policies',
} as const;

export type Action = keyof typeof actions;

/**
 * Actions a wildcard (`*`, `keys:*`) never covers: a policy must name them. Releasing key material in
 * plaintext is never a side effect of a broad grant, root's and admin's included.
 */
export const EXPLICIT_ONLY_ACTIONS: ReadonlySet<string> = new Set<Action>(['keys:export-plaintext']);

export function isAction(value: string): value is Action {
  return Object.hasOwn(actions, value);
}
