/**
 * Finding a key by id or unique name, and getting its unwrapped material through the key cache.
 * The record identity used as AAD ("key/<id>/v<version>/<type>") is defined here and only here.
 */
import { StrongboxError } from '../protocol/errors.js';
import { KEY_ID_PATTERN } from '../protocol/types.js';
import { signingAlgorithm } from '../crypto/algorithms.js';
import { wipe } from '../crypto/wipe.js';
import type { KeyRecord } from '../storage/types.js';
import type { ServiceContext } from './context.js';
import type { CachedKey } from './key-cache.js';
import type { Resource } from '../policy/types.js';

const KEY_ID = new RegExp(KEY_ID_PATTERN);

export function keyMaterialContext(id: string, version: number, type: KeyRecord['type']): string {
  return `key/${id}/v${version}/${type}`;
}

export async function resolveKey(ctx: Pick<ServiceContext, 'store'>, idOrName: string): Promise<KeyRecord> {
  const record = KEY_ID.test(idOrName) ? await ctx.store.getKey(idOrName) : await ctx.store.getKeyByName(idOrName);
  if (record === undefined) throw new StrongboxError('KEY_NOT_FOUND', `no key has the id or name ${JSON.stringify(idOrName.slice(0, 128))}`);
  return record;
}

/**
 * The policy resource for a key reference. An unknown key yields a resource named by the reference
 * itself, so the caller gets 403 when not allowed and 404 only when allowed (no existence oracle).
 */
export async function keyResource(ctx: Pick<ServiceContext, 'store'>, idOrName: string): Promise<Resource> {
  const record = KEY_ID.test(idOrName) ? await ctx.store.getKey(idOrName) : await ctx.store.getKeyByName(idOrName);
  if (record === undefined) return KEY_ID.test(idOrName) ? { kind: 'key', id: idOrName, name: null } : { kind: 'key', id: '?', name: idOrName };
  return { kind: 'key', id: record.id, name: record.name };
}

/** Unwraps version `version` of a key (or takes it from the cache). Requires an unsealed barrier. */
export async function loadKey(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'keyCache'>, record: KeyRecord, version = record.currentVersion): Promise<CachedKey> {
  if (ctx.barrier.sealed) throw new StrongboxError('SEALED');
  const cacheId = `${record.id}:${version}`;
  const cached = ctx.keyCache.get(cacheId);
  if (cached !== undefined) return cached;

  const stored = await ctx.store.getKeyVersion(record.id, version);
  if (stored === undefined) throw new StrongboxError('KEY_VERSION_NOT_FOUND', `key ${record.id} has no version ${version}`);
  const secretKey = ctx.barrier.decrypt(stored.sealedMaterial, keyMaterialContext(record.id, version, record.type));
  const alg = signingAlgorithm(record.type);
  let entry: CachedKey;
  if (alg === undefined) {
    entry = { kind: 'secret', secretKey };
  } else {
    try {
      entry = { kind: 'signer', signer: alg.load(secretKey, record.publicKey!) };
    } finally {
      wipe(secretKey);
    }
  }
  ctx.keyCache.set(cacheId, entry);
  return entry;
}
