import { toTokenInfo } from '../../../service/access/token-info.js';
import { defineRoute } from '../../route.js';
import { tokenInfo } from '../../schemas.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/tokens/self',
  operationId: 'lookupSelf',
  summary: 'The calling token: policies, expiry, uses left (any valid token)',
  tags: ['tokens'],
  auth: 'token',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { response: { 200: tokenInfo } },
  handler: async ({ principal }) => toTokenInfo(principal!.token),
});
