import { verify } from '../../../service/keys/verify.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';
import { payloadFields } from './sign.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/verify',
  operationId: 'verify',
  summary: 'Verify a signature against the key (standard ECDSA: any valid S is accepted; RSA: PSS with salt length = hash length, or PKCS#1 v1.5)',
  action: 'keys:verify',
  sensitive: ['digest', 'message'],
  schema: {
    params: keyParams,
    body: object({ ...payloadFields, signature: hex('signature in the given encoding') }, ['signature']),
    response: { 200: { type: 'object', required: ['valid'], properties: { valid: { type: 'boolean' } } } },
  },
  handler: ({ services }, { params, body }) => verify(services.ctx, { ...body, key: params.id }),
});
