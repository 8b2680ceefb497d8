import { lookupToken } from '../../../service/access/lookup-token.js';
import { defineRoute } from '../../route.js';
import { tokenInfo } from '../../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/tokens/:accessor',
  operationId: 'lookupToken',
  summary: 'A token by accessor (never the token itself)',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:read',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    params: { type: 'object', required: ['accessor'], properties: { accessor: { type: 'string', minLength: 1, maxLength: 64 } } },
    response: { 200: tokenInfo },
  },
  handler: ({ services }, { params }) => lookupToken(services.ctx, params),
});
