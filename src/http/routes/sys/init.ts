import { initialize } from '../../../service/sys/sys-init.js';
import { defineRoute } from '../../route.js';
import { object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/sys/init',
  operationId: 'initialize',
  summary: 'Initialize once: returns the unseal shares and the root token (shown only here)',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: {
    body: object(
      {
        shares: { type: 'integer', minimum: 1, maximum: 16, description: 'number of unseal shares N' },
        threshold: { type: 'integer', minimum: 1, maximum: 16, description: 'shares needed to unseal M (1 ≤ M ≤ N)' },
      },
      ['shares', 'threshold'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['shares', 'threshold', 'rootToken', 'sharesKind'],
        properties: { shares: { type: 'array', items: { type: 'string' } }, threshold: { type: 'integer' }, rootToken: { type: 'string' }, sharesKind: { type: 'string', enum: ['unseal', 'recovery'] } },
      },
    },
  },
  handler: ({ services }, { body }) => initialize(services.ctx, { shares: body.shares, threshold: body.threshold }),
});
