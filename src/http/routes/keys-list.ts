import { listKeys } from '../../service/list-keys.js';
import { defineKeyRoute } from '../route.js';
import { keyInfo, object } from '../schemas.js';

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys',
  operationId: 'listKeys',
  summary: 'List keys, oldest first, one page at a time',
  action: 'keys:read',
  resource: () => ({ kind: 'keys' }),
  schema: {
    querystring: object({
      limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
      cursor: { type: 'string', maxLength: 32, description: 'nextCursor from the previous page' },
    }),
    response: {
      200: {
        type: 'object',
        required: ['keys', 'nextCursor'],
        properties: { keys: { type: 'array', items: keyInfo }, nextCursor: { type: ['string', 'null'] } },
      },
    },
  },
  handler: ({ services }, { query }) =>
    listKeys(services.ctx, {
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    }),
});
