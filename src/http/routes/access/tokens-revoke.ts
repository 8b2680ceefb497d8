import { revokeToken } from '../../../service/access/revoke-token.js';
import { defineRoute } from '../../route.js';
import { object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/tokens/revoke',
  operationId: 'revokeToken',
  summary: 'Revoke a token by accessor, and every token minted under it',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:revoke',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    body: object({ accessor: { type: 'string', minLength: 1, maxLength: 64 } }, ['accessor']),
    response: { 200: { type: 'object', required: ['revoked'], properties: { revoked: { type: 'array', items: { type: 'string' } } } } },
  },
  handler: ({ services }, { body }) => revokeToken(services.ctx, body),
});
