/**
 * The storage seam: one async, backend-neutral interface, implemented by SQLite (embedded, one
 * node) and PostgreSQL (several stateless nodes on one database) without the service layer changing. Storage sees only sealed bytes
 * and non-secret metadata — it imports nothing from crypto/, keyring/ or providers/.
 * Every implementation passes test/contract/store.contract.ts.
 */

import type { CallerBinding, KeyType } from '../protocol/types.js';
import { StrongboxError } from '../protocol/errors.js';
export type { KeyType };
export type KeyOrigin = 'generated' | 'imported';
export type KeyState = 'enabled' | 'disabled' | 'pending_deletion' | 'destroyed';

export interface KeyRecord {
  id: string;
  name: string | null;
  type: KeyType;
  origin: KeyOrigin;
  state: KeyState;
  /** set once at creation or import and never changed: whether the material may be exported (wrapped) */
  exportable: boolean;
  /** raw public key (uncompressed SEC1 point for ECDSA, 32 bytes for Ed25519); null for symmetric keys */
  publicKey: Uint8Array | null;
  /** key check value for symmetric keys; null otherwise */
  kcv: Uint8Array | null;
  currentVersion: number;
  createdAt: string;
  description: string;
  tags: Record<string, string>;
  /** when a pending_deletion key will be destroyed */
  deletionDate: string | null;
  /** aes256: rotate automatically every N days */
  rotationPeriodDays: number | null;
  nextRotationAt: string | null;
  /** aes256: ciphertexts of older versions are refused */
  minDecryptionVersion: number;
  aliases: string[];
  /** HD-derived keys: the wallet they were derived from and the canonical derivation path; null otherwise */
  wallet: string | null;
  path: string | null;
  /**
   * secp256k1 keys: the Ethereum address, lowercase 0x-hex (indexed, so the JSON-RPC signer finds a
   * key by its `from` address). Computed by the service; storage only keeps and indexes it.
   */
  ethereumAddress?: string;
}

/** An HD wallet: its BIP39 seed, sealed by the barrier. The mnemonic itself is never stored. */
export interface WalletRecord {
  id: string;
  name: string | null;
  /** generated from a fresh mnemonic, or imported from one */
  origin: KeyOrigin;
  /** the 64-byte BIP39 seed, sealed by the barrier (envelope v1); storage cannot open it */
  sealedSeed: Uint8Array;
  createdAt: string;
}

/** Fields of a key that lifecycle operations change. */
export type KeyPatch = Partial<Pick<KeyRecord, 'state' | 'description' | 'tags' | 'deletionDate' | 'rotationPeriodDays' | 'nextRotationAt' | 'minDecryptionVersion'>>;

export interface KeyVersionRecord {
  keyId: string;
  version: number;
  /** the private/secret key, sealed by the barrier (envelope v1); storage cannot open it */
  sealedMaterial: Uint8Array;
  createdAt: string;
}

export interface ListKeysOptions {
  /** opaque cursor returned by the previous page */
  after?: string;
  limit: number;
}

export interface KeyPage {
  keys: KeyRecord[];
  nextCursor: string | null;
}

/** Thrown when a uniqueness constraint is violated; `constraint` names which one. */
export class ConflictError extends Error {
  readonly constraint: 'key_name' | 'key_id' | 'sys_value' | 'token' | 'audit_seq' | 'key_alias' | 'key_version' | 'secret_cas' | 'key_state' | 'wallet_name' | 'wallet_path';
  constructor(constraint: ConflictError['constraint']) {
    super(`conflict on ${constraint}`);
    this.name = 'ConflictError';
    this.constraint = constraint;
  }
}

/**
 * Thrown when the database cannot be reached: the connection was refused, lost (a restart, a terminated
 * backend, a failover) or did not answer in time. Nothing needs restarting — the next call connects
 * again — so it is the retryable STORAGE_UNAVAILABLE (503) on every interface. A write whose connection
 * was lost while it committed may have been applied; `cause` (for the log only) is the driver's error.
 */
