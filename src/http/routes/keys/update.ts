import { updateKey } from '../../../service/keys/update-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams, object, tags } from '../../schemas.js';

export default defineKeyRoute({
  method: 'PATCH',
  url: '/v1/keys/:id',
  operationId: 'updateKey',
  summary: 'Change a key\'s description or tags (tags are replaced as a whole)',
  action: 'keys:update',
  schema: { params: keyParams, body: object({ description: { type: 'string', maxLength: 1024 }, tags }), response: { 200: keyInfo } },
  handler: ({ services }, { params, body }) => updateKey(services.ctx, { key: params.id, ...body }),
});
