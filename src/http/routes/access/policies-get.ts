import { getPolicy } from '../../../service/access/policies.js';
import { defineRoute } from '../../route.js';
import { policyView } from '../../schemas.js';
import { policyParams } from './policies-put.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/policies/:name',
  operationId: 'getPolicy',
  summary: 'Read a policy (built-in or stored)',
  tags: ['policies'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'policies:read',
  resource: (_ctx, { params }) => ({ kind: 'policy', name: params.name }),
  successStatus: 200,
  schema: { params: policyParams, response: { 200: policyView } },
  handler: ({ services }, { params }) => getPolicy(services.ctx, params),
});
