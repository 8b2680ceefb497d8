/**
 * Generated documentation: the OpenAPI document and the error table in docs/errors.md.
 * `npm run docs` writes them; test/integration/surface.test.ts fails when the committed copies drift.
 */
import { categories, errorCodes, type ErrorCode } from '../../src/protocol/errors.js';
import { buildOpenApi } from '../../src/http/openapi.js';
import { routes } from '../../src/http/routes/index.js';
import { VERSION } from '../../src/version.js';
import { actions } from '../../src/policy/actions.js';

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

export const ACTIONS_START = '<!-- actions:start -->';
export const ACTIONS_END = '<!-- actions:end -->';

export function actionTable(): string {
  return ['| action | allows |', '|---|---|', ...Object.entries(actions).map(([a, d]) => `| \`${a}\` | ${d} |`)].join('\n');
}

/** Replaces the text between two markers in a document. */
export function withSection(text: string, start: string, end: string, body: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`markers ${start} / ${end} not found`);
  return text.slice(0, i + start.length) + '\n' + body + '\n' + text.slice(j);
}

export function section(text: string, start: string, end: string): string {
  return text.slice(text.indexOf(start) + start.length, text.indexOf(end)).trim();
}

export function routeTable(): string {
  return routes.map((r) => `${r.method.padEnd(6)} ${r.url.padEnd(28)} auth=${r.auth.padEnd(5)} unsealed=${r.requiresUnsealed} -> ${r.successStatus} ${r.operationId}`).join('\n') + '\n';
}
