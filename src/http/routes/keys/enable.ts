import { enableKey } from '../../../service/keys/key-lifecycle.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/enable',
  operationId: 'enableKey',
  summary: 'Enable a disabled key',
  action: 'keys:disable',
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => enableKey(services.ctx, { key: params.id }),
});
