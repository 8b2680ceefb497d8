import { seal } from '../../../service/sys/sys-unseal.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/sys/seal',
  operationId: 'seal',
  summary: 'Seal: every key becomes unusable at once until a quorum unseals again',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'sys:seal',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: {
    response: { 200: { type: 'object', required: ['sealed'], properties: { sealed: { type: 'boolean' } } } },
  },
  handler: async ({ services }) => seal(services.ctx),
});
