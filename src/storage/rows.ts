/**
 * Row shapes and row → record mappers shared by the SQLite and PostgreSQL stores: both keep the same
 * columns (snake_case, timestamps as ISO text, JSON arrays as text, sealed bytes as blobs/bytea).
 */
import type { CallerBinding } from '../protocol/types.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalVote, AwsCredentialRecord, KeyPatch, KeyRecord, TokenRecord, WalletRecord } from './types.js';

export interface TokenRow {
  accessor: string;
  token_hash: Buffer;
  name: string | null;
  subject: string;
  policies: string;
  parent_accessor: string | null;
  created_at: string;
  expires_at: string | null;
  /** absent when a read-only tool opens a database not yet at migration 13 */
  max_expires_at?: string | null;
  /** SQLite 0/1, PostgreSQL boolean; absent before migration 13 (every token was renewable) */
  renewable?: number | boolean;
  ttl_seconds: number | null;
  num_uses_left: number | null;
  rate_per_second: number | null;
  rate_burst: number | null;
  revoked_at: string | null;
  /** JSON; absent before migration 18 (no token was bound) */
  bind_caller?: string | null;
}

export function toTokenRecord(r: TokenRow): TokenRecord {
  return {
    accessor: r.accessor,
    tokenHash: new Uint8Array(r.token_hash),
    name: r.name,
    subject: r.subject,
    policies: JSON.parse(r.policies) as string[],
    parentAccessor: r.parent_accessor,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    maxExpiresAt: r.max_expires_at ?? null,
    renewable: r.renewable !== false && r.renewable !== 0,
    ttlSeconds: r.ttl_seconds,
    numUsesLeft: r.num_uses_left,
    ratePerSecond: r.rate_per_second,
    rateBurst: r.rate_burst,
    revokedAt: r.revoked_at,
    bindCaller: r.bind_caller === undefined || r.bind_caller === null ? null : (JSON.parse(r.bind_caller) as CallerBinding),
  };
}

export interface AwsCredentialRow {
  access_key_id: string;
  sealed_secret: Buffer;
  subject: string;
  policies: string;
  parent_accessor: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export function toAwsCredentialRecord(r: AwsCredentialRow): AwsCredentialRecord {
  return {
    accessKeyId: r.access_key_id,
    sealedSecret: new Uint8Array(r.sealed_secret),
    subject: r.subject,
    policies: JSON.parse(r.policies) as string[],
    parentAccessor: r.parent_accessor,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

export interface WalletRow {
  seq: number;
  id: string;
  name: string | null;
  origin: WalletRecord['origin'];
  sealed_seed: Buffer;
  created_at: string;
}

export function toWalletRecord(r: WalletRow): WalletRecord {
  return { id: r.id, name: r.name, origin: r.origin, sealedSeed: new Uint8Array(r.sealed_seed), createdAt: r.created_at };
}

export interface KeyRow {
  seq: number;
  id: string;
  name: string | null;
  type: KeyRecord['type'];
  origin: KeyRecord['origin'];
  state: KeyRecord['state'];
  /** SQLite: 0/1; PostgreSQL: boolean */
  exportable: number | boolean;
  public_key: Buffer | null;
  kcv: Buffer | null;
  current_version: number;
  created_at: string;
  description: string;
  tags: string;
  deletion_date: string | null;
  rotation_period_days: number | null;
  next_rotation_at: string | null;
  min_decryption_version: number;
  /** the key's aliases, aggregated by the query: SQLite gives JSON text, PostgreSQL an array; null when none */
  aliases: string | string[] | null;
  wallet_id: string | null;
  derivation_path: string | null;
  eth_address: string | null;
}

export function toKeyRecord(row: KeyRow): KeyRecord {
  const aliases = row.aliases === null ? [] : typeof row.aliases === 'string' ? (JSON.parse(row.aliases) as string[]) : [...row.aliases];
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    origin: row.origin,
    state: row.state,
    exportable: row.exportable === true || row.exportable === 1,
    publicKey: row.public_key === null ? null : new Uint8Array(row.public_key),
    kcv: row.kcv === null ? null : new Uint8Array(row.kcv),
    currentVersion: row.current_version,
    createdAt: row.created_at,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    deletionDate: row.deletion_date,
    rotationPeriodDays: row.rotation_period_days,
    nextRotationAt: row.next_rotation_at,
    minDecryptionVersion: row.min_decryption_version,
    aliases: aliases.sort(),
    wallet: row.wallet_id,
    path: row.derivation_path,
    ...(row.eth_address === null ? {} : { ethereumAddress: row.eth_address }),
  };
}

export interface ApprovalRow {
  seq: number;
  id: string;
  scope: ApprovalRecord['scope'];
  scope_id: string;
  key_id: string;
  chain: string;
  operation: string;
  request: string;
  summary: string;
  requester_subject: string;
  requester_accessor: string;
  required: number;
  status: ApprovalStatus;
  reason: string | null;
  result: string | null;
  created_at: string;
  expires_at: string;
  updated_at: string;
}

export function toApprovalRecord(r: ApprovalRow, votes: ApprovalVote[]): ApprovalRecord {
  return {
    id: r.id,
    scope: r.scope,
    scopeId: r.scope_id,
    keyId: r.key_id,
    chain: r.chain,
    operation: r.operation,
    request: r.request,
    summary: r.summary,
    requesterSubject: r.requester_subject,
    requesterAccessor: r.requester_accessor,
    required: r.required,
    status: r.status,
    reason: r.reason,
    result: r.result,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    updatedAt: r.updated_at,
    votes,
  };
}

/** The column each KeyPatch field updates (the same names on both backends). */
export const KEY_PATCH_COLUMNS: Record<keyof KeyPatch, string> = {
  state: 'state',
  description: 'description',
  tags: 'tags',
  deletionDate: 'deletion_date',
  rotationPeriodDays: 'rotation_period_days',
  nextRotationAt: 'next_rotation_at',
  minDecryptionVersion: 'min_decryption_version',
};

/** The row of one bucket of a spend reservation (Store.reserveLimits): the reservation id and the bucket. */
export function reservationRowId(reservationId: string, bucket: string): string {
  return `${reservationId}/${bucket}`;
}

/** A reservation counts once per bucket: the same bucket twice would be summed against itself wrongly. */
export function assertDistinctBuckets(limits: readonly { bucket: string }[]): void {
  if (new Set(limits.map((l) => l.bucket)).size !== limits.length) throw new Error('reserveLimits: each bucket at most once per reservation');
}
