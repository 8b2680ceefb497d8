import { importKey } from '../../../service/keys/import-key.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyInfo, keyMetadata, keyName, keyType, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/import',
  operationId: 'importKey',
  summary: 'Import a private key from raw hex or PEM (SEC1, PKCS#8, PKCS#1 RSA); validated before it is stored',
  successStatus: 201,
  action: 'keys:create',
  resource: (_ctx, { body }) => ({ kind: 'keys', ...(typeof body.name === 'string' ? { name: body.name } : {}) }),
  schema: {
    body: object(
      {
        type: keyType,
        name: keyName,
        ...keyMetadata,
        privateKey: hex('32-byte scalar, Ed25519 seed, or AES-256 key; 32-64 byte HMAC key (hmac256); PKCS#8 DER (RSA)'),
        pem: { type: 'string', maxLength: 16384, description: 'PEM private key (SEC1 or PKCS#8; RSA: PKCS#8 or PKCS#1 "RSA PRIVATE KEY")' },
      },
      ['type'],
    ),
    response: { 201: keyInfo },
  },
  handler: ({ services }, { body }) => importKey(services.ctx, body),
});
