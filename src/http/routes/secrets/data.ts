/**
 * /v1/secrets/{path}: PUT writes a new version, GET reads (latest or ?version=), DELETE soft-deletes
 * (latest or ?versions=1,2). The path is everything after /v1/secrets/ (slashes allowed).
 */
import { deleteSecretVersions, readSecret, writeSecret } from '../../../service/secrets/secrets.js';
import { defineRoute, type Route } from '../../route.js';
import { object } from '../../schemas.js';

const pathParams = { type: 'object', required: ['*'], properties: { '*': { type: 'string', minLength: 1, maxLength: 512, description: 'secret path' } } };
const versionInfo = {
  type: 'object',
  required: ['path', 'version', 'createdAt', 'deletedAt', 'destroyed'],
  properties: { path: { type: 'string' }, version: { type: 'integer' }, createdAt: { type: 'string' }, deletedAt: { type: ['string', 'null'] }, destroyed: { type: 'boolean' }, data: {} },
};
const changed = { type: 'object', required: ['path', 'changed'], properties: { path: { type: 'string' }, changed: { type: 'integer' } } };
const secretResource: Route['resource'] = (_ctx, { params }) => ({ kind: 'secret', path: params['*'] });
const common = { tags: ['secrets'], auth: 'token' as const, requiresUnsealed: true, successStatus: 200, resource: secretResource };

export const secretsPut = defineRoute({
  ...common,
  method: 'PUT',
  url: '/v1/secrets/*',
  operationId: 'writeSecret',
  summary: 'Write a new version of the secret at a path (cas: only if the current version is this; 0 = create only)',
  action: 'secrets:write',
  sensitive: ['data'],
  schema: { params: pathParams, body: object({ data: { description: 'any JSON value, at most 64 KiB' }, cas: { type: 'integer', minimum: 0 } }, ['data']), response: { 200: versionInfo } },
  handler: ({ services }, { params, body }) => writeSecret(services.ctx, { path: params['*'], data: body.data, ...(body.cas === undefined ? {} : { cas: body.cas }) }),
});

export const secretsGet = defineRoute({
  ...common,
  method: 'GET',
  url: '/v1/secrets/*',
  operationId: 'readSecret',
  summary: 'Read the secret at a path (latest version, or ?version=N)',
  action: 'secrets:read',
  schema: { params: pathParams, querystring: object({ version: { type: 'string', pattern: '^[1-9][0-9]{0,9}$' } }), response: { 200: versionInfo } },
  handler: ({ services }, { params, query }) => readSecret(services.ctx, { path: params['*'], ...(query.version === undefined ? {} : { version: Number(query.version) }) }),
});

export const secretsDelete = defineRoute({
  ...common,
  method: 'DELETE',
  url: '/v1/secrets/*',
  operationId: 'deleteSecret',
  summary: 'Soft-delete the latest version, or ?versions=1,2 (undelete restores them)',
  action: 'secrets:delete',
  schema: { params: pathParams, querystring: object({ versions: { type: 'string', pattern: '^[1-9][0-9]{0,9}(,[1-9][0-9]{0,9}){0,99}$' } }), response: { 200: changed } },
  handler: ({ services }, { params, query }) =>
    deleteSecretVersions(services.ctx, { path: params['*'], ...(query.versions === undefined ? {} : { versions: (query.versions as string).split(',').map(Number) }) }),
});
