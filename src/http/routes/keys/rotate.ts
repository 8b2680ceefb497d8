import { rotateKey } from '../../../service/keys/rotate-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/rotate',
  operationId: 'rotateKey',
  summary: 'aes256: add a new key version for encryption; older versions still decrypt',
  action: 'keys:rotate',
  schema: { params: keyParams, response: { 200: keyInfo } },
  handler: ({ services }, { params }) => rotateKey(services.ctx, { key: params.id }),
});
