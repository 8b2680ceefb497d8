/** TagResource, UntagResource, ListResourceTags, UpdateKeyDescription: key metadata (keys:update / keys:read). */
import { updateKey } from '../../service/keys/update-key.js';
import { validation } from '../errors.js';
import { KEY_USAGE_TAG, visibleTags } from '../key-metadata.js';
import { byKeyId, defineOperation, str } from '../operation.js';

/** `[{TagKey, TagValue}]` → a tag map. */
export function parseTags(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) throw validation('Tags must be a list of {TagKey, TagValue}');
  // Null-prototype: a TagKey is user-chosen, and `__proto__` or `constructor` is a name like any other.
  const tags = Object.create(null) as Record<string, string>;
  for (const t of value as unknown[]) {
    const { TagKey, TagValue } = (t ?? {}) as Record<string, unknown>;
    if (typeof TagKey !== 'string' || TagKey.length < 1 || TagKey.length > 128 || typeof TagValue !== 'string' || TagValue.length > 256) {
      throw validation('each tag needs a TagKey (1-128 characters) and a TagValue (0-256 characters)');
    }
    // AWS reserves the aws: prefix; Strongbox keeps an RSA key's KeyUsage under it.
    if (TagKey.startsWith('aws:')) throw validation('TagKey must not begin with aws: (reserved)');
    tags[TagKey] = TagValue;
  }
  return tags;
}

export const tagResourceOperation = defineOperation({
  name: 'TagResource',
  action: 'keys:update',
  keyRef: byKeyId,
  async run({ ctx }, input, key) {
    await updateKey(ctx, { key: key!, tags: { ...key!.tags, ...parseTags(input['Tags']) } });
    return {};
  },
});

export const untagResourceOperation = defineOperation({
  name: 'UntagResource',
  action: 'keys:update',
  keyRef: byKeyId,
  async run({ ctx }, input, key) {
    const remove = input['TagKeys'];
    if (!Array.isArray(remove) || !remove.every((k) => typeof k === 'string')) throw validation('TagKeys must be a list of strings');
    const tags = { ...key!.tags };
    for (const k of remove as string[]) {
      if (k === KEY_USAGE_TAG) continue;
      delete tags[k];
    }
    await updateKey(ctx, { key: key!, tags });
    return {};
  },
});

export const listResourceTagsOperation = defineOperation({
  name: 'ListResourceTags',
  action: 'keys:read',
  keyRef: byKeyId,
  async run(_rc, _input, key) {
    return { Tags: visibleTags(key!.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false };
  },
});

export const updateKeyDescriptionOperation = defineOperation({
  name: 'UpdateKeyDescription',
  action: 'keys:update',
  keyRef: byKeyId,
  async run({ ctx }, input, key) {
    const description = str(input, 'Description');
    if (description.length > 8192) throw validation('Description must be at most 8192 characters');
    await updateKey(ctx, { key: key!, description });
    return {};
  },
});
