import { createKey } from '../../../service/keys/create-key.js';
import { defineKeyRoute } from '../../route.js';
import { keyInfo, keyMetadata, keyName, keyType, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys',
  operationId: 'createKey',
  summary: 'Generate a key inside Strongbox (durable before 201)',
  successStatus: 201,
  action: 'keys:create',
  resource: (_ctx, { body }) => ({ kind: 'keys', ...(typeof body.name === 'string' ? { name: body.name } : {}) }),
  schema: {
    body: object({ type: keyType, name: keyName, ...keyMetadata }, ['type']),
    response: { 201: keyInfo },
  },
  handler: ({ services }, { body }) => createKey(services.ctx, body),
});
