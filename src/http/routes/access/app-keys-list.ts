import { listAppKeys } from '../../../service/access/app-keys.js';
import { defineRoute } from '../../route.js';
import { appKeyInfo, object, pageOf, pageResponse } from '../../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/auth/app-keys',
  operationId: 'listAppKeys',
  summary: 'List application keys (active and revoked) by key id, one page at a time, optionally those of one accessor',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:read',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    querystring: object({
      limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
      cursor: { type: 'string', maxLength: 128, description: 'nextCursor from the previous page' },
      accessor: { type: 'string', minLength: 1, maxLength: 128, description: 'only the keys of this accessor' },
    }),
    response: { 200: pageResponse('keys', appKeyInfo) },
  },
  handler: ({ services }, { query }) => listAppKeys(services.ctx, { ...pageOf(query), ...(query.accessor === undefined ? {} : { accessor: query.accessor }) }),
});
