/**
 * The import rules of docs/architecture.md, checked on the source tree (value imports; `import type`
 * carries no code and is allowed): storage cannot decrypt, interfaces go through the service layer,
 * the SDK carries no server code.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const src = join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** [importing file relative to src, imported path relative to src] for every value import of project code. */
function edges(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)) {
      if (m[2]) continue;
      const spec = m[3] ?? m[4]!;
      out.push([relative(src, file), relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts')]);
    }
  }
  return out;
}

const rules: { name: string; from: RegExp; forbidden: RegExp }[] = [
  { name: 'storage/ never imports crypto/, keyring/ or providers/', from: /^storage\//, forbidden: /^(crypto|keyring|providers)\// },
  { name: 'http/ never imports storage/, keyring/ or crypto/', from: /^http\//, forbidden: /^(storage|keyring|crypto)\// },
  { name: 'cli/ never imports storage/, keyring/ or crypto/', from: /^cli\//, forbidden: /^(storage|keyring|crypto)\// },
  { name: 'aws/ never imports storage/, keyring/ or crypto/', from: /^aws\//, forbidden: /^(storage|keyring|crypto)\// },
  { name: 'sdk/ imports only protocol/', from: /^sdk\//, forbidden: /^(?!protocol\/|sdk\/)/ },
  { name: 'protocol/ imports nothing but protocol/', from: /^protocol\//, forbidden: /^(?!protocol\/)/ },
  { name: 'policy/ is pure: no storage, keyring, crypto, service or http', from: /^policy\//, forbidden: /^(storage|keyring|crypto|service|http)\// },
];

describe('architecture: import rules', () => {
  const all = edges();
  it('finds the imports it checks', () => {
    assert.ok(all.length > 100, `only ${all.length} imports found`);
    assert.ok(all.some(([f, t]) => f.startsWith('http/') && t.startsWith('service/')), 'control: http → service imports are seen');
  });
  for (const rule of rules) {
    it(rule.name, () => {
      const bad = all.filter(([f, t]) => rule.from.test(f) && rule.forbidden.test(t));
      assert.deepEqual(bad, []);
    });
  }
});
