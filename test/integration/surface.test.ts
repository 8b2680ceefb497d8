/**
 * The public surface is pinned: the committed OpenAPI document equals the one generated from the
 * route schemas (and the one served), docs/errors.md lists exactly the error registry, and the
 * route table matches its snapshot. On an intended change, run `npm run docs` and review the diff.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS_END, ACTIONS_START, actionTable, ERRORS_END, ERRORS_START, errorTable, openApiText, routeTable, section } from '../helpers/docs.js';
import { repoRoot } from '../helpers/paths.js';
import { startTestBox } from '../helpers/app.js';
import { categories, errorCodes, exitCodeOf, statusOf, type ErrorCode } from '../../src/protocol/errors.js';

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');

describe('public surface', () => {
  it('docs/openapi.json is the document generated from the route schemas', () => {
    assert.equal(read('docs/openapi.json'), openApiText(), 'run `npm run docs` after changing routes');
  });

  it('GET /v1/openapi.json serves the same document', async () => {
    const t = await startTestBox({ bare: true });
    try {
      const res = await t.call('GET', '/v1/openapi.json', undefined, null);
      assert.deepEqual(res.body, JSON.parse(read('docs/openapi.json')));
    } finally {
      await t.cleanup();
    }
  });

  it('docs/errors.md lists exactly the error registry', () => {
    const text = read('docs/errors.md');
    const section = text.slice(text.indexOf(ERRORS_START) + ERRORS_START.length, text.indexOf(ERRORS_END)).trim();
    assert.equal(section, errorTable(), 'run `npm run docs` after changing src/protocol/errors.ts');
  });

  it('docs/policies.md lists exactly the policy actions', () => {
    assert.equal(section(read('docs/policies.md'), ACTIONS_START, ACTIONS_END), actionTable(), 'run `npm run docs` after changing src/policy/actions.ts');
  });

  it('every error code maps to one status and one exit code through its category', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const cat = categories[errorCodes[code].category];
      assert.equal(statusOf(code), cat.status);
      assert.equal(exitCodeOf(code), cat.exitCode);
      assert.ok(cat.status >= 400 && cat.status < 600, code);
    }
  });

  it('the route table matches its snapshot', () => {
    assert.equal(read('test/integration/__snapshots__/routes.txt'), routeTable());
  });
});
