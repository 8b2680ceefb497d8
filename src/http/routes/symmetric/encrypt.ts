import { encrypt } from '../../../service/symmetric/encrypt.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/encrypt',
  operationId: 'encrypt',
  summary: 'AES-256-GCM encrypt under the current key version (aes256 keys)',
  action: 'keys:encrypt',
  sensitive: ['plaintext', 'aad'],
  schema: {
    params: keyParams,
    body: object({ plaintext: hex('bytes to encrypt (at most 256 KiB)'), aad: hex('additional authenticated data, needed again to decrypt') }, ['plaintext']),
    response: { 200: { type: 'object', required: ['ciphertext', 'keyVersion'], properties: { ciphertext: { type: 'string' }, keyVersion: { type: 'integer' } } } },
  },
  handler: ({ services }, { params, body }) => encrypt(services.ctx, { ...body, key: params.id }),
});
