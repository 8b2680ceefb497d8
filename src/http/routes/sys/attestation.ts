import { attest } from '../../../service/sys/install-measurement.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  method: 'GET',
  url: '/v1/sys/attestation',
  operationId: 'getAttestation',
  summary: 'A signed statement of this node: installation measurement, manifest signer, configuration hash, seal type, node id, time (docs/attestation.md)',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'sys:read',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: {
    response: {
      200: {
        type: 'object',
        required: ['attestation', 'algorithm', 'publicKey', 'signature'],
        properties: {
          attestation: { type: 'string', description: 'the statement as JSON text; the signature covers exactly its UTF-8 bytes' },
          algorithm: { type: 'string', enum: ['ed25519'] },
          publicKey: { type: 'string', description: 'the audit checkpoint key (as GET /v1/sys/audit-key), 0x-hex of the raw 32 bytes' },
          signature: { type: 'string', description: 'base64 Ed25519 signature' },
        },
      },
    },
  },
  handler: async ({ services }) => attest(services.ctx),
});
