import { getHealth } from '../../../service/sys/sys-health.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/sys/health',
  operationId: 'getHealth',
  summary: 'Initialization and seal state (no authentication)',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: {
    response: {
      200: {
        type: 'object',
        required: ['initialized', 'sealed', 'version', 'sealType'],
        properties: { initialized: { type: 'boolean' }, sealed: { type: 'boolean' }, version: { type: 'string' }, sealType: { type: ['string', 'null'] }, sealedReason: { type: 'string' },
          progress: { type: 'integer' },
          threshold: { type: 'integer' },
          generateRoot: { type: 'object', required: ['progress', 'threshold'], properties: { progress: { type: 'integer' }, threshold: { type: 'integer' } } },
          rekey: {
            type: 'object',
            required: ['progress', 'threshold', 'newShares', 'newThreshold'],
            properties: { progress: { type: 'integer' }, threshold: { type: 'integer' }, newShares: { type: 'integer' }, newThreshold: { type: 'integer' } },
          },
        },
      },
    },
  },
  handler: ({ services }) => getHealth(services.ctx),
});
