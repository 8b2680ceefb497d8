import { createThresholdKey } from '../../../service/threshold/create-threshold-key.js';
import { thresholdKeyTypes } from '../../../protocol/types.js';
import { defineRoute } from '../../route.js';
import { keyInfo, keyName, object } from '../../schemas.js';

export default defineRoute({
  method: 'POST',
  url: '/v1/threshold/keys',
  operationId: 'createThresholdKey',
  summary: 'Create a t-of-n threshold key by distributed key generation among this server and its peers (this server coordinates; every participant stores its share, durable before 201)',
  tags: ['threshold'],
  auth: 'token',
  requiresUnsealed: true,
  successStatus: 201,
  action: 'keys:create',
  resource: (_ctx, { body }) => ({ kind: 'keys', ...(typeof body.name === 'string' ? { name: body.name } : {}) }),
  schema: {
    body: object(
      {
        type: { type: 'string', enum: [...thresholdKeyTypes], description: 'frost-ed25519 (Solana) or frost-secp256k1-tr (Bitcoin Taproot key path)' },
        threshold: { type: 'integer', minimum: 2, maximum: 16, description: 'how many participants must sign (t)' },
        participants: { type: 'array', minItems: 2, maxItems: 16, items: { type: 'string', maxLength: 63 }, description: 'peer ids (n), this server included' },
        name: keyName,
      },
      ['type', 'threshold', 'participants'],
    ),
    response: {
      201: {
        type: 'object',
        required: ['key', 'threshold', 'participants', 'verifyingKey'],
        properties: {
          key: keyInfo,
          threshold: { type: 'integer' },
          participants: { type: 'array', items: { type: 'object', required: ['peer', 'identifier'], properties: { peer: { type: 'string' }, identifier: { type: 'string' } } } },
          verifyingKey: { type: 'string', description: 'hex: the Ed25519 public key, or the x-only Taproot output key' },
        },
      },
    },
  },
  handler: ({ services }, { body }) => createThresholdKey(services.ctx, body),
});
