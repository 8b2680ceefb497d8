/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases: `alias/<name>` ↔ the Strongbox alias `<name>`. */
import { StrongboxError } from '../../protocol/errors.js';
import { listKeys } from '../../service/keys/list-keys.js';
import { addAlias, removeAlias } from '../../service/keys/update-key.js';
import { aliasArn, toAliasName, toKeyRef } from '../key-id.js';
import { defineOperation, int, str } from '../operation.js';

export const createAliasOperation = defineOperation({
  name: 'CreateAlias',
  action: 'keys:update',
  keyRef: (input) => toKeyRef(input['TargetKeyId'], 'TargetKeyId'),
  async run({ ctx }, input, key) {
    await addAlias(ctx, { key: key!, alias: toAliasName(input['AliasName']) });
    return {};
  },
});

/** Moves an alias: authorized on both keys. Not atomic: a crash in between leaves the alias removed. */
export const updateAliasOperation = defineOperation({
  name: 'UpdateAlias',
  action: 'keys:update',
  keyRef: (input) => toKeyRef(input['TargetKeyId'], 'TargetKeyId'),
  async run(rc, input, target) {
    const alias = toAliasName(input['AliasName']);
    const current = await rc.authorizeKey('keys:update', alias);
    if (current.id === target!.id) return {};
    if (current.type !== target!.type) {
      throw new StrongboxError('UNSUPPORTED_OPERATION', `alias/${alias} points to a ${current.type} key; it can only move to a key of the same type`, { field: 'TargetKeyId' });
    }
    await removeAlias(rc.ctx, { key: current, alias });
    try {
      await addAlias(rc.ctx, { key: target!, alias });
    } catch (err) {
      await addAlias(rc.ctx, { key: current, alias });
      throw err;
    }
    return {};
  },
});

export const deleteAliasOperation = defineOperation({
  name: 'DeleteAlias',
  action: 'keys:update',
  keyRef: (input) => toAliasName(input['AliasName']),
  async run({ ctx }, input, key) {
    await removeAlias(ctx, { key: key!, alias: toAliasName(input['AliasName']) });
    return {};
  },
});

/** Every alias (or a key's), in key creation order; Marker is the index of the next alias. */
export const listAliasesOperation = defineOperation({
  name: 'ListAliases',
  action: 'keys:read',
  keyRef: (input) => (input['KeyId'] === undefined ? undefined : toKeyRef(input['KeyId'])),
  async run({ ctx, region }, input, key) {
    const limit = int(input, 'Limit', 1, 100) ?? 50;
    const marker = str(input, 'Marker', true);
    const start = marker === undefined ? 0 : Number(marker);
    const all: { AliasName: string; AliasArn: string; TargetKeyId: string }[] = [];
    const add = (id: string, aliases: readonly string[]): void => {
      for (const a of aliases) all.push({ AliasName: `alias/${a}`, AliasArn: aliasArn(region, a), TargetKeyId: id });
    };
    if (key !== undefined) add(key.id, key.aliases);
    else {
      let cursor: string | undefined;
      do {
        const page = await listKeys(ctx, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
        for (const k of page.keys) add(k.id, k.aliases);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    const slice = all.slice(Number.isInteger(start) && start >= 0 ? start : 0, start + limit);
    const next = start + limit;
    return { Aliases: slice, Truncated: next < all.length, ...(next < all.length ? { NextMarker: String(next) } : {}) };
  },
});
