import { getWrappedKey } from '../../../service/keys/get-wrapped-key.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams } from '../../schemas.js';

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id/wrapped',
  operationId: 'getWrappedKey',
  summary: 'The current version\'s sealed blob as stored (envelope v1): only this installation can unwrap it',
  action: 'keys:backup',
  schema: {
    params: keyParams,
    response: {
      200: {
        type: 'object',
        required: ['sealedMaterial', 'version', 'format'],
        properties: {
          sealedMaterial: hex('0x01 | keyring term (u32 BE) | nonce (12) | ciphertext | tag (16), AES-256-GCM, AAD bound to key/<id>/v<version>/<type>'),
          version: { type: 'integer' },
          format: { type: 'string', enum: ['strongbox-envelope-v1'] },
        },
      },
    },
  },
  handler: ({ services }, { params }) => getWrappedKey(services.ctx, { key: params.id }),
});
