import { cancelGenerateRoot } from '../../../service/sys/generate-root.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'DELETE',
  url: '/v1/sys/generate-root/attempt',
  operationId: 'cancelGenerateRoot',
  summary: 'Cancel the root-token generation attempt, discarding submitted shares',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { response: { 200: { type: 'object', required: ['started'], properties: { started: { type: 'boolean' } } } } },
  handler: async ({ services }) => cancelGenerateRoot(services.ctx),
});
