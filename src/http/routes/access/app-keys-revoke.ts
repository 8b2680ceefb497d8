import { revokeAppKey } from '../../../service/access/app-keys.js';
import { defineRoute } from '../../route.js';
import { appKeyInfo } from '../../schemas.js';

export default defineRoute({
  method: 'DELETE',
  url: '/v1/auth/app-keys/:keyId',
  operationId: 'revokeAppKey',
  summary: 'Revoke an application key: requests signed with it are refused from then on (SIGNATURE_KEY_UNKNOWN); idempotent',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'tokens:app-keys',
  resource: () => ({ kind: 'token' }),
  successStatus: 200,
  schema: {
    params: { type: 'object', required: ['keyId'], properties: { keyId: { type: 'string', minLength: 1, maxLength: 128 } } },
    response: { 200: appKeyInfo },
  },
  handler: ({ services }, { params }) => revokeAppKey(services.ctx, params),
});
