import { disableKey } from '../../../service/keys/key-lifecycle.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/disable',
  operationId: 'disableKey',
  summary: 'Disable a key: it refuses every cryptographic operation until enabled',
  action: 'keys:disable',
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => disableKey(services.ctx, { key: params.id }),
});
