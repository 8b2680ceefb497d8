/**
 * The error registry: every error Strongbox can answer with has one stable code here.
 * Each code belongs to one category; each category maps to one HTTP status and one CLI
 * exit code. Interfaces never choose a status from message text — they look the code up.
 * Shared by server, CLI and SDK (no Node-only imports). docs/errors.md is kept in sync by a test.
 */

export const categories = {
  INVALID_ARGUMENT: { status: 400, exitCode: 3 },
  UNAUTHENTICATED: { status: 401, exitCode: 4 },
  PERMISSION_DENIED: { status: 403, exitCode: 5 },
  NOT_FOUND: { status: 404, exitCode: 6 },
  ALREADY_EXISTS: { status: 409, exitCode: 7 },
  FAILED_PRECONDITION: { status: 409, exitCode: 8 },
  PAYLOAD_TOO_LARGE: { status: 413, exitCode: 3 },
  HEADERS_TOO_LARGE: { status: 431, exitCode: 3 },
  REQUEST_TIMEOUT: { status: 408, exitCode: 10 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exitCode: 3 },
  RESOURCE_EXHAUSTED: { status: 429, exitCode: 9 },
  UNAVAILABLE: { status: 503, exitCode: 10 },
  DATA_LOSS: { status: 500, exitCode: 12 },
  INTERNAL: { status: 500, exitCode: 1 },
} as const;

export type ErrorCategory = keyof typeof categories;

interface ErrorSpec {
  readonly category: ErrorCategory;
  readonly title: string;
  /** Whether a client may retry the same request unchanged and expect a different outcome. */
  readonly retryable: boolean;
}

