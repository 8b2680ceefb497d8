/** Key metadata: description, tags and aliases (aliases share one namespace with names). */
import type { KeyRef } from '../shared/resolve-key.js';
import { StrongboxError } from '../../protocol/errors.js';
import { KEY_ID_PATTERN, KEY_NAME_PATTERN, type KeyInfo } from '../../protocol/types.js';
import { ConflictError } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { toKeyInfo } from '../shared/key-info.js';
import { resolveKey } from '../shared/resolve-key.js';

const NAME = new RegExp(KEY_NAME_PATTERN);
const ID = new RegExp(KEY_ID_PATTERN);
export const MAX_TAGS = 50;
export const MAX_ALIASES = 20;

export async function updateKey(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef; description?: string; tags?: Record<string, string> }): Promise<KeyInfo> {
  const record = await resolveKey(ctx, params.key);
  if (params.tags !== undefined && Object.keys(params.tags).length > MAX_TAGS) throw new StrongboxError('INVALID_ARGUMENT', `tags may have at most ${MAX_TAGS} entries`, { field: 'tags' });
  const patch = { ...(params.description === undefined ? {} : { description: params.description }), ...(params.tags === undefined ? {} : { tags: params.tags }) };
  return toKeyInfo((await ctx.store.updateKey(record.id, patch))!);
}

export async function addAlias(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { key: KeyRef; alias: string }): Promise<KeyInfo> {
  if (!NAME.test(params.alias) || ID.test(params.alias)) {
    throw new StrongboxError('INVALID_ARGUMENT', 'alias must be 1-128 characters of A-Z a-z 0-9 . _ - and not look like a key id', { field: 'alias' });
  }
  const record = await resolveKey(ctx, params.key);
  if (record.aliases.length >= MAX_ALIASES) throw new StrongboxError('INVALID_ARGUMENT', `a key may have at most ${MAX_ALIASES} aliases`, { field: 'alias' });
  try {
    await ctx.store.addKeyAlias(record.id, params.alias, ctx.now().toISOString());
  } catch (err) {
    if (err instanceof ConflictError) throw new StrongboxError('ALIAS_TAKEN', `"${params.alias}" is already a key name or alias`, { field: 'alias' });
    throw err;
  }
  return toKeyInfo((await ctx.store.getKey(record.id))!);
}

export async function removeAlias(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef; alias: string }): Promise<KeyInfo> {
  const record = await resolveKey(ctx, params.key);
  if (!(await ctx.store.removeKeyAlias(record.id, params.alias))) throw new StrongboxError('ALIAS_NOT_FOUND', `key ${record.id} has no alias "${params.alias}"`, { field: 'alias' });
  return toKeyInfo((await ctx.store.getKey(record.id))!);
}
