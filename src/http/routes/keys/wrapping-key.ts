import { getWrappingKey } from '../../../service/keys/wrapping-key.js';
import { defineRoute } from '../../route.js';
import { keyWrapAlgorithm } from '../../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/sys/wrapping-key',
  operationId: 'getWrappingKey',
  summary: 'The RSA-4096 public key to wrap key material to for POST /v1/keys/import-wrapped (generated on first use)',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'keys:create',
  resource: () => ({ kind: 'keys' }),
  successStatus: 200,
  schema: {
    response: {
      200: {
        type: 'object',
        required: ['algorithm', 'publicKey'],
        properties: { algorithm: keyWrapAlgorithm, publicKey: { type: 'string', description: 'SubjectPublicKeyInfo PEM' } },
      },
    },
  },
  handler: ({ services }) => getWrappingKey(services.ctx),
});
