#!/usr/bin/env node
// Builds Strongbox's own native addon (native/peercred/peercred.c → build/peercred.node) with the
// system C compiler: no node-gyp, no download. N-API is ABI-stable, so one build serves Node 20/22/24.
// Never fails the build: without a compiler (or on a non-Linux host) the addon is left out, and the
// server reports caller measurement as unavailable (docs/attestation.md).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'build', 'peercred.node');
mkdirSync(join(root, 'build'), { recursive: true });
const cc = process.env.CC ?? 'cc';
if (process.platform !== 'linux') {
  rmSync(out, { force: true });
  console.warn('build-native: peercred needs Linux (SO_PEERCRED); caller measurement will be unavailable');
  process.exit(0);
}
// -ffile-prefix-map and no -g: the output does not depend on where the tree was cloned (reproducible).
const args = ['-shared', '-fPIC', '-O2', '-Wall', `-ffile-prefix-map=${root}=.`, '-I', join(root, 'node_modules/node-api-headers/include'), '-o', out, join(root, 'native/peercred/peercred.c')];
const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error !== undefined || r.status !== 0) {
  rmSync(out, { force: true });
  console.warn(`build-native: could not compile native/peercred/peercred.c with ${cc} (${r.error?.message ?? `exit ${r.status}`}); caller measurement will be unavailable`);
}
