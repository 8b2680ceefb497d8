import { updateGenerateRoot } from '../../../service/sys/generate-root.js';
import { defineRoute } from '../../route.js';
import { hex, object } from '../../schemas.js';
import { generateRootProgress } from './generate-root-start.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/sys/generate-root/update',
  operationId: 'updateGenerateRoot',
  summary: 'Submit one unseal share to the root-token generation attempt',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { body: object({ nonce: { type: 'string', maxLength: 64 }, share: hex('one unseal share') }, ['nonce', 'share']), response: { 200: generateRootProgress } },
  handler: ({ services }, { body }) => updateGenerateRoot(services.ctx, body),
});
