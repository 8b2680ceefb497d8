import { scheduleKeyDeletion } from '../../../service/keys/key-lifecycle.js';
import { defineKeyRoute } from '../../route.js';
import { duration, keyInfo, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'DELETE',
  url: '/v1/keys/:id',
  operationId: 'scheduleKeyDeletion',
  summary: 'Schedule deletion after a waiting period (7-30 days, default 30); the key is unusable meanwhile',
  action: 'keys:delete',
  schema: {
    params: keyParams,
    body: object({ pendingDays: duration('waiting period, 7 to 30 days (default 30)', 'days') }),
    response: { 200: keyInfo },
  },
  handler: ({ services }, { params, body }) => scheduleKeyDeletion(services.ctx, { key: params.id, ...body }),
});
