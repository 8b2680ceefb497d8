#!/usr/bin/env node
// Builds the web console (src/ui, Preact in TSX) into dist/ui with esbuild's JS API (docs/console.md):
// type-checks it with its own tsconfig (the DOM lib, Preact's JSX), bundles one script and one style
// sheet with content-hashed names under dist/ui/assets/, and writes dist/ui/index.html naming them.
// No inline script or style anywhere, so the server's Content-Security-Policy can be strict.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist', 'ui');

execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'src', 'ui', 'tsconfig.json')], { stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  absWorkingDir: root,
  // Paths as written, not resolved through links: a build whose node_modules is a link (the second build of
  // scripts/verify-reproducible.mjs) names the bundled packages exactly as a plain checkout does.
  preserveSymlinks: true,
  entryPoints: ['src/ui/main.tsx'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  // The audit chain is verified in the browser with the server's own verifier (src/audit/verify.ts):
  // its node:crypto calls go to @noble (sha256, Ed25519), Buffer to a small Uint8Array subclass.
  alias: { 'node:crypto': './src/ui/lib/node-crypto.ts' },
  inject: ['./src/ui/lib/buffer-global.ts'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((n) => n.endsWith('.js'));
const style = outputs.find((n) => n.endsWith('.css'));
if (!script || !style) throw new Error(`esbuild did not produce a script and a style sheet: ${outputs.join(', ')}`);
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Strongbox console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/${style}">
<script type="module" src="assets/${script}"></script>
</head>
<body>
<div id="app"><noscript>The Strongbox console needs JavaScript.</noscript></div>
</body>
</html>
`,
);
console.log(`web console built: dist/ui (${outputs.join(', ')})`);
