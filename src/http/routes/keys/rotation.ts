import { configureRotation } from '../../../service/keys/rotate-key.js';
import { defineKeyRoute } from '../../route.js';
import { duration, keyInfo, keyParams, MAX_INT32, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/rotation',
  operationId: 'configureRotation',
  summary: 'aes256: set the automatic rotation period (null turns it off) and the minimum decryption version',
  action: 'keys:rotate',
  schema: {
    params: keyParams,
    body: object({ rotationPeriodDays: duration('rotate automatically every N days (1 to 3650); null turns it off', 'days', { nullable: true }), minDecryptionVersion: { type: 'integer', minimum: 1, maximum: MAX_INT32 } }),
    response: { 200: keyInfo },
  },
  handler: ({ services }, { params, body }) => configureRotation(services.ctx, { key: params.id, ...body }),
});
