import { createToken } from '../../../service/access/create-token.js';
import { defineRoute } from '../../route.js';
import { MAX_INT32, object, tokenInfo } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/tokens',
  operationId: 'createToken',
  summary: 'Mint a child token (never more powerful than the caller); the token is shown only here',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:create',
  resource: () => ({ kind: 'token' }),
  successStatus: 201,
  schema: {
    body: object(
      {
        policies: { type: 'array', minItems: 1, maxItems: 32, items: { type: 'string', maxLength: 64 } },
        ttl: { type: 'integer', minimum: 1, description: 'lifetime in seconds (default 30 days, capped by the parent)' },
        name: { type: 'string', maxLength: 128 },
        numUses: { type: 'integer', minimum: 1, maximum: MAX_INT32 },
        orphan: { type: 'boolean', description: 'root only: no parent, so revoking the parent does not revoke it' },
        subject: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@-]+$', description: 'root only: whose data the token acts for' },
        rateLimit: object({ perSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 }, burst: { type: 'integer', minimum: 1, maximum: MAX_INT32 } }, ['perSecond']),
      },
      ['policies'],
    ),
    response: { 201: tokenInfo },
  },
  handler: ({ services, principal }, { body }) => createToken(services.ctx, principal!, body),
});
