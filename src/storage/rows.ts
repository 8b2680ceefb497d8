/**
 * Row shapes and row → record mappers shared by the SQLite and PostgreSQL stores: both keep the same
 * columns (snake_case, timestamps as ISO text, JSON arrays as text, sealed bytes as blobs/bytea).
 */
import type { AwsCredentialRecord, TokenRecord, WalletRecord } from './types.js';

export interface TokenRow {
  accessor: string;
  token_hash: Buffer;
  name: string | null;
  subject: string;
  policies: string;
  parent_accessor: string | null;
  created_at: string;
  expires_at: string | null;
  ttl_seconds: number | null;
  num_uses_left: number | null;
  rate_per_second: number | null;
  rate_burst: number | null;
  revoked_at: string | null;
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
    ttlSeconds: r.ttl_seconds,
    numUsesLeft: r.num_uses_left,
    ratePerSecond: r.rate_per_second,
    rateBurst: r.rate_burst,
    revokedAt: r.revoked_at,
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
