import { cancelCeremony, goCold, startCeremony, updateCeremony } from '../../../service/sys/cold-storage.js';
import { defineRoute } from '../../route.js';
import { cancelBody, hex, object } from '../../schemas.js';

const progress = {
  type: 'object',
  required: ['threshold'],
  properties: {
    nonce: { type: 'string' },
    kind: { type: 'string' },
    progress: { type: 'integer' },
    threshold: { type: 'integer' },
    complete: { type: 'boolean' },
    shares: { type: 'array', items: { type: 'string' }, description: 'escrow shares (shown once, when the escrow completes)' },
  },
};
const quorum = { tags: ['sys'], auth: 'none' as const, requiresUnsealed: false, action: null, successStatus: 200 };

export const sysEscrowStart = defineRoute({
  ...quorum,
  method: 'POST',
  url: '/v1/sys/escrow/attempt',
  operationId: 'startEscrow',
  summary: 'Cold storage step 1: with M recovery shares, escrow the root key under N new escrow shares',
  schema: { body: object({ shares: { type: 'integer', minimum: 1, maximum: 16 }, threshold: { type: 'integer', minimum: 1, maximum: 16 } }, ['shares', 'threshold']), response: { 200: progress } },
  handler: ({ services }, { body }) => startCeremony(services.ctx, { kind: 'escrow', ...body }),
});

export const sysRestoreHsmStart = defineRoute({
  ...quorum,
  method: 'POST',
  url: '/v1/sys/restore-hsm/attempt',
  operationId: 'startRestoreHsm',
  summary: 'Cold storage step 3: start bringing the root key back into a new HSM wrapping key from M escrow shares',
  schema: { response: { 200: progress } },
  handler: ({ services }) => startCeremony(services.ctx, { kind: 'restore-hsm' }),
});

export const sysCeremonyUpdate = defineRoute({
  ...quorum,
  method: 'POST',
  url: '/v1/sys/ceremony/update',
  operationId: 'updateCeremony',
  summary: 'Submit one share (recovery share for escrow, escrow share for restore-hsm)',
  schema: { body: object({ nonce: { type: 'string', maxLength: 64 }, share: hex('one share') }, ['nonce', 'share']), response: { 200: progress } },
  handler: ({ services }, { body }) => updateCeremony(services.ctx, body),
});

export const sysCeremonyCancel = defineRoute({
  ...quorum,
  method: 'DELETE',
  url: '/v1/sys/ceremony/attempt',
  operationId: 'cancelCeremony',
  summary: 'Cancel the escrow or restore-hsm attempt, discarding submitted shares; needs the attempt\'s nonce or one share of the set it collects',
  schema: { body: cancelBody, response: { 200: { type: 'object', required: ['started'], properties: { started: { type: 'boolean' } } } } },
  handler: ({ services }, { body }) => cancelCeremony(services.ctx, body),
});

export const sysCold = defineRoute({
  method: 'POST',
  url: '/v1/sys/cold',
  operationId: 'goCold',
  summary: 'Cold storage step 2: seal and destroy the HSM wrapping key (refused unless an escrow exists)',
  tags: ['sys'],
  auth: 'token',
  requiresUnsealed: false,
  action: 'sys:cold',
  resource: () => ({ kind: 'sys' }),
  successStatus: 200,
  schema: {
    body: object({ confirm: { type: 'string', enum: ['destroy the HSM wrapping key'], description: 'must be exactly "destroy the HSM wrapping key"' } }, ['confirm']),
    response: { 200: { type: 'object', required: ['cold', 'since'], properties: { cold: { type: 'boolean' }, since: { type: 'string' } } } },
  },
  handler: ({ services }) => goCold(services.ctx),
});
