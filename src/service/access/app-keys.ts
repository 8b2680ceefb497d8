/**
 * Application keys for signed requests (RFC 9421): an Ed25519 or ECDSA P-256 public key, given as PEM
 * (SPKI) or JWK, bound to one principal — a token accessor, or a client certificate's accessor
 * (`cert.<24 hex>`, as audit records name it). Register, list, revoke. Only public keys are stored.
 * Registering is the `tokens:app-keys` action, so a stolen token cannot bind a key of the thief's
 * to itself unless its policies grant that.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { StrongboxError } from '../../protocol/errors.js';
import type { AppKeyAlgorithm } from '../../protocol/http-signature.js';
import type { AppKeyRecord } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';

export interface AppKeyInfo {
  keyId: string;
  accessor: string;
  algorithm: AppKeyAlgorithm;
  /** SPKI PEM */
  publicKey: string;
  createdAt: string;
  revokedAt: string | null;
  status: 'active' | 'revoked';
}

export interface RegisterAppKeyParameters {
  keyId: string;
  accessor: string;
  /** SPKI PEM, or a public JWK (OKP Ed25519, EC P-256) */
  publicKey: string | Record<string, unknown>;
}

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CERT_ACCESSOR = /^cert\.[0-9a-f]{24}$/;

function toInfo(r: AppKeyRecord): AppKeyInfo {
  const pem = createPublicKey({ key: Buffer.from(r.publicKey), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;
  return { keyId: r.keyId, accessor: r.accessor, algorithm: r.algorithm as AppKeyAlgorithm, publicKey: pem, createdAt: r.createdAt, revokedAt: r.revokedAt, status: r.revokedAt === null ? 'active' : 'revoked' };
}

/** The key and its RFC 9421 algorithm name; INVALID_KEY_MATERIAL naming `publicKey` otherwise. */
export function parseAppPublicKey(publicKey: string | Record<string, unknown>): { key: KeyObject; algorithm: AppKeyAlgorithm } {
  let key: KeyObject;
  try {
    if (typeof publicKey === 'string') {
      if (!publicKey.includes('-----BEGIN PUBLIC KEY-----')) throw new Error('not SPKI PEM');
      key = createPublicKey({ key: publicKey, format: 'pem' });
    } else {
      if ('d' in publicKey) throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey is a private JWK (it has "d"); register only the public key', { field: 'publicKey' });
      key = createPublicKey({ key: publicKey as never, format: 'jwk' });
    }
  } catch (err) {
    if (err instanceof StrongboxError) throw err;
    throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----") or a public JWK', { field: 'publicKey' });
  }
  if (key.type !== 'public') throw new StrongboxError('INVALID_KEY_MATERIAL', 'publicKey must be a public key', { field: 'publicKey' });
  if (key.asymmetricKeyType === 'ed25519') return { key, algorithm: 'ed25519' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ecdsa-p256-sha256' };
  throw new StrongboxError('INVALID_KEY_MATERIAL', `publicKey must be Ed25519 or ECDSA P-256 (got ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''})`, { field: 'publicKey' });
}

export async function registerAppKey(ctx: Pick<ServiceContext, 'store' | 'now'>, params: RegisterAppKeyParameters): Promise<AppKeyInfo> {
  if (!KEY_ID.test(params.keyId)) throw new StrongboxError('INVALID_ARGUMENT', 'keyId must be 1-128 of A-Z a-z 0-9 . _ : - starting with a letter or digit', { field: 'keyId' });
  if (!CERT_ACCESSOR.test(params.accessor)) {
    const token = await ctx.store.getTokenByAccessor(params.accessor);
    if (token === undefined) throw new StrongboxError('TOKEN_NOT_FOUND', 'accessor names no token (nor a certificate accessor cert.<24 hex>)', { field: 'accessor' });
    if (token.revokedAt !== null) throw new StrongboxError('TOKEN_REVOKED', 'the token of that accessor is revoked', { field: 'accessor' });
  }
  const { key, algorithm } = parseAppPublicKey(params.publicKey);
  const record: AppKeyRecord = {
    keyId: params.keyId,
    accessor: params.accessor,
    algorithm,
    publicKey: new Uint8Array(key.export({ format: 'der', type: 'spki' })),
    createdAt: ctx.now().toISOString(),
    revokedAt: null,
  };
  if (!(await ctx.store.createAppKey(record))) throw new StrongboxError('APP_KEY_ID_TAKEN', `an application key "${params.keyId}" already exists (key ids are never reused, even after revocation)`, { field: 'keyId' });
  return toInfo(record);
}

export async function listAppKeys(ctx: Pick<ServiceContext, 'store'>, params: { limit?: number; after?: string; accessor?: string }): Promise<{ keys: AppKeyInfo[]; nextCursor: string | null }> {
  const limit = params.limit ?? 100;
  if (limit < 1 || limit > 1000) throw new StrongboxError('INVALID_ARGUMENT', 'limit must be 1-1000', { field: 'limit' });
  const rows = await ctx.store.listAppKeys(params.after, limit + 1, params.accessor);
  const page = rows.slice(0, limit);
  return { keys: page.map(toInfo), nextCursor: rows.length > limit ? page[page.length - 1]!.keyId : null };
}

export async function revokeAppKey(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { keyId: string }): Promise<AppKeyInfo> {
  if (!(await ctx.store.revokeAppKey(params.keyId, ctx.now().toISOString()))) throw new StrongboxError('APP_KEY_NOT_FOUND', `no application key "${params.keyId.slice(0, 128)}"`, { field: 'keyId' });
  return toInfo((await ctx.store.getAppKey(params.keyId))!);
}
