import { renewToken } from '../../../service/access/renew-token.js';
import { defineRoute } from '../../route.js';
import { object, tokenInfo } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/tokens/self/renew',
  operationId: 'renewSelf',
  summary: 'Extend the calling token by `increment` seconds (default: its TTL), never past its parent',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { body: object({ increment: { type: 'integer', minimum: 1 } }), response: { 200: tokenInfo } },
  handler: ({ services, principal }, { body }) => renewToken(services.ctx, principal!, body),
});
