import { createToken } from '../../../service/access/create-token.js';
import { defineRoute } from '../../route.js';
import { callerBinding, duration, MAX_INT32, object, tokenInfo } from '../../schemas.js';

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
        ttl: duration('lifetime, 1 s to 365 days (default 30 days, or maxTtl if shorter; capped by the parent)', 'seconds'),
        maxTtl: duration('the longest the token can live, renewals included, from creation: 1 s to 365 days (default: ttl, so renewal cannot extend it); capped by the parent\'s maximum', 'seconds'),
        renewable: { type: 'boolean', description: 'whether the token may renew itself (default true); renewal never passes maxTtl' },
        name: { type: 'string', maxLength: 128 },
        numUses: { type: 'integer', minimum: 1, maximum: MAX_INT32 },
        orphan: { type: 'boolean', description: 'root only: no parent, so revoking the parent does not revoke it' },
        subject: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._@-]+$', description: 'root only: whose data the token acts for' },
        rateLimit: object({ perSecond: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 }, burst: { type: 'integer', minimum: 1, maximum: MAX_INT32 } }, ['perSecond']),
        bindCaller: callerBinding,
      },
      ['policies'],
    ),
    response: { 201: tokenInfo },
  },
  handler: ({ services, principal }, { body }) => createToken(services.ctx, principal!, body),
});
