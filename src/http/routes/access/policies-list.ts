import { listPolicies } from '../../../service/access/policies.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/policies',
  operationId: 'listPolicies',
  summary: 'List policy names (built-in and stored)',
  tags: ['policies'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'policies:read',
  resource: () => ({ kind: 'policy', name: '*' }),
  successStatus: 200,
  schema: {
    response: {
      200: { type: 'object', required: ['policies'], properties: { policies: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, builtin: { type: 'boolean' } } } } } },
    },
  },
  handler: ({ services }) => listPolicies(services.ctx),
});
