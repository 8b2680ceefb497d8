/** EnableKey, DisableKey (keys:disable), ScheduleKeyDeletion, CancelKeyDeletion (keys:delete). */
import { cancelKeyDeletion, disableKey, enableKey, scheduleKeyDeletion } from '../../service/keys/key-lifecycle.js';
import { keyArn } from '../key-id.js';
import { keyStateOf } from '../key-metadata.js';
import { byKeyId, defineOperation, int } from '../operation.js';

export const enableKeyOperation = defineOperation({
  name: 'EnableKey',
  action: 'keys:disable',
  keyRef: byKeyId,
  async run({ ctx }, _input, key) {
    await enableKey(ctx, { key: key! });
    return {};
  },
});

export const disableKeyOperation = defineOperation({
  name: 'DisableKey',
  action: 'keys:disable',
  keyRef: byKeyId,
  async run({ ctx }, _input, key) {
    await disableKey(ctx, { key: key! });
    return {};
  },
});

export const scheduleKeyDeletionOperation = defineOperation({
  name: 'ScheduleKeyDeletion',
  action: 'keys:delete',
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const days = int(input, 'PendingWindowInDays', 1, 365) ?? 30;
    const info = await scheduleKeyDeletion(ctx, { key: key!, pendingDays: days });
    return { KeyId: keyArn(region, info.id), DeletionDate: Date.parse(info.deletionDate!) / 1000, KeyState: keyStateOf(info.state), PendingWindowInDays: days };
  },
});

export const cancelKeyDeletionOperation = defineOperation({
  name: 'CancelKeyDeletion',
  action: 'keys:delete',
  keyRef: byKeyId,
  async run({ ctx, region }, _input, key) {
    const info = await cancelKeyDeletion(ctx, { key: key! });
    return { KeyId: keyArn(region, info.id) };
  },
});
