/** `npm run docs`: regenerates docs/openapi.json and the error table in docs/errors.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS_END, ERRORS_START, errorTable, openApiText, routeTable } from './docs.js';
import { repoRoot } from './paths.js';

writeFileSync(join(repoRoot, 'docs/openapi.json'), openApiText());
writeFileSync(join(repoRoot, 'test/integration/__snapshots__/routes.txt'), routeTable());
const errorsPath = join(repoRoot, 'docs/errors.md');
const text = readFileSync(errorsPath, 'utf8');
const start = text.indexOf(ERRORS_START);
const end = text.indexOf(ERRORS_END);
if (start < 0 || end < 0) throw new Error('docs/errors.md lacks the errors:start/end markers');
writeFileSync(errorsPath, text.slice(0, start + ERRORS_START.length) + '\n' + errorTable() + '\n' + text.slice(end));
console.log('wrote docs/openapi.json, docs/errors.md, test/integration/__snapshots__/routes.txt');
