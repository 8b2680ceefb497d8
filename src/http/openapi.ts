/**
 * OpenAPI 3.1 document generated from the route table's schemas. The committed copy
 * (docs/openapi.json) is diffed against this by a test, so docs and code cannot drift.
 */
import { categories, errorCodes } from '../protocol/errors.js';
import type { Route } from './route.js';
import { problem, type JsonSchema } from './schemas.js';

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, '{$1}');
}

function parameters(route: Route): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', route.schema.params], ['query', route.schema.querystring]] as const) {
    const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema?.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props)) {
      const { description, ...rest } = s;
      out.push({ name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest });
    }
  }
  return out;
}

const errorStatuses = [...new Set(Object.values(errorCodes).map((e) => categories[e.category].status))].sort();

export function buildOpenApi(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = toOpenApiPath(route.url);
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.schema.response)) {
      responses[status] = { description: 'success', content: { 'application/json': { schema } } };
    }
    responses['default'] = { description: `error (one of HTTP ${errorStatuses.join(', ')}); see docs/errors.md`, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      ...(route.auth === 'token' ? {} : { security: [] }),
      parameters: parameters(route),
      ...(route.schema.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.schema.body } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Strongbox API', version, description: 'Self-hosted KMS and signing server. Binary values are 0x-prefixed hex.' },
    servers: [{ url: 'http://127.0.0.1:8230' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: problem },
    },
    paths,
  };
}
