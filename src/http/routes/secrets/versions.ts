/**
 * /v1/secret-versions/{path}: GET lists a secret's versions; POST {action, versions} undeletes,
 * destroys (erases for good) or purges (every version and the path).
 */
import { destroySecretVersions, purgeSecret, secretVersions, undeleteSecretVersions } from '../../../service/secrets/secrets.js';
import { StrongboxError } from '../../../protocol/errors.js';
import { defineRoute, type Route } from '../../route.js';
import { object } from '../../schemas.js';

const pathParams = { type: 'object', required: ['*'], properties: { '*': { type: 'string', minLength: 1, maxLength: 512 } } };
const secretResource: Route['resource'] = (_ctx, { params }) => ({ kind: 'secret', path: params['*'] });
const common = { tags: ['secrets'], auth: 'token' as const, requiresUnsealed: true, successStatus: 200, resource: secretResource };

export const secretVersionsGet = defineRoute({
  ...common,
  method: 'GET',
  url: '/v1/secret-versions/*',
  operationId: 'listSecretVersions',
  summary: 'A secret\'s versions: created, deleted, destroyed (no values)',
  action: 'secrets:read',
  schema: {
    params: pathParams,
    response: {
      200: {
        type: 'object',
        required: ['path', 'currentVersion', 'versions'],
        properties: { path: { type: 'string' }, currentVersion: { type: 'integer' }, versions: { type: 'array', items: { type: 'object', additionalProperties: true } } },
      },
    },
  },
  handler: ({ services }, { params }) => secretVersions(services.ctx, { path: params['*'] }),
});

export const secretVersionsPost = defineRoute({
  ...common,
  method: 'POST',
  url: '/v1/secret-versions/*',
  operationId: 'changeSecretVersions',
  summary: 'undelete or destroy given versions, or purge the whole secret',
  action: 'secrets:delete',
  schema: {
    params: pathParams,
    body: object({ action: { type: 'string', enum: ['undelete', 'destroy', 'purge'] }, versions: { type: 'array', maxItems: 100, items: { type: 'integer', minimum: 1 } } }, ['action']),
    response: { 200: { type: 'object', required: ['path', 'changed'], properties: { path: { type: 'string' }, changed: { type: 'integer' } } } },
  },
  handler: async ({ services }, { params, body }) => {
    const path = params['*'] as string;
    if (body.action === 'purge') return purgeSecret(services.ctx, { path });
    if (!Array.isArray(body.versions) || body.versions.length === 0) throw new StrongboxError('INVALID_ARGUMENT', `versions is required for ${body.action}`, { field: 'versions' });
    return body.action === 'undelete' ? undeleteSecretVersions(services.ctx, { path, versions: body.versions }) : destroySecretVersions(services.ctx, { path, versions: body.versions });
  },
});