export class StorageUnavailableError extends StrongboxError {
  constructor(cause: unknown) {
    super('STORAGE_UNAVAILABLE', 'the storage database cannot be reached (connection refused, lost or timed out); retry — a write whose connection was lost while committing may have been applied', { cause });
    this.name = 'StorageUnavailableError';
  }
}

/** Thrown by snapshot() on a backend whose backups are made with the database's own tools. */
export class SnapshotUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotUnsupportedError';
  }
}

/**
 * Thrown when a restore's target already holds a Strongbox installation (or a schema a node created):
 * a restore writes only into empty storage, so nothing it holds can be overwritten or mixed in.
 */
export class StorageNotEmptyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageNotEmptyError';
  }
}

/**
 * Thrown when a snapshot cannot be copied into another backend: it was made by a newer release, its
 * migrations are not this release's, or a table or column has no counterpart (nothing was written).
 */
export class SnapshotSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotSchemaError';
  }
}

export interface TokenRecord {
  /** non-secret handle used in logs, audit and revocation */
  accessor: string;
  /** SHA-256 of the token; the token itself is never stored */
  tokenHash: Uint8Array;
  name: string | null;
  /** whose data the token acts for (`${subject}` in policy resources) */
  subject: string;
  policies: string[];
  parentAccessor: string | null;
  createdAt: string;
  expiresAt: string | null;
  /** the latest expiry renewal may reach (creation + maxTtl, never past the parent's); null = never expires (root) */
  maxExpiresAt: string | null;
  /** whether POST /v1/tokens/self/renew may move expiresAt at all */
  renewable: boolean;
  /** the creation TTL: the default renewal increment */
  ttlSeconds: number | null;
  numUsesLeft: number | null;
  ratePerSecond: number | null;
  rateBurst: number | null;
  revokedAt: string | null;
  /** the application the token is bound to on the Unix socket (migration 18); null = any caller */
  bindCaller: CallerBinding | null;
}

