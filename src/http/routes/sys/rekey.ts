import { cancelRekey, startRekey, updateRekey } from '../../../service/sys/rekey.js';
import { defineRoute } from '../../route.js';
import { cancelBody, hex, object } from '../../schemas.js';

const progress = {
  type: 'object',
  required: ['progress', 'threshold'],
  properties: {
    nonce: { type: 'string' },
    progress: { type: 'integer' },
    threshold: { type: 'integer' },
    newShares: { type: 'integer' },
    newThreshold: { type: 'integer' },
    complete: { type: 'boolean' },
    shares: { type: 'array', items: { type: 'string' }, description: 'the new shares (shown once, when complete)' },
    sharesKind: { type: 'string', enum: ['unseal', 'recovery'] },
  },
};
const common = { tags: ['sys'], auth: 'none' as const, requiresUnsealed: false, action: null, successStatus: 200 };

export const sysRekeyStart = defineRoute({
  ...common,
  method: 'POST',
  url: '/v1/sys/rekey/attempt',
  operationId: 'startRekey',
  summary: 'Start replacing the unseal (or recovery) shares with a new N-of-M set; a quorum of current shares authorizes it',
  schema: { body: object({ shares: { type: 'integer', minimum: 1, maximum: 16 }, threshold: { type: 'integer', minimum: 1, maximum: 16 } }, ['shares', 'threshold']), response: { 200: progress } },
  handler: ({ services }, { body }) => startRekey(services.ctx, body),
});

export const sysRekeyUpdate = defineRoute({
  ...common,
  method: 'POST',
  url: '/v1/sys/rekey/update',
  operationId: 'updateRekey',
  summary: 'Submit one current share; at the threshold the new shares are returned (once) and the old ones stop working',
  schema: { body: object({ nonce: { type: 'string', maxLength: 64 }, share: hex('one current unseal or recovery share') }, ['nonce', 'share']), response: { 200: progress } },
  handler: ({ services }, { body }) => updateRekey(services.ctx, body),
});

export const sysRekeyCancel = defineRoute({
  ...common,
  method: 'DELETE',
  url: '/v1/sys/rekey/attempt',
  operationId: 'cancelRekey',
  summary: 'Cancel the rekey attempt, discarding submitted shares; needs the attempt\'s nonce or one current share',
  schema: { body: cancelBody, response: { 200: { type: 'object', required: ['started'], properties: { started: { type: 'boolean' } } } } },
  handler: ({ services }, { body }) => cancelRekey(services.ctx, body),
});
