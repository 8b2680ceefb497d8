import { cancelGenerateRoot } from '../../../service/sys/generate-root.js';
import { defineRoute } from '../../route.js';
import { cancelBody } from '../../schemas.js';

export default defineRoute({
  method: 'DELETE',
  url: '/v1/sys/generate-root/attempt',
  operationId: 'cancelGenerateRoot',
  summary: 'Cancel the root-token generation attempt, discarding submitted shares; needs the attempt\'s nonce or one unseal (or recovery) share',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { body: cancelBody, response: { 200: { type: 'object', required: ['started'], properties: { started: { type: 'boolean' } } } } },
  handler: ({ services }, { body }) => cancelGenerateRoot(services.ctx, body),
});
