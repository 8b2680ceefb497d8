/**
 * Finding a key by id or unique name, and getting its unwrapped material through the key cache.
 * The record identity used as AAD ("key/<id>/v<version>/<type>") is defined in record-identity.ts.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { KEY_ID_PATTERN } from '../../protocol/types.js';
import { signingAlgorithm } from '../../crypto/algorithms.js';
import { wipe } from '../../crypto/wipe.js';
import { loadPooled } from '../../crypto/signers/secp256k1.js';
import { loadPooled as loadPooledRsa } from '../../crypto/signers/rsa.js';
import { ensureTerm } from './keyring-refresh.js';
import type { KeyRecord } from '../../storage/types.js';
import type { ServiceContext } from './context.js';
import type { CachedKey } from './key-cache.js';
import type { Resource } from '../../policy/types.js';
import { keyMaterialContext } from './record-identity.js';

const KEY_ID = new RegExp(KEY_ID_PATTERN);

/**
 * A key as the service layer hands it to interfaces: metadata and public material, never secret
 * material (its sealed versions stay in storage). Interfaces (http/, aws/, ethrpc/, cli/) hold this
 * type and never import a storage row.
 */
export type ServiceKey = KeyRecord;

/** A key as callers name it (id, name or alias), or its record when already resolved this request. */
export type KeyRef = string | ServiceKey;

/** By id (UUID), else by unique name, else by alias. */
async function findKey(ctx: Pick<ServiceContext, 'store'>, ref: string): Promise<KeyRecord | undefined> {
  if (KEY_ID.test(ref)) return ctx.store.getKey(ref);
  return (await ctx.store.getKeyByName(ref)) ?? (await ctx.store.getKeyByAlias(ref));
}

/** A key reference (id, name or alias) to its record; a record already resolved is taken as is. */
export async function resolveKey(ctx: Pick<ServiceContext, 'store'>, idOrName: KeyRef): Promise<KeyRecord> {
  if (typeof idOrName !== 'string') return idOrName;
  const record = await findKey(ctx, idOrName);
  if (record === undefined) throw new StrongboxError('KEY_NOT_FOUND', `no key has the id or name ${JSON.stringify(idOrName.slice(0, 128))}`);
  return record;
}

/**
 * The policy resource of a key record: id, name, aliases and, for an HD-derived key, its wallet and
 * canonical path (the wallet's name is looked up by the authorizer only when a policy needs it).
 */
export function keyRecordResource(record: KeyRecord): Resource {
  const base = { kind: 'key', id: record.id, name: record.name, aliases: record.aliases } as const;
  return record.wallet !== null && record.path !== null ? { ...base, wallet: { id: record.wallet, path: record.path } } : base;
}

/**
 * The policy resource for a key reference. An unknown key yields a resource named by the reference
 * itself, so the caller gets 403 when not allowed and 404 only when allowed (no existence oracle).
 */
export async function keyResource(ctx: Pick<ServiceContext, 'store'>, idOrName: string): Promise<{ resource: Resource; record: KeyRecord | undefined }> {
  const record = await findKey(ctx, idOrName);
  if (record === undefined) return { resource: KEY_ID.test(idOrName) ? { kind: 'key', id: idOrName, name: null } : { kind: 'key', id: '?', name: idOrName }, record };
  return { resource: keyRecordResource(record), record };
}

/** Crypto operations need an enabled key; metadata stays readable in every state. */
export function assertUsable(record: KeyRecord): void {
  switch (record.state) {
    case 'enabled':
      return;
    case 'disabled':
      throw new StrongboxError('KEY_DISABLED', `key ${record.id} is disabled; enable it first`);
    case 'pending_deletion':
      throw new StrongboxError('KEY_PENDING_DELETION', `key ${record.id} is scheduled for deletion on ${record.deletionDate}; cancel the deletion to use it`);
    case 'destroyed':
      throw new StrongboxError('KEY_DESTROYED', `key ${record.id} was destroyed; its public key and metadata remain for audit`);
  }
}

/**
 * The unwrapped secret of one key version, straight from storage (never cached): for the cache below
 * and for export. The caller wipes it. Requires an unsealed barrier.
 */
export async function openKeyMaterial(ctx: Pick<ServiceContext, 'store' | 'barrier'>, record: KeyRecord, version = record.currentVersion): Promise<Uint8Array> {
  const stored = await ctx.store.getKeyVersion(record.id, version);
  if (stored === undefined) throw new StrongboxError('KEY_VERSION_NOT_FOUND', `key ${record.id} has no version ${version}`);
  await ensureTerm(ctx, stored.sealedMaterial);
  return ctx.barrier.decrypt(stored.sealedMaterial, keyMaterialContext(record.id, version, record.type));
}

/** Unwraps version `version` of a key (or takes it from the cache). Requires an unsealed barrier. */
export async function loadKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'> & Partial<Pick<ServiceContext, 'signingPool'>>, record: KeyRecord, version = record.currentVersion): Promise<CachedKey> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const cacheId = `${record.id}:${version}`;
  const cached = ctx.keyCache.get(cacheId);
  if (cached !== undefined) return cached;

  const secretKey = await openKeyMaterial(ctx, record, version);
  const alg = signingAlgorithm(record.type);
  let entry: CachedKey;
  if (alg === undefined) {
    entry = { kind: 'secret', secretKey };
  } else {
    try {
      const pool = ctx.signingPool;
      const type = record.type;
      const signer =
        pool === undefined
          ? alg.load(secretKey, record.publicKey!)
          : type === 'secp256k1'
            ? loadPooled(pool, cacheId, secretKey, record.publicKey!)
            : type === 'rsa2048' || type === 'rsa3072' || type === 'rsa4096'
              ? loadPooledRsa(pool, type, cacheId, secretKey, record.publicKey!)
              : alg.load(secretKey, record.publicKey!);
      entry = { kind: 'signer', signer };
    } finally {
      wipe(secretKey);
    }
  }
  ctx.keyCache.set(cacheId, entry);
  return entry;
}