export const errorCodes = {
  INVALID_ARGUMENT: { category: 'INVALID_ARGUMENT', title: 'A request field is invalid', retryable: false },
  INVALID_JSON: { category: 'INVALID_ARGUMENT', title: 'The request body is not valid JSON', retryable: false },
  JSON_TOO_DEEP: { category: 'INVALID_ARGUMENT', title: 'The JSON input nests deeper than 64 levels', retryable: false },
  MALFORMED_URL: { category: 'INVALID_ARGUMENT', title: 'The URL has malformed percent-encoding', retryable: false },
  MALFORMED_REQUEST: { category: 'INVALID_ARGUMENT', title: 'The HTTP request could not be parsed', retryable: false },
  HEADERS_TOO_LARGE: { category: 'HEADERS_TOO_LARGE', title: 'The request headers exceed the size limit', retryable: false },
  REQUEST_TIMEOUT: { category: 'REQUEST_TIMEOUT', title: 'The request was not received in time', retryable: true },
  UNKNOWN_FIELD: { category: 'INVALID_ARGUMENT', title: 'The request has a field this operation does not accept', retryable: false },
  INVALID_KEY_MATERIAL: { category: 'INVALID_ARGUMENT', title: 'The key material is not a valid key of that type', retryable: false },
  CERTIFICATE_KEY_MISMATCH: { category: 'INVALID_ARGUMENT', title: "The certificate's public key is not the key's public key", retryable: false },
  UNSUPPORTED_OPERATION: { category: 'INVALID_ARGUMENT', title: 'The key type does not support this operation', retryable: false },
  INVALID_SHARE: { category: 'INVALID_ARGUMENT', title: 'An unseal share is malformed', retryable: false },
  UNKNOWN_SHARE: { category: 'INVALID_ARGUMENT', title: 'The share is not one of the current share set (it matches none of its commitments); progress is unchanged', retryable: false },
  UNSEAL_FAILED: { category: 'INVALID_ARGUMENT', title: 'The shares given do not reconstruct the unseal key', retryable: false },
  INVALID_PSBT: { category: 'INVALID_ARGUMENT', title: 'The PSBT is malformed or inconsistent', retryable: false },
  PSBT_NO_KEY_INPUTS: { category: 'INVALID_ARGUMENT', title: 'No input of the PSBT spends an output of the key', retryable: false },
  PSBT_INPUT_UNSUPPORTED: { category: 'INVALID_ARGUMENT', title: 'An input of the key cannot be signed (missing witnessUtxo, legacy or script-path input)', retryable: false },
  UNSUPPORTED_SIGHASH: { category: 'INVALID_ARGUMENT', title: 'An input asks for a sighash type Strongbox does not sign', retryable: false },
  MULTISIG_SCRIPT_UNSUPPORTED: { category: 'INVALID_ARGUMENT', title: 'A script with the key is not a multisig of a shape Strongbox cosigns (P2WSH sortedmulti, tapscript multi_a)', retryable: false },
  INVALID_DESCRIPTOR: { category: 'INVALID_ARGUMENT', title: 'The output descriptor is malformed, has a bad checksum, or is not a supported multisig', retryable: false },
  ROUTE_NOT_FOUND: { category: 'NOT_FOUND', title: 'No such route', retryable: false },
  METHOD_NOT_ALLOWED: { category: 'INVALID_ARGUMENT', title: 'The method is not allowed on this route', retryable: false },
  BODY_TOO_LARGE: { category: 'PAYLOAD_TOO_LARGE', title: 'The request body exceeds the size limit', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { category: 'UNSUPPORTED_MEDIA_TYPE', title: 'The request body must be application/json', retryable: false },
  UNAUTHENTICATED: { category: 'UNAUTHENTICATED', title: 'A valid bearer token is required', retryable: false },
  PERMISSION_DENIED: { category: 'PERMISSION_DENIED', title: 'The token is not allowed to do this', retryable: false },
  INVALID_MNEMONIC: { category: 'INVALID_ARGUMENT', title: 'The mnemonic is not a valid BIP39 mnemonic', retryable: false },
  INVALID_DERIVATION_PATH: { category: 'INVALID_ARGUMENT', title: 'The derivation path is malformed or not allowed for the key type', retryable: false },
  INVALID_TRANSACTION: { category: 'INVALID_ARGUMENT', title: 'The transaction could not be decoded', retryable: false },
  NOT_A_REQUIRED_SIGNER: { category: 'INVALID_ARGUMENT', title: 'The key is not among the transaction\'s required signers', retryable: false },
  THRESHOLD_NOT_CONFIGURED: { category: 'FAILED_PRECONDITION', title: 'This server has no threshold peers configured (PUT /v1/sys/threshold/peers), or no TLS identity to call them with', retryable: false },
  THRESHOLD_PEER_UNKNOWN: { category: 'PERMISSION_DENIED', title: 'The caller is not a configured threshold peer, or a request names a peer this server does not know', retryable: false },
  THRESHOLD_SESSION_UNKNOWN: { category: 'FAILED_PRECONDITION', title: 'No such threshold session in progress on this participant (finished, expired, or lost in a restart: its nonces are gone and are never reused)', retryable: false },
  THRESHOLD_PROTOCOL_ERROR: { category: 'INVALID_ARGUMENT', title: 'A threshold round\'s package is malformed or inconsistent with this participant\'s view', retryable: false },
  THRESHOLD_QUORUM_NOT_REACHED: { category: 'FAILED_PRECONDITION', title: 'Fewer participants than the key\'s threshold agreed to sign (refused by their rules, or unreachable)', retryable: true },
  MUSIG2_SESSION_UNKNOWN: { category: 'FAILED_PRECONDITION', title: 'No such MuSig2 session of the key: already used (its nonce signs once), expired, or never opened', retryable: false },
  THRESHOLD_PEER_FAILED: { category: 'UNAVAILABLE', title: 'A threshold participant did not complete a round; nothing was signed', retryable: true },
  WALLET_NOT_FOUND: { category: 'NOT_FOUND', title: 'No wallet has that id or name', retryable: false },
  WALLET_NAME_TAKEN: { category: 'ALREADY_EXISTS', title: 'Another wallet already has that name', retryable: false },
  WALLET_PATH_TYPE_MISMATCH: { category: 'FAILED_PRECONDITION', title: 'A key of another type was already derived at that path', retryable: false },
  KEY_NOT_FOUND: { category: 'NOT_FOUND', title: 'No key has that id or name', retryable: false },
  KEY_NAME_TAKEN: { category: 'ALREADY_EXISTS', title: 'Another key already has that name', retryable: false },
  ALREADY_INITIALIZED: { category: 'ALREADY_EXISTS', title: 'Strongbox is already initialized', retryable: false },
  NOT_INITIALIZED: { category: 'FAILED_PRECONDITION', title: 'Strongbox is not initialized yet', retryable: false },
  KEY_DISABLED: { category: 'FAILED_PRECONDITION', title: 'The key is disabled', retryable: false },
  KEY_PENDING_DELETION: { category: 'FAILED_PRECONDITION', title: 'The key is scheduled for deletion', retryable: false },
  KEY_DESTROYED: { category: 'FAILED_PRECONDITION', title: 'The key material was destroyed', retryable: false },
  KEY_STATE_CONFLICT: { category: 'FAILED_PRECONDITION', title: 'The key is not in a state that allows this change', retryable: false },
  KEY_NOT_EXPORTABLE: { category: 'FAILED_PRECONDITION', title: 'The key was not created exportable, so its material never leaves Strongbox', retryable: false },
  KEY_VERSION_DISABLED: { category: 'FAILED_PRECONDITION', title: 'The ciphertext was made with a key version below minDecryptionVersion', retryable: false },
  ALIAS_TAKEN: { category: 'ALREADY_EXISTS', title: 'Another key already has that name or alias', retryable: false },
  ALIAS_NOT_FOUND: { category: 'NOT_FOUND', title: 'The key has no such alias', retryable: false },
  CERTIFICATE_NOT_FOUND: { category: 'NOT_FOUND', title: 'The key has no certificate attached', retryable: false },
  SECRET_NOT_FOUND: { category: 'NOT_FOUND', title: 'No secret (or no such version) at that path', retryable: false },
  SECRET_VERSION_DELETED: { category: 'NOT_FOUND', title: 'That secret version is deleted (undelete it first)', retryable: false },
  SECRET_VERSION_DESTROYED: { category: 'NOT_FOUND', title: 'That secret version was destroyed', retryable: false },
  SECRET_CAS_MISMATCH: { category: 'FAILED_PRECONDITION', title: 'The secret changed since the version given in cas', retryable: false },
  KEY_VERSION_NOT_FOUND: { category: 'NOT_FOUND', title: 'The ciphertext names a key version that does not exist', retryable: false },
  RATE_LIMITED: { category: 'RESOURCE_EXHAUSTED', title: 'Too many requests', retryable: true },
  AUTH_THROTTLED: { category: 'RESOURCE_EXHAUSTED', title: 'Too many failed authentications from this address; retry after Retry-After seconds', retryable: true },
  SEALED: { category: 'UNAVAILABLE', title: 'Strongbox is sealed', retryable: true },
  PROVIDER_UNAVAILABLE: { category: 'UNAVAILABLE', title: 'The HSM or cloud KMS holding the root of trust cannot be used', retryable: true },
  AUTO_UNSEAL: { category: 'FAILED_PRECONDITION', title: 'This server unseals itself through its HSM or KMS; recovery shares cannot unseal it', retryable: false },
  BACKUP_UNSUPPORTED: { category: 'FAILED_PRECONDITION', title: 'This storage backend is backed up with its own tools (PostgreSQL: pg_dump, pg_basebackup)', retryable: false },
  SEAL_TYPE_MISMATCH: { category: 'FAILED_PRECONDITION', title: 'The data was initialized with another seal type', retryable: false },
  SHUTTING_DOWN: { category: 'UNAVAILABLE', title: 'The server is shutting down', retryable: true },
  AUDIT_UNAVAILABLE: { category: 'UNAVAILABLE', title: 'The audit record could not be made durable, so the result was withheld', retryable: true },
  STORAGE_UNAVAILABLE: { category: 'UNAVAILABLE', title: 'The storage database cannot be reached (connection refused, lost or timed out)', retryable: true },
  TOKEN_EXPIRED: { category: 'UNAUTHENTICATED', title: 'The token has expired', retryable: false },
  TOKEN_REVOKED: { category: 'UNAUTHENTICATED', title: 'The token was revoked', retryable: false },
  TOKEN_USES_EXHAUSTED: { category: 'UNAUTHENTICATED', title: 'The token has no uses left', retryable: false },
  SIGNATURE_REQUIRED: { category: 'UNAUTHENTICATED', title: "The caller's policy requires signed requests (RFC 9421) and this request carries no signature", retryable: false },
  SIGNATURE_MALFORMED: { category: 'UNAUTHENTICATED', title: "Signature-Input, Signature or Content-Digest cannot be parsed", retryable: false },
  SIGNATURE_COMPONENT_MISSING: { category: 'UNAUTHENTICATED', title: "The signature does not cover a required component (@method, @target-uri, content-digest) or lacks created, keyid or nonce", retryable: false },
  SIGNATURE_KEY_UNKNOWN: { category: 'UNAUTHENTICATED', title: "The signature's keyid is not an active application key of the caller", retryable: false },
  SIGNATURE_INVALID: { category: 'UNAUTHENTICATED', title: "The request signature does not verify with the application key", retryable: false },
  SIGNATURE_EXPIRED: { category: 'UNAUTHENTICATED', title: "The request signature is older than its policy allows, past its expires, or created in the future", retryable: false },
  SIGNATURE_REPLAYED: { category: 'UNAUTHENTICATED', title: "The signature's nonce was already used: the request is a replay", retryable: false },
  CONTENT_DIGEST_MISMATCH: { category: 'UNAUTHENTICATED', title: "The body does not match its signed Content-Digest, or the digest is missing", retryable: false },
  APP_KEY_NOT_FOUND: { category: 'NOT_FOUND', title: "No application key has that key id", retryable: false },
  APP_KEY_ID_TAKEN: { category: 'ALREADY_EXISTS', title: "Another application key already has that key id", retryable: false },
  TOKEN_NOT_RENEWABLE: { category: 'FAILED_PRECONDITION', title: 'The token was minted with renewable: false', retryable: false },
  POLICY_NOT_FOUND: { category: 'NOT_FOUND', title: 'No policy has that name', retryable: false },
  TOKEN_NOT_FOUND: { category: 'NOT_FOUND', title: 'No token has that accessor', retryable: false },
  AWS_CREDENTIAL_NOT_FOUND: { category: 'NOT_FOUND', title: 'No AWS credential has that access key id', retryable: false },
  BUILTIN_POLICY: { category: 'FAILED_PRECONDITION', title: 'Built-in policies cannot be changed or deleted', retryable: false },
  LAST_ROOT_TOKEN: { category: 'FAILED_PRECONDITION', title: 'The root token cannot be revoked while no admin token would remain', retryable: false },
  ESCALATION_DENIED: { category: 'PERMISSION_DENIED', title: 'A token cannot mint a token with more power than it has', retryable: false },
  ESCROW_REQUIRED: { category: 'FAILED_PRECONDITION', title: 'Cold storage needs a quorum-held escrow of the root key first', retryable: false },
  NOT_COLD: { category: 'FAILED_PRECONDITION', title: 'The root of trust was not destroyed; nothing to restore', retryable: false },
  REKEY_NOT_STARTED: { category: 'FAILED_PRECONDITION', title: 'No rekey is in progress (or the nonce does not match)', retryable: false },
  ATTEMPT_IN_PROGRESS: { category: 'FAILED_PRECONDITION', title: 'A ceremony attempt is already in progress; finish it or cancel it with its nonce or one share', retryable: false },
  GENERATE_ROOT_NOT_STARTED: { category: 'FAILED_PRECONDITION', title: 'No root-token generation is in progress (or the nonce does not match)', retryable: false },
  TRANSACTION_DENIED: { category: 'PERMISSION_DENIED', title: 'The key\'s transaction rules refuse this transaction (see reason)', retryable: false },
  SPENDING_LIMIT_EXCEEDED: { category: 'PERMISSION_DENIED', title: 'The transaction would exceed the key\'s rolling 24-hour spending limit', retryable: false },
  BLIND_SIGNING_FORBIDDEN: { category: 'PERMISSION_DENIED', title: 'The key\'s transaction rules forbid signing raw digests', retryable: false },
  TRANSACTION_RULES_NOT_FOUND: { category: 'NOT_FOUND', title: 'The key has no transaction rules', retryable: false },
  APPROVAL_NOT_FOUND: { category: 'NOT_FOUND', title: 'No approval request has that id', retryable: false },
  APPROVAL_NOT_PENDING: { category: 'FAILED_PRECONDITION', title: 'The approval request is no longer pending (signed, rejected, expired or denied)', retryable: false },
  APPROVER_NOT_ELIGIBLE: { category: 'PERMISSION_DENIED', title: 'The caller is not one of the approvers this request needs', retryable: false },
  SELF_APPROVAL_FORBIDDEN: { category: 'PERMISSION_DENIED', title: 'The requester cannot approve their own request', retryable: false },
  DECRYPTION_FAILED: { category: 'INVALID_ARGUMENT', title: 'The ciphertext or its AAD failed authentication', retryable: false },
  INTEGRITY_CHECK_FAILED: { category: 'DATA_LOSS', title: 'Stored key material failed its integrity check', retryable: false },
  UPSTREAM_NOT_CONFIGURED: { category: 'FAILED_PRECONDITION', title: 'No upstream Ethereum node is configured (--ethereum-upstream)', retryable: false },
  UPSTREAM_UNAVAILABLE: { category: 'UNAVAILABLE', title: 'The upstream Ethereum node cannot be reached', retryable: true },
  NONCE_LEASE_UNAVAILABLE: { category: 'UNAVAILABLE', title: 'Another node is sending from the address and its nonce lease could not be taken (or was lost) in time; nothing was sent', retryable: true },
  CALLER_MEASUREMENT_MISMATCH: { category: 'PERMISSION_DENIED', title: 'The token is bound to a caller measurement (uid, executable, script) that the calling process does not match', retryable: false },
  CALLER_MEASUREMENT_UNAVAILABLE: { category: 'FAILED_PRECONDITION', title: 'Caller measurement is unavailable on this server (no peercred addon, or not Linux)', retryable: false },
  INSTALL_INTEGRITY_FAILED: { category: 'FAILED_PRECONDITION', title: 'With --integrity strict, the installation does not match a signed release manifest; the server stays sealed', retryable: false },
  INTERNAL: { category: 'INTERNAL', title: 'Internal error', retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

export function statusOf(code: ErrorCode): number {
  return categories[errorCodes[code].category].status;
}

export function exitCodeOf(code: ErrorCode): number {
  return categories[errorCodes[code].category].exitCode;
}

export interface StrongboxErrorOptions {
  /** The request field the error is about, as a JSON pointer-ish dotted path (e.g. `digest`). */
  field?: string;
  cause?: unknown;
  /** for RATE_LIMITED: seconds until a retry may succeed (sent as Retry-After) */
  retryAfterSeconds?: number;
  /** for PERMISSION_DENIED: which policy statement decided (recorded in the audit log) */
  reason?: string;
  /** a machine-readable reason sent to the client as the problem body's `reason` (transaction rules) */
  publicReason?: string;
}

/**
 * The one error type the service layer throws. `detail` must never contain secret material:
 * it is sent to the client and written to logs.
 */
export class StrongboxError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly reason: string | undefined;
  readonly publicReason: string | undefined;

  constructor(code: ErrorCode, detail?: string, options: StrongboxErrorOptions = {}) {
    super(detail ?? errorCodes[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StrongboxError';
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason;
    this.publicReason = options.publicReason;
  }

  get status(): number {
    return statusOf(this.code);
  }

  get retryable(): boolean {
    return errorCodes[this.code].retryable;
  }

  get category(): ErrorCategory {
    return errorCodes[this.code].category;
  }
}

/** RFC 9457 problem details, as Strongbox sends them (with `code` and `requestId` extensions). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  field?: string;
  /** TRANSACTION_DENIED and friends: which rule refused (e.g. `destination_not_allowed`) */
  reason?: string;
}

export function problemType(code: ErrorCode): string {
  return `urn:strongbox:error:${code}`;
}