/** AWS SigV4 credentials (interfaces/aws): the secret is sealed by the barrier, since verifying a signature needs it. */
export interface AwsCredentialRecord {
  /** non-secret, `SBX…` */
  accessKeyId: string;
  sealedSecret: Uint8Array;
  subject: string;
  policies: string[];
  /** the token that created it; revoking that token (or its tree) revokes the credential too */
  parentAccessor: string | null;
  createdAt: string;
  /** never later than the creating token's expiry at creation time; null = never */
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface PolicyRecord {
  name: string;
  /** the policy document as JSON text */
  document: string;
  updatedAt: string;
}

/** One audit record as stored: its canonical JSON text and its chain hash. */
export interface AuditRow {
  seq: number;
  record: string;
  hash: Uint8Array;
  /**
   * On the last row of a group-committed batch: the signature over the batch's head (opaque bytes
   * to storage, audit/record.ts encodes them). Absent on every other row and on rows written
   * before migration 12.
   */
  headSignature?: Uint8Array;
}

/** The last audit row's position in the chain, as read under the append lock. */
export interface AuditHead {
  seq: number;
  hash: Uint8Array;
}

/**
 * Builds the rows of one append from the chain head (undefined for an empty log): consecutive seqs
 * from head.seq + 1, each hash chained onto the one before. Called with the head as it is under the
 * database's write lock, possibly more than once (after another writer moved the head), so it must
 * not have side effects. Chaining is the caller's (audit/), storage only orders and stores.
 */
export type AuditBuilder = (head: AuditHead | undefined) => AuditRow[];

export interface CheckpointRow {
  seq: number;
  /** the signed checkpoint as JSON text */
  checkpoint: string;
}

export interface SecretVersionRecord {
  version: number;
  /** the value sealed by the barrier; null once destroyed */
  sealedValue: Uint8Array | null;
  createdAt: string;
  deletedAt: string | null;
  destroyed: boolean;
}

/** A compare-and-set of one sealed value: `next` replaces it only if it still equals `expected`. */
export type SealedReplacement<Id> = Id & { expected: Uint8Array; next: Uint8Array };

/** Who transaction rules belong to: a key now, a wallet (HD account tree) later. */
export type RulesScope = 'key' | 'wallet';

export interface TransactionRulesRecord {
  scope: RulesScope;
  scopeId: string;
  /** the validated rules document as JSON text (policy/transaction-rules.ts) */
  document: string;
  updatedAt: string;
}

/** Native amount counted against a scope's rolling 24-hour limit. */
export interface SpendReservation {
  id: string;
  scope: RulesScope;
  scopeId: string;
  /** smallest unit (wei exceeds int64: stored as decimal text, summed with BigInt) */
  amount: bigint;
  /** ISO-8601 UTC (toISOString), so text order is time order */
  createdAt: string;
  /** the request (or approval) that reserved it, for the audit trail */
  requestId: string | null;
}

/**
 * One limit a reservation counts against (Store.reserveLimits): its bucket, what the signature adds,
 * the limit and the start of its rolling window.
 */
export interface LimitReservation {
  /**
   * `native` (the 24-hour native spending limit: value + fee), `token:<chain>:…` (a token's 24-hour limit,
   * policy/transaction-rules.ts tokenBucket) or `count` (maxTransactions: 1 per signature)
   */
  bucket: string;
  /** smallest unit, or 1 for `count` (decimal text in storage, summed with BigInt) */
  amount: bigint;
  limit: bigint;
  /** ISO-8601 UTC: reservations created after it count */
  windowStart: string;
}

export type ApprovalStatus = 'pending' | 'signing' | 'signed' | 'rejected' | 'expired' | 'denied' | 'failed';

export interface ApprovalVote {
  subject: string;
  accessor: string;
  vote: 'approve' | 'reject';
  at: string;
}

/** A transaction held for M-of-N approval. Nothing secret: the decoded transaction and, once signed, the signed transaction. */
export interface ApprovalRecord {
  id: string;
  scope: RulesScope;
  scopeId: string;
  keyId: string;
  chain: string;
  /** which signing operation to run once approved, e.g. `ethereum.signTransaction` */
  operation: string;
  /** the decoded transaction as JSON text (quantities as decimal strings) */
  request: string;
  /** non-secret summary for approvers (network, destinations, value) as JSON text */
  summary: string;
  requesterSubject: string;
  requesterAccessor: string;
  required: number;
  status: ApprovalStatus;
  reason: string | null;
  /** the signed result as JSON text once status is signed */
  result: string | null;
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
  votes: ApprovalVote[];
}

/**
 * One account's nonce sequence on one chain, as the JSON-RPC signer coordinates it across nodes:
 * the upstream's chain id and the sending address (lowercase 0x-hex).
 */
export interface NonceAccount {
  chainId: bigint;
  address: string;
}

/**
 * The outcome of one attempt to take an account's nonce lease. `lastNonce` is the last nonce
 * recorded as submitted while it is still remembered (see NonceLeaseRelease), else undefined.
 */
/**
 * The answer to acquireNonceLease. With a remembered nonce, `lastNonceExpiresInMs` says for how much longer
 * it is remembered (on the store's clock), so a holder can keep that expiry instead of extending it.
 */
export type NonceLeaseAttempt = { acquired: true; lastNonce: bigint | undefined; lastNonceExpiresInMs?: number } | { acquired: false };

/**
 * How a holder gives its lease back: `submitted` records the nonce it submitted, remembered for
 * `rememberMs`; `failed` forgets the remembered nonce (the next holder trusts the node's count
 * alone); `unused` changes nothing but the lease.
 */
export type NonceLeaseRelease = { kind: 'submitted'; nonce: bigint; rememberMs: number } | { kind: 'failed' } | { kind: 'unused' };

/**
 * What KMIP knows about a key beyond the key record (migration 15): its KMIP state (finer than the key's
 * state: Pre-Active and Compromised have no Strongbox equivalent), whether KMIP clients may Get its
 * material in plaintext (fixed at create/register, like `exportable`), and its KMIP attributes as a JSON
 * document the kmip/ layer owns (names, usage mask, operation policy name, custom attributes, dates).
 */
export interface KmipObjectRecord {
  keyId: string;
  /** pre_active | active | deactivated | compromised | destroyed */
  state: string;
  plaintextExport: boolean;
  /** JSON text; storage does not interpret it */
  attributes: string;
  updatedAt: string;
  /** the object's KMIP Names (both halves of a key pair), indexed for Locate (migration 20); replaced on every put */
  names?: readonly string[];
}

/** What Locate narrows candidates by, through indexes (migration 20); the service checks the rest. */
export interface KmipLocateFilter {
  /** a KMIP Name (kmip_names) or the Strongbox key name */
  name?: string;
  types?: readonly KeyType[];
  states?: readonly KeyState[];
}

/**
 * A KMIP object that is not a Strongbox key (migration 22): a Public Key without its private half, or
 * the metadata of a Secret Data / Opaque Object whose value is the Strongbox secret `kmip/<uid>`. The
 * Unique Identifier shares the key id space (service/kmip/kmip-item.ts). `publicKey` is a public key
 * (never secret material); the secret value never appears here.
 */
export interface KmipItemRecord {
  uid: string;
  /** public_key | secret_data | opaque */
  objectType: string;
  /** the key type of a public key (p256, secp256k1, ed25519, rsa*), else null */
  keyType: string | null;
  /** a KMIP state: pre_active | active | deactivated | compromised | destroyed | destroyed_compromised */
  state: string;
  /** JSON text; storage does not interpret it */
  attributes: string;
  /** a public key's bytes (the key type's native form); null for secrets and once destroyed */
  publicKey: Uint8Array | null;
  createdAt: string;
  updatedAt: string;
  /** the object's KMIP Names, indexed for Locate; replaced on every put */
  names?: readonly string[];
}

/** What Locate narrows KMIP items by, through indexes (migration 22). */
export interface KmipItemFilter {
  name?: string;
  objectTypes?: readonly string[];
  states?: readonly string[];
  keyTypes?: readonly string[];
}

/** An application's public key for signed requests (RFC 9421; migration 17), bound to one principal. */
export interface AppKeyRecord {
  /** the `keyid` the application puts in Signature-Input; unique */
  keyId: string;
  /** the token accessor (or `cert.…` certificate accessor) whose requests it signs */
  accessor: string;
  /** `ed25519` | `ecdsa-p256-sha256` (RFC 9421 §3.3 names) */
  algorithm: string;
  /** SubjectPublicKeyInfo, DER */
  publicKey: Uint8Array;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * An X.509 certificate attached to a key (migration 21): public data, stored as DER in plain, bound to
 * its key by the key id (the row's primary key and a foreign key to `keys`). The service layer checks
 * that its public key is the key's before it is stored.
 */
export interface KeyCertificateRecord {
  keyId: string;
  /** the certificate, DER */
  certificate: Uint8Array;
  updatedAt: string;
}

/**
 * A MuSig2 (BIP327) signing session of one key (migration 19): the secret nonce sealed under the
 * keyring (never stored in plaintext), what the session signs (`params`, JSON text the service
 * writes and reads), and its expiry. Taken (deleted) exactly once, before the partial signature leaves.
 */
export interface Musig2SessionRecord {
  id: string;
  keyId: string;
  /** service/bitcoin/bitcoin-musig2.ts's session parameters, JSON */
  params: string;
  /** the 97-byte secret nonce, sealed by the barrier */
  sealedNonce: Uint8Array;
  createdAt: string;
  /** ms since the epoch */
  expiresAt: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The certificate attached to a key, if any. */
  getKeyCertificate(keyId: string): Promise<KeyCertificateRecord | undefined>;
  /** Attaches a certificate to an existing key, replacing the one it had. Durable on return. */
  putKeyCertificate(record: KeyCertificateRecord): Promise<void>;
  /** Removes the key's certificate; false when it had none. Durable on return. */
  deleteKeyCertificate(keyId: string): Promise<boolean>;
  /** Stores a new MuSig2 session, pruning sessions that expired before `nowMs`. Durable on return. */
  createMusig2Session(record: Musig2SessionRecord, nowMs: number): Promise<void>;
  getMusig2Session(id: string): Promise<Musig2SessionRecord | undefined>;
  /**
   * Deletes the session and returns it, atomically: of concurrent calls (on any node) at most one gets
   * it. The deletion is durable (committed) on return. Undefined when there is no such session.
   */
  takeMusig2Session(id: string): Promise<Musig2SessionRecord | undefined>;
  /** Registers an application key; false when the key id is taken. Durable on return. */
  createAppKey(record: AppKeyRecord): Promise<boolean>;
  getAppKey(keyId: string): Promise<AppKeyRecord | undefined>;
  /** In key id order after `after`; only those of `accessor` when given. */
  listAppKeys(after: string | undefined, limit: number, accessor?: string): Promise<AppKeyRecord[]>;
  /** Marks it revoked (first revocation wins); false when there is no such key. */
  revokeAppKey(keyId: string, revokedAt: string): Promise<boolean>;
  /**
   * Records a signature nonce until `expiresAtMs`; false when (keyId, nonce) is already recorded — a
   * replay, on any node of the database. Durable on return. Rows expired before `nowMs` are pruned now
   * and then.
   */
  claimRequestNonce(keyId: string, nonce: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  /** The KMIP metadata of a key, if KMIP ever touched it. */
  getKmipObject(keyId: string): Promise<KmipObjectRecord | undefined>;
  /** Inserts or replaces the KMIP metadata of an existing key (`plaintextExport` is kept as first written). */
  putKmipObject(record: KmipObjectRecord): Promise<void>;
  /** KMIP metadata records in key id order after `after` (Locate pages through them). */
  listKmipObjects(after: string | undefined, limit: number): Promise<KmipObjectRecord[]>;
  /** Keys matching the filter, in creation order after the cursor, from indexes (never a scan of every key). */
  locateKmipKeys(filter: KmipLocateFilter, options: ListKeysOptions): Promise<KeyPage>;
  /** A KMIP item (public key, Secret Data, Opaque Object) by Unique Identifier. */
  getKmipItem(uid: string): Promise<KmipItemRecord | undefined>;
  /**
   * Inserts a KMIP item (`ifUpdatedAt` undefined; an existing uid is an error), or replaces one only if its
   * updatedAt is still `ifUpdatedAt` (optimistic concurrency: false when another write came first), with
   * its Names, in one transaction; durable on return. createdAt is kept as first written.
   */
  putKmipItem(record: KmipItemRecord, ifUpdatedAt?: string): Promise<boolean>;
  /** KMIP items matching the filter, in creation order after the cursor, from indexes (never a scan of every item). */
  locateKmipItems(filter: KmipItemFilter, options: ListKeysOptions): Promise<{ items: KmipItemRecord[]; nextCursor: string | null }>;
  /** Reads one system value (sealed root key, sealed keyring, seal config, token hashes). */
  getSysValue(name: string): Promise<Uint8Array | undefined>;
  /**
   * Writes all entries in one transaction, durable on return. With `ifAbsent`, writes nothing
   * and returns false when that entry already exists (used by init, which may happen only once).
   */
  putSysValues(entries: Record<string, Uint8Array>, options?: { ifAbsent?: string }): Promise<boolean>;
  /** Inserts a key and its first version atomically; durable on return. */
  createKey(key: KeyRecord, version: KeyVersionRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  getKeyByName(name: string): Promise<KeyRecord | undefined>;
  listKeys(options: ListKeysOptions): Promise<KeyPage>;
  getKeyVersion(keyId: string, version: number): Promise<KeyVersionRecord | undefined>;
  getKeyByAlias(alias: string): Promise<KeyRecord | undefined>;
  /** The key with this Ethereum address (lowercase 0x-hex), if any; an enabled one first, then the oldest. */
  getKeyByEthereumAddress(address: string): Promise<KeyRecord | undefined>;
  /**
   * Sets the Ethereum address of secp256k1 keys stored before addresses were indexed (`compute`
   * maps a public key to it); returns how many keys it updated. Idempotent.
   */
  backfillEthereumAddresses(compute: (publicKey: Uint8Array) => string): Promise<number>;
  /**
   * Applies a patch; returns the updated record, or undefined when the key does not exist. With
   * `expectStates`, applies it only if the key is in one of them (else ConflictError('key_state')),
   * atomically, so a transition cannot act on a state that changed after it was read.
   */
  updateKey(id: string, patch: KeyPatch, expectStates?: readonly KeyState[]): Promise<KeyRecord | undefined>;
  /** Adds version `version.version`, which must be current+1, and makes it current (atomically). */
  addKeyVersion(version: KeyVersionRecord, nextRotationAt: string | null): Promise<void>;
  /**
   * If the key is still pending deletion with a deletion date at or before `now`, erases every
   * version's sealed material (crypto-shredding) and marks it destroyed; returns whether it did.
   */
  destroyKeyMaterial(id: string, now: string): Promise<boolean>;
  /** Aliases share one namespace with names; ConflictError('key_alias') when taken by either. */
  addKeyAlias(keyId: string, alias: string, createdAt: string): Promise<void>;
  removeKeyAlias(keyId: string, alias: string): Promise<boolean>;
  /** Inserts a wallet; ConflictError('wallet_name') when another wallet has its name. */
  createWallet(wallet: WalletRecord): Promise<void>;
  getWallet(id: string): Promise<WalletRecord | undefined>;
  getWalletByName(name: string): Promise<WalletRecord | undefined>;
  /** Wallets in creation order after the opaque cursor `after`. */
  listWallets(options: ListKeysOptions): Promise<{ wallets: WalletRecord[]; nextCursor: string | null }>;
  /** Replaces a wallet's sealed seed only if it still equals `expected` (keyring re-wrap); returns whether it did. */
  replaceWalletSeed(id: string, expected: Uint8Array, next: Uint8Array): Promise<boolean>;
  /**
   * The key derived from a wallet at a canonical path. createKey with a (wallet, path) already taken
   * throws ConflictError('wallet_path'): one key per wallet and path.
   */
  getKeyByWalletPath(walletId: string, path: string): Promise<KeyRecord | undefined>;
  /** Keys whose deletion date or rotation time is at or before `now`. */
  listKeysDue(now: string): Promise<{ toDestroy: string[]; toRotate: string[] }>;

  createToken(token: TokenRecord): Promise<void>;
  getTokenByHash(tokenHash: Uint8Array): Promise<TokenRecord | undefined>;
  getTokenByAccessor(accessor: string): Promise<TokenRecord | undefined>;
  /** Atomically takes one use from a use-limited token; false when none was left. */
  consumeTokenUse(accessor: string): Promise<boolean>;
  setTokenExpiry(accessor: string, expiresAt: string | null): Promise<void>;
  /**
   * Revokes the token and all its descendants, and the AWS credentials any of them created, in one
   * transaction; returns the token accessors revoked.
   */
  revokeTokenTree(accessor: string, revokedAt: string): Promise<string[]>;
  /** Unrevoked tokens (any expiry) holding one of these policies. */
  listTokensWithPolicies(policies: string[]): Promise<TokenRecord[]>;

  createAwsCredential(credential: AwsCredentialRecord): Promise<void>;
  getAwsCredential(accessKeyId: string): Promise<AwsCredentialRecord | undefined>;
  /** Credentials (revoked and expired ones too) in access key id order, after `after`. */
  listAwsCredentials(after: string | undefined, limit: number): Promise<AwsCredentialRecord[]>;
  /** Sets revokedAt if the credential exists and is not revoked yet; returns whether it did. */
  revokeAwsCredential(accessKeyId: string, revokedAt: string): Promise<boolean>;
  /** Replaces a credential's sealed secret only if it still equals `expected` (re-wrap after rotation). */
  replaceAwsCredentialSecret(accessKeyId: string, expected: Uint8Array, next: Uint8Array): Promise<boolean>;

  putPolicy(policy: PolicyRecord): Promise<void>;
  getPolicy(name: string): Promise<PolicyRecord | undefined>;
  deletePolicy(name: string): Promise<boolean>;
  listPolicies(): Promise<PolicyRecord[]>;

  /**
   * Appends the rows `build` makes from the current chain head, durably, in one transaction, while
   * holding the audit write lock, so writers on several nodes (or several stores on one database)
   * extend ONE gap-free chain. Returns the rows written.
   */
  appendAudit(build: AuditBuilder): Promise<AuditRow[]>;
  /** The last audit row, or undefined for an empty log. */
  auditHead(): Promise<AuditRow | undefined>;
  readAudit(options: { afterSeq: number; limit: number }): Promise<AuditRow[]>;
  appendCheckpoint(row: CheckpointRow): Promise<void>;
  listCheckpoints(): Promise<CheckpointRow[]>;

  /**
   * Writes version current+1 of a secret (creating it at version 1). With `cas`, writes only if the
   * current version equals it (0 = must not exist), else ConflictError('secret_cas').
   */
  putSecretVersion(path: string, seal: (version: number) => Uint8Array, createdAt: string, cas?: number): Promise<number>;
  /** One version (default: the current one), or undefined when the path or version does not exist. */
  getSecretVersion(path: string, version?: number): Promise<SecretVersionRecord | undefined>;
  listSecretVersions(path: string): Promise<SecretVersionRecord[]>;
  /** Soft-deletes (deletedAt set) or undeletes (null) versions; returns how many changed. */
  setSecretVersionsDeleted(path: string, versions: number[], deletedAt: string | null): Promise<number>;
  /** Erases the sealed value of versions for good; returns how many were destroyed. */
  destroySecretVersions(path: string, versions: number[]): Promise<number>;
  /** Erases every version and the path itself. */
  deleteSecret(path: string): Promise<boolean>;
  /** Paths starting with `prefix`, in order, after `after`. */
  listSecretPaths(prefix: string, after: string | undefined, limit: number): Promise<string[]>;

  /** Key versions in (keyId, version) order after the given position, for the re-wrap after rotation. */
  scanKeyVersions(after: { keyId: string; version: number } | undefined, limit: number): Promise<KeyVersionRecord[]>;
  /**
   * Replaces each version's sealed material only if it still equals `expected` (keyring re-wrap), all
   * in one transaction (one commit for a whole page); returns, per item, whether it was replaced.
   */
  replaceKeyVersionMaterials(items: readonly SealedReplacement<{ keyId: string; version: number }>[]): Promise<boolean[]>;
  /** Secret versions (not destroyed) in (path, version) order after the given position. */
  scanSecretVersions(after: { path: string; version: number } | undefined, limit: number): Promise<(SecretVersionRecord & { path: string })[]>;
  /** Like replaceKeyVersionMaterials, for secret versions' sealed values. */
  replaceSecretVersionValues(items: readonly SealedReplacement<{ path: string; version: number }>[]): Promise<boolean[]>;

  /** Transaction rules of one scope (a key, later a wallet); put replaces them. */
  putTransactionRules(record: TransactionRulesRecord): Promise<void>;
  getTransactionRules(scope: RulesScope, scopeId: string): Promise<TransactionRulesRecord | undefined>;
  deleteTransactionRules(scope: RulesScope, scopeId: string): Promise<boolean>;
  /**
   * Atomically (one transaction, serialized against every other reservation of the scope): sums the
   * scope's reservations created after `windowStart`, and inserts `reservation` only if that sum plus
   * its amount is ≤ `limit`. Returns whether it did and the sum before it.
   */
  reserveSpend(reservation: SpendReservation, limit: bigint, windowStart: string): Promise<{ reserved: boolean; spent: bigint }>;
  /**
   * reserveSpend over several limits at once, all or nothing (one transaction, serialized against
   * every other reservation of the scope): for each limit, sums the scope's reservations in its bucket
   * created after its window start; inserts one row per limit, under the reservation's id, only if every
   * sum plus its amount is ≤ its limit. `spent` holds each sum before, in the order of `limits`.
   * Buckets must be distinct.
   */
  reserveLimits(reservation: Omit<SpendReservation, 'amount'>, limits: readonly LimitReservation[]): Promise<{ reserved: boolean; spent: bigint[] }>;
  /** Removes a reservation — every bucket it reserved (signing failed after it was made); returns whether it existed. */
  releaseSpend(id: string): Promise<boolean>;

  createApproval(approval: ApprovalRecord): Promise<void>;
  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  /** Newest first; `before` = the id of the last approval of the previous page. */
  listApprovals(options: { status?: ApprovalStatus; before?: string; limit: number }): Promise<ApprovalRecord[]>;
  /**
   * Records a vote while the approval is pending; a subject votes at most once (a second vote is
   * ignored, `added` false). Undefined when the approval does not exist or is no longer pending.
   */
  addApprovalVote(id: string, vote: ApprovalVote): Promise<{ added: boolean; approval: ApprovalRecord } | undefined>;
  /** Compare-and-set on status: applies the patch only if the status is one of `expect`; returns whether it did. */
  updateApproval(id: string, expect: readonly ApprovalStatus[], patch: { status: ApprovalStatus; reason?: string | null; result?: string | null; updatedAt: string }): Promise<boolean>;

  /**
   * Takes the account's nonce lease for `holder` if it is free or expired, atomically (compare-and-set
   * under a row lock / IMMEDIATE transaction), for `leaseMs` measured by the database's clock (PostgreSQL)
   * or the host's (SQLite), so the nodes' clocks need not agree. One refused caller at a time is
   * remembered as the next in line for `waitMs` (each retry refreshes it): while that claim stands
   * nobody else takes the free lease, so a node polling for it is not starved by another node that
   * re-takes it the moment it lets go.
   */
  acquireNonceLease(account: NonceAccount, holder: string, options: { leaseMs: number; waitMs: number }): Promise<NonceLeaseAttempt>;
  /** Extends the lease to `leaseMs` from now if `holder` still holds it (nobody took it after it expired); returns whether it did. */
  renewNonceLease(account: NonceAccount, holder: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it, recording the outcome; returns whether it did (a holder who lost the lease records nothing). */
  releaseNonceLease(account: NonceAccount, holder: string, outcome: NonceLeaseRelease): Promise<boolean>;

  /** The highest schema migration applied (the same numbers on every backend). */
  schemaVersion(): Promise<number>;

  /**
   * A consistent snapshot of the whole database (SQLite: the online backup API), as bytes.
   * PostgreSQL refuses (SnapshotUnsupportedError): back it up with pg_dump / pg_basebackup.
   */
  snapshot(): Promise<Uint8Array>;

  close(): Promise<void>;
}
