import { putPolicy } from '../../../service/access/policies.js';
import { defineRoute } from '../../route.js';
import { policyDocument, policyView } from '../../schemas.js';

export const policyParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } };

export default defineRoute({
  method: 'PUT',
  url: '/v1/policies/:name',
  operationId: 'putPolicy',
  summary: 'Create or replace a policy document',
  tags: ['policies'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'policies:write',
  resource: (_ctx, { params }) => ({ kind: 'policy', name: params.name }),
  successStatus: 200,
  schema: { params: policyParams, body: policyDocument, response: { 200: policyView } },
  handler: ({ services }, { params, body }) => putPolicy(services.ctx, { ...body, name: params.name }),
});
