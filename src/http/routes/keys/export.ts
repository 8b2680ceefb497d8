import { exportKey } from '../../../service/keys/export-key.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, keyWrapAlgorithm, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/export',
  operationId: 'exportKey',
  summary: 'Export an exportable key\'s material wrapped to your RSA public key (RSA_AES_KEY_WRAP_SHA_256); no plaintext in transit',
  action: 'keys:export',
  schema: {
    params: keyParams,
    body: object(
      {
        wrappingKey: { type: 'string', minLength: 1, maxLength: 16384, description: 'PEM RSA public key (SPKI or PKCS#1), 2048-4096 bits' },
        algorithm: keyWrapAlgorithm,
      },
      ['wrappingKey', 'algorithm'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['wrappedKey', 'algorithm', 'keyVersion'],
        properties: {
          wrappedKey: hex('RSA-OAEP ciphertext of the AES key (modulus length) followed by the RFC 5649 wrap of the raw 32-byte key material'),
          algorithm: keyWrapAlgorithm,
          keyVersion: { type: 'integer' },
        },
      },
    },
  },
  handler: ({ services }, { params, body }) => exportKey(services.ctx, { key: params.id, wrappingKey: body.wrappingKey, algorithm: body.algorithm }),
});
