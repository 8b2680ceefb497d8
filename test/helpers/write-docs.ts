/** `npm run docs`: regenerates docs/openapi.json and the error table in docs/errors.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS_END, ACTIONS_START, actionTable, ERRORS_END, ERRORS_START, errorTable, openApiText, routeTable, withSection } from './docs.js';
import { repoRoot } from './paths.js';

writeFileSync(join(repoRoot, 'docs/openapi.json'), openApiText());
writeFileSync(join(repoRoot, 'test/integration/__snapshots__/routes.txt'), routeTable());
const errorsPath = join(repoRoot, 'docs/errors.md');
writeFileSync(errorsPath, withSection(readFileSync(errorsPath, 'utf8'), ERRORS_START, ERRORS_END, errorTable()));
const policiesPath = join(repoRoot, 'docs/policies.md');
writeFileSync(policiesPath, withSection(readFileSync(policiesPath, 'utf8'), ACTIONS_START, ACTIONS_END, actionTable()));
console.log('wrote docs/openapi.json, docs/errors.md, docs/policies.md, test/integration/__snapshots__/routes.txt');
