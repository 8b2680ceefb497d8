import { deletePolicy } from '../../../service/access/policies.js';
import { defineRoute } from '../../route.js';
import { policyParams } from './policies-put.js';

export default defineRoute({
  method: 'DELETE',
  url: '/v1/policies/:name',
  operationId: 'deletePolicy',
  summary: 'Delete a stored policy (tokens naming it lose its grants at once)',
  tags: ['policies'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'policies:write',
  resource: (_ctx, { params }) => ({ kind: 'policy', name: params.name }),
  successStatus: 200,
  schema: { params: policyParams, response: { 200: { type: 'object', required: ['deleted'], properties: { deleted: { type: 'boolean' } } } } },
  handler: ({ services }, { params }) => deletePolicy(services.ctx, params),
});
