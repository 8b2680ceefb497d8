import { removeAlias } from '../../../service/keys/update-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo } from '../../schemas.js';

export default defineKeyRoute({
  method: 'DELETE',
  url: '/v1/keys/:id/aliases/:alias',
  operationId: 'removeKeyAlias',
  summary: 'Remove one alias of a key',
  action: 'keys:update',
  schema: {
    params: { type: 'object', required: ['id', 'alias'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 }, alias: { type: 'string', minLength: 1, maxLength: 128 } } },
    response: { 200: keyInfo },
  },
  handler: ({ services }, { params }) => removeAlias(services.ctx, { key: params.id, alias: params.alias }),
});
