import { getKey } from '../../service/get-key.js';
import { defineRoute } from '../route.js';
import { keyInfo, keyParams } from '../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/keys/:id',
  operationId: 'getKey',
  summary: 'Key metadata by id or name',
  tags: ['keys'],
  auth: 'token',
  requiresUnsealed: true,
  successStatus: 200,
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => getKey(services.ctx, { key: params.id }),
});
