import { renewToken } from '../../service/renew-token.js';
import { defineRoute } from '../route.js';
import { duration, object, tokenInfo } from '../schemas.js';

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
  schema: { body: object({ increment: duration('the new expiry is now + increment (default: the token\'s creation TTL)', 'seconds') }), response: { 200: tokenInfo } },
  handler: ({ services, principal }, { body }) => renewToken(services.ctx, principal!, body),
});
