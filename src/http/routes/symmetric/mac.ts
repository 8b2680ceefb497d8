import { generateMac } from '../../../service/symmetric/generate-mac.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/mac',
  operationId: 'generateMac',
  summary: 'HMAC-SHA-256 (RFC 2104) of a message under an hmac256 key',
  action: 'keys:mac',
  sensitive: ['message'],
  schema: {
    params: keyParams,
    body: object({ message: hex('bytes to authenticate (at most 256 KiB)') }, ['message']),
    response: { 200: { type: 'object', required: ['mac', 'keyVersion'], properties: { mac: { type: 'string' }, keyVersion: { type: 'integer' } } } },
  },
  handler: ({ services }, { params, body }) => generateMac(services.ctx, { ...body, key: params.id }),
});
