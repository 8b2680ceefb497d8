import { getKey } from '../../../service/keys/get-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id',
  operationId: 'getKey',
  summary: 'Key metadata by id or name',
  action: 'keys:read',
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => getKey(services.ctx, { key: params.id }),
});
