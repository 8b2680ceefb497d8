import { startGenerateRoot } from '../../../service/sys/generate-root.js';
import { defineRoute } from '../../route.js';

export const generateRootProgress = {
  type: 'object',
  required: ['progress', 'threshold'],
  properties: {
    nonce: { type: 'string' },
    otp: { type: 'string', description: 'one-time pad (base64url); keep it to decode the token' },
    progress: { type: 'integer' },
    threshold: { type: 'integer' },
    complete: { type: 'boolean' },
    encodedToken: { type: 'string', description: 'the new root token XOR the one-time pad (base64url)' },
  },
};

export default defineRoute({
  method: 'POST',
  url: '/v1/sys/generate-root/attempt',
  operationId: 'startGenerateRoot',
  summary: 'Start minting a root token from a quorum of unseal shares; returns the nonce and a one-time pad',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: { response: { 200: generateRootProgress } },
  handler: ({ services }) => startGenerateRoot(services.ctx),
});
