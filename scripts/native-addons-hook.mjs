// Preloaded (NODE_OPTIONS=--import) by scripts/test.mjs when it runs the suite under another Node
// version than the one node_modules was installed with: resolves the native addon packages to copies
// rebuilt for this Node's ABI in .node<major>/native/ (see scripts/test.mjs), so the two builds coexist
// and node_modules stays the default Node's. Everything else resolves as usual. NODE_OPTIONS reaches
// every child process (the spawned server and CLI) and worker thread (the SQLite writer, the signing
// pool), so they all load the same builds.
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const major = process.versions.node.split('.')[0];
const prefix = new URL(`../.node${major}/native/`, import.meta.url);
// Resolving from a module inside the prefix finds its node_modules/ first.
const parentURL = new URL('resolve-from-here.js', prefix).href;

// Written last by scripts/test.mjs once the rebuilt addons load; its package.json names them.
if (typeof registerHooks === 'function' && existsSync(new URL('.stamp', prefix))) {
  const addons = new Set(Object.keys(JSON.parse(readFileSync(new URL('package.json', prefix), 'utf8')).dependencies));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      return addons.has(specifier.split('/')[0]) ? nextResolve(specifier, { ...context, parentURL }) : nextResolve(specifier, context);
    },
  });
}
