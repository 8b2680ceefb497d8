import { unseal } from '../../../service/sys/sys-unseal.js';
import { defineRoute } from '../../route.js';
import { hex, object } from '../../schemas.js';

export const unsealResponse = {
  type: 'object',
  required: ['sealed', 'progress', 'threshold'],
  properties: { sealed: { type: 'boolean' }, progress: { type: 'integer' }, threshold: { type: 'integer' } },
};

export default defineRoute({
  method: 'POST',
  url: '/v1/sys/unseal',
  operationId: 'unseal',
  summary: 'Submit one unseal share; unseals when the threshold is reached',
  tags: ['sys'],
  auth: 'none',
  requiresUnsealed: false,
  action: null,
  successStatus: 200,
  schema: {
    body: object({ share: hex('one unseal share as returned by init (omit on auto-unseal servers: pkcs11, awskms)') }),
    response: { 200: unsealResponse },
  },
  handler: ({ services }, { body }) => unseal(services.ctx, { share: body.share }),
});
