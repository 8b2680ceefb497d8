import { importWrappedKey } from '../../../service/keys/import-wrapped-key.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyInfo, keyMetadata, keyName, keyType, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/import-wrapped',
  operationId: 'importWrappedKey',
  summary: 'Import key material wrapped to GET /v1/sys/wrapping-key (RSA_AES_KEY_WRAP_SHA_256); validated like /v1/keys/import',
  successStatus: 201,
  action: 'keys:create',
  resource: (_ctx, { body }) => ({ kind: 'keys', ...(typeof body.name === 'string' ? { name: body.name } : {}) }),
  sensitive: ['wrappedKey'],
  schema: {
    body: object(
      {
        type: keyType,
        name: keyName,
        ...keyMetadata,
        wrappedKey: hex('RSA-OAEP(SHA-256) ciphertext of an AES-256 key ‖ RFC 5649 wrap of the raw 32-byte scalar, seed or AES key'),
      },
      ['type', 'wrappedKey'],
    ),
    response: { 201: keyInfo },
  },
  handler: ({ services }, { body }) => importWrappedKey(services.ctx, body),
});
