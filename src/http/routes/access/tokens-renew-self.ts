import { renewToken } from '../../../service/access/renew-token.js';
import { defineRoute } from '../../route.js';
import { duration, object, tokenInfo } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/tokens/self/renew',
  operationId: 'renewSelf',
  summary: 'Move the calling token\'s expiry to now + `increment` (default: its creation TTL), never past its maxTtl or its parent\'s expiry; 409 TOKEN_NOT_RENEWABLE for tokens minted with renewable: false',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { body: object({ increment: duration('the new expiry is now + increment (default: the token\'s creation TTL)', 'seconds') }), response: { 200: tokenInfo } },
  handler: ({ services, principal }, { body }) => renewToken(services.ctx, principal!, body),
});
