import { auditHash } from '../../../service/audit/audit-read.js';
import { defineRoute } from '../../route.js';
import { hex, object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/audit/hash',
  operationId: 'auditHash',
  summary: 'The HMAC the audit log would hold for a candidate input (e.g. was this digest signed?)',
  tags: ['audit'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'audit:read',
  resource: () => ({ kind: 'audit' }),
  sensitive: ['value'],
  successStatus: 200,
  schema: {
    body: object({ field: { type: 'string', enum: ['digest', 'message', 'plaintext', 'ciphertext', 'aad', 'wrappedKey'] }, value: hex('the candidate value') }, ['field', 'value']),
    response: { 200: { type: 'object', required: ['field', 'hmac'], properties: { field: { type: 'string' }, hmac: { type: 'string' } } } },
  },
  handler: async ({ services }, { body }) => auditHash(services.ctx, body),
});
