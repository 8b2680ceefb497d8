import { cancelKeyDeletion } from '../../../service/keys/key-lifecycle.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/cancel-deletion',
  operationId: 'cancelKeyDeletion',
  summary: 'Cancel a scheduled deletion; the key returns disabled',
  action: 'keys:delete',
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => cancelKeyDeletion(services.ctx, { key: params.id }),
});
