import { rotateKeyring, rotationStatus } from '../../../service/sys/keyring-rotation.js';
import { defineRoute } from '../../route.js';

const status = {
  type: 'object',
  required: ['running', 'activeTerm', 'scanned', 'rewrapped', 'startedAt', 'finishedAt', 'error', 'keyringTerm'],
  properties: {
    running: { type: 'boolean' },
    activeTerm: { type: ['integer', 'null'], description: 'the term the current or last re-wrap pass moved records to' },
    scanned: { type: 'integer' },
    rewrapped: { type: 'integer' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    keyringTerm: { type: ['integer', 'null'] },
  },
};

export const sysRotate = defineRoute({
  method: 'POST',
  url: '/v1/sys/rotate',
  operationId: 'rotateKeyring',
  summary: 'Add a keyring term: new writes use it at once; a throttled background re-wrap moves every record to it',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'sys:rotate',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: { response: { 200: { type: 'object', required: ['activeTerm', 'terms'], properties: { activeTerm: { type: 'integer' }, terms: { type: 'integer' } } } } },
  handler: ({ services }) => rotateKeyring(services.ctx),
});

export const sysRotateStatus = defineRoute({
  method: 'GET',
  url: '/v1/sys/rotate',
  operationId: 'rotationStatus',
  summary: 'Progress of the re-wrap after the last keyring rotation',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'sys:read',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: { response: { 200: status } },
  handler: async ({ services }) => rotationStatus(services.ctx),
});
