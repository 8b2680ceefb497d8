import { auditPublicKey } from '../../../service/audit/audit-read.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/sys/audit-key',
  operationId: 'getAuditKey',
  summary: 'The Ed25519 public key that signs audit checkpoints and batch heads (no authentication)',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: {
    response: { 200: { type: 'object', required: ['algorithm', 'publicKey'], properties: { algorithm: { type: 'string' }, publicKey: { type: ['string', 'null'] } } } },
  },
  handler: ({ services }) => auditPublicKey(services.ctx),
});
