import { listCheckpoints } from '../../../service/audit/audit-read.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/audit/checkpoints',
  operationId: 'listAuditCheckpoints',
  summary: 'Signed checkpoints of the audit chain (keep copies: they expose truncation)',
  tags: ['audit'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'audit:read',
  resource: () => ({ kind: 'audit' }),
  successStatus: 200,
  schema: {
    response: { 200: { type: 'object', required: ['checkpoints'], properties: { checkpoints: { type: 'array', items: { type: 'object', additionalProperties: true } } } } },
  },
  handler: ({ services }) => listCheckpoints(services.ctx),
});
