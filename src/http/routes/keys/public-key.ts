import { getPublicKey } from '../../../service/keys/get-public-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyParams, object, publicKeyFormat } from '../../schemas.js';

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id/public-key',
  operationId: 'getPublicKey',
  summary: 'Public key as PEM or DER SubjectPublicKeyInfo, raw hex, compressed point, or JWK',
  action: 'keys:read',
  schema: {
    params: keyParams,
    querystring: object({ format: { ...publicKeyFormat, description: 'default pem' } }),
    response: {
      200: {
        type: 'object',
        required: ['format', 'publicKey'],
        properties: {
          format: publicKeyFormat,
          publicKey: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] },
        },
      },
    },
  },
  handler: ({ services }, { params, query }) => getPublicKey(services.ctx, { key: params.id, format: query.format ?? 'pem' }),
});
