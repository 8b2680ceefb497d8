import { verifyMac } from '../../../service/symmetric/verify-mac.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/verify-mac',
  operationId: 'verifyMac',
  summary: 'Verify an HMAC-SHA-256 under an hmac256 key (constant-time comparison)',
  action: 'keys:verify-mac',
  sensitive: ['message'],
  schema: {
    params: keyParams,
    body: object({ message: hex('the message the MAC was computed over'), mac: hex('the 32-byte HMAC-SHA-256 to check') }, ['message', 'mac']),
    response: { 200: { type: 'object', required: ['valid'], properties: { valid: { type: 'boolean' } } } },
  },
  handler: ({ services }, { params, body }) => verifyMac(services.ctx, { ...body, key: params.id }),
});
