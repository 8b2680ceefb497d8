#!/usr/bin/env node
// `npm run build:verify-reproducible`: clones the current commit twice into temporary directories (at
// different paths), builds each as `npm run build` does (TypeScript, the web console, the peercred addon,
// the manifest) and compares the two dist/manifest.json byte for byte, naming every file whose digest
// differs. Exit 0 when identical. With `--against-checkout`, one clone is built and compared with this
// checkout's own dist/manifest.json (which must be built from a clean tree at HEAD): `npm test` does that
// after its build, so CI builds twice from a clean clone. node_modules is linked from this checkout (an
// `npm ci` per clone would also verify the lockfile, at the cost of a network install).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'strongbox-reproducible-'));
try {
  const againstCheckout = process.argv.includes('--against-checkout');
  const builds = againstCheckout ? ['clone'] : ['first', 'second-clone'];
  const manifests = builds.map((name) => {
    const dir = join(work, name);
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, dir], { stdio: 'inherit' });
    execFileSync('git', ['-C', dir, 'checkout', '--quiet', execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()]);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    console.log(`building ${dir}`);
    execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
    execFileSync(process.execPath, [join(dir, 'scripts/build-ui.mjs')], { cwd: dir, stdio: 'inherit' });
    execFileSync(process.execPath, [join(dir, 'scripts/build-native.mjs')], { cwd: dir, stdio: 'inherit' });
    execFileSync(process.execPath, [join(dir, 'dist/src/bin/strongbox.js'), 'release', 'manifest'], { cwd: dir, stdio: 'inherit' });
    return readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8');
  });
  if (againstCheckout) manifests.unshift(readFileSync(join(root, 'dist', 'manifest.json'), 'utf8'));
  if (manifests[0] === manifests[1]) {
    console.log('reproducible: the two manifests are identical');
  } else {
    const [a, b] = manifests.map((m) => new Map(JSON.parse(m).files.map((f) => [f.path, f.sha256])));
    for (const path of new Set([...a.keys(), ...b.keys()])) if (a.get(path) !== b.get(path)) console.error(`differs: ${path}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
