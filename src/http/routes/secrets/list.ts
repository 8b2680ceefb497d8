import { listSecrets } from '../../../service/secrets/secrets.js';
import { decide } from '../../../service/access/authorize.js';
import { defineRoute } from '../../route.js';
import { object } from '../../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/secrets',
  operationId: 'listSecrets',
  summary: 'List secret paths under a prefix (the caller needs secrets:list on secret:<prefix>)',
  tags: ['secrets'],
  auth: 'token',
  requiresUnsealed: true,
  successStatus: 200,
  action: 'secrets:list',
  resource: (_ctx, { query }) => ({ kind: 'secret', path: query.prefix ?? '' }),
  schema: {
    querystring: object({ prefix: { type: 'string', maxLength: 512 }, after: { type: 'string', maxLength: 512 }, limit: { type: 'string', pattern: '^[0-9]{1,4}$' } }),
    response: { 200: { type: 'object', required: ['paths', 'nextAfter'], properties: { paths: { type: 'array', items: { type: 'string' } }, nextAfter: { type: ['string', 'null'] } } } },
  },
  handler: ({ services, principal, request }, { query }) =>
    listSecrets(services.ctx, {
      prefix: query.prefix ?? '',
      ...(query.after === undefined ? {} : { after: query.after }),
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
      visible: async (path) => (await decide(services.ctx, principal!, 'secrets:list', { kind: 'secret', path }, request.ip)).allowed,
    }),
});
