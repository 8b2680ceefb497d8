import { generateDataKey } from '../../../service/symmetric/generate-data-key.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/data-key',
  operationId: 'generateDataKey',
  summary: 'Generate a data key: plaintext (unless withoutPlaintext) and wrapped under the aes256 key',
  action: 'keys:encrypt',
  sensitive: ['aad'],
  schema: {
    params: keyParams,
    body: object({
      bytes: { type: 'integer', minimum: 16, maximum: 64, description: 'data key length (default 32)' },
      aad: hex('additional authenticated data bound to the wrapped data key'),
      withoutPlaintext: { type: 'boolean' },
    }),
    response: {
      200: {
        type: 'object',
        required: ['ciphertext', 'keyVersion'],
        properties: { plaintext: { type: 'string' }, ciphertext: { type: 'string' }, keyVersion: { type: 'integer' } },
      },
    },
  },
  handler: ({ services }, { params, body }) => generateDataKey(services.ctx, { ...body, key: params.id }),
});
