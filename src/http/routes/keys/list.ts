import { listKeys } from '../../../service/keys/list-keys.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, pageOf, pageQuery, pageResponse } from '../../schemas.js';

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys',
  operationId: 'listKeys',
  summary: 'List keys, oldest first, one page at a time',
  action: 'keys:read',
  resource: () => ({ kind: 'keys' }),
  schema: {
    querystring: pageQuery,
    response: { 200: pageResponse('keys', keyInfo) },
  },
  handler: ({ services }, { query }) =>
    listKeys(services.ctx, {
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    }),
});
