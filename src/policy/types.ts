/** Policy documents: named lists of statements; default deny, an explicit deny wins. */
import type { Action } from './actions.js';

export interface TimeWindow {
  /** "HH:MM" (UTC), inclusive */
  start: string;
  /** "HH:MM" (UTC), exclusive; may be before start to span midnight */
  end: string;
  /** restrict to these UTC weekdays */
  days?: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[];
}

/**
 * The calling process on the Unix socket, as the kernel (SO_PEERCRED) and /proc report it
 * (service/access/caller-measurement.ts; docs/attestation.md). Absent for every other listener.
 */
export interface CallerFacts {
  uid: number;
  gid: number;
  pid: number;
  /** SHA-256 (hex) of the process's executable image; null when it could not be read (docs/attestation.md) */
  exeSha256: string | null;
  /** SHA-256 (hex) of the entry script or jar of an interpreter (node, python, java); null otherwise */
  scriptSha256: string | null;
}

/** What the calling process must be (all listed attributes must hold; each list is "one of"). */
export interface CallerCondition {
  uid?: number[];
  gid?: number[];
  exeSha256?: string[];
  scriptSha256?: string[];
}

export interface Conditions {
  /** the client address must be in one of these CIDR blocks (IPv4 or IPv6) */
  sourceIp?: string[];
  timeWindow?: TimeWindow;
  /** the request must come over the Unix socket from a process with these attributes */
  caller?: CallerCondition;
}

export interface Statement {
  effect: 'allow' | 'deny';
  /** action names; `*` and `prefix:*` wildcards */
  actions: string[];
  /**
   * `*`, `key:<id>`, `key:name/<glob>`, `key:alias/<glob>`, `key:wallet/<wallet id>/<path glob>`,
   * `key:wallet/name/<wallet name glob>/<path glob>`, `key:*`, `wallet:<id>`, `wallet:name/<glob>`, `wallet:*`,
   * `secret:<path glob>`, `policy:<name glob>`, `token:*`, `audit:*`, `sys:*`. `${subject}` is replaced by the caller's subject.
   */
  resources: string[];
  conditions?: Conditions;
}

export interface PolicyDocument {
  statements: Statement[];
  /**
   * Every request of a principal holding this policy must be signed by one of its application keys
   * (RFC 9421; service/access/signed-requests.ts). Applies to all of its requests, whatever the action.
   */
  requireSignedRequests?: boolean;
  /** the oldest signature (`created` to now, seconds) accepted; default 300, at most 3600 */
  signedRequestMaxAge?: number;
}

/** An HD-derived key's origin: its wallet and canonical derivation path. */
export interface DerivedFrom {
  id: string;
  /** canonical: hardened indexes marked `'` */
  path: string;
  /**
   * The wallet's name (null: it has none). Undefined when not looked up: the authorizer looks it up
   * only when a statement could match `key:wallet/name/...` (service/access/authorize.ts).
   */
  name?: string | null;
}

/** What an action is applied to, as the authorizer sees it. */
export type Resource =
  | { kind: 'key'; id: string; name: string | null; aliases?: readonly string[]; wallet?: DerivedFrom }
  | { kind: 'keys'; name?: string }
  | { kind: 'wallet'; id: string; name: string | null }
  | { kind: 'wallets'; name?: string }
  | { kind: 'secret'; path: string }
  | { kind: 'policy'; name: string }
  | { kind: 'token' }
  | { kind: 'audit' }
  | { kind: 'sys' };

export interface RequestFacts {
  action: Action;
  resource: Resource;
  sourceIp: string | undefined;
  now: Date;
  subject: string;
  /** the calling process (Unix socket only) */
  caller?: CallerFacts | undefined;
}
