/**
 * Generated documentation: the OpenAPI document and the error table in docs/errors.md.
 * `npm run docs` writes them; test/integration/surface.test.ts fails when the committed copies drift.
 */
import { categories, errorCodes, type ErrorCode } from '../../src/protocol/errors.js';
import { buildOpenApi } from '../../src/http/openapi.js';
import { routes } from '../../src/http/routes/index.js';
import { VERSION } from '../../src/version.js';

export const ERRORS_START = '<!-- errors:start -->';
export const ERRORS_END = '<!-- errors:end -->';

export function openApiText(): string {
  return JSON.stringify(buildOpenApi(routes, VERSION), null, 2) + '\n';
}

export function errorTable(): string {
  const rows = (Object.keys(errorCodes) as ErrorCode[]).map((code) => {
    const spec = errorCodes[code];
    const cat = categories[spec.category];
    return `| \`${code}\` | ${spec.category} | ${cat.status} | ${cat.exitCode} | ${spec.retryable ? 'yes' : 'no'} | ${spec.title} |`;
  });
  return ['| code | category | HTTP | CLI exit | retryable | meaning |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

export function routeTable(): string {
  return routes.map((r) => `${r.method.padEnd(6)} ${r.url.padEnd(28)} auth=${r.auth.padEnd(5)} unsealed=${r.requiresUnsealed} -> ${r.successStatus} ${r.operationId}`).join('\n') + '\n';
}
