import { decrypt } from '../../../service/symmetric/decrypt.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/decrypt',
  operationId: 'decrypt',
  summary: 'AES-256-GCM decrypt a Strongbox ciphertext (aes256 keys)',
  action: 'keys:decrypt',
  sensitive: ['ciphertext', 'aad'],
  schema: {
    params: keyParams,
    body: object({ ciphertext: hex('ciphertext returned by encrypt or data-key'), aad: hex('the AAD given at encryption') }, ['ciphertext']),
    response: { 200: { type: 'object', required: ['plaintext', 'keyVersion'], properties: { plaintext: { type: 'string' }, keyVersion: { type: 'integer' } } } },
  },
  handler: ({ services }, { params, body }) => decrypt(services.ctx, { ...body, key: params.id }),
});
