#!/usr/bin/env node
// The whole test suite, from a fresh clone: checks the system tools the tests use (installing
// missing Debian packages when running as root), compiles TypeScript, then runs every
// dist/**/*.test.js with node:test (Node 20's runner does not expand globs, so we list them) — under
// this Node, then under Node 24 from the npm registry with its own native addon builds
// (scripts/other-node.mjs; STRONGBOX_TEST_NODES=20,22,24 adds Node 22, =24 runs only Node 24).
// Arguments filter the test files: `npm test -- cli.test` runs the files whose path contains it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareNode } from './other-node.mjs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

// command → Debian package providing it
const systemTools = {
  openssl: 'openssl',
  'softhsm2-util': 'softhsm2',
  // the PKCS#11 clients of test/e2e/pkcs11-clients.test.ts
  'pkcs11-tool': 'opensc',
  'ssh-keygen': 'openssh-client',
  sshd: 'openssh-server',
  javac: 'openjdk-17-jdk-headless',
  p11tool: 'gnutls-bin',
  // docs-examples.test.ts
  jq: 'jq',
  // the KMIP tests: PyKMIP's client (under /usr/bin/python3) and pykmip-server
  'pykmip-server': 'python3-pykmip',
  // the web console's browser tests (test/e2e/console.test.ts drive Debian's chromium with playwright-core)
  chromium: 'chromium',
  // the peercred addon (scripts/build-native.mjs) and the caller-measurement tests (sha256sum, runuser)
  cc: 'gcc',
  sha256sum: 'coreutils',
  runuser: 'util-linux',
};
// files (not on PATH) → Debian package
const systemFiles = {
  '/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so': 'p11-kit-modules',
  '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so': 'libengine-pkcs11-openssl',
};
const missing = Object.entries(systemTools).filter(([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0);
for (const [file, pkg] of Object.entries(systemFiles)) if (!existsSync(file)) missing.push([file, pkg]);
// PostgreSQL server binaries (not on PATH) for the throwaway clusters of the PostgreSQL tests
// (test/helpers/postgres.ts); they run as the `postgres` user the package creates.
if (!existsSync('/usr/lib/postgresql/15/bin/initdb') || !existsSync('/usr/lib/postgresql/15/bin/pg_ctl')) missing.push(['initdb', 'postgresql-15']);
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0) {
    console.error(`missing system packages: ${pkgs.join(' ')} (install them with apt-get)`);
    process.exit(1);
  }
  console.log(`installing Debian packages: ${pkgs.join(' ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
// the web console (dist/ui), which the built server serves and test/e2e/console.test.ts drives
execFileSync(process.execPath, [join(root, 'scripts/build-ui.mjs')], { stdio: 'inherit' });
// The rest of `npm run build`: the peercred addon and dist/manifest.json (docs/attestation.md).
execFileSync(process.execPath, [join(root, 'scripts/build-native.mjs')], { stdio: 'inherit' });
execFileSync(process.execPath, [join(root, 'dist/src/bin/strongbox.js'), 'release', 'manifest'], { stdio: 'inherit' });
// Reproducible build (docs/attestation.md): a second build, from a clone of HEAD at another path, must
// write the same manifest. Only from a clean tree (CI's clean clone); a working copy with edits skips it.
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' });
if (process.argv.length > 2) {
  // a filtered run (`npm test -- name`) is a developer's quick check
} else if (dirty.status === 0 && dirty.stdout.trim() === '') {
  execFileSync(process.execPath, [join(root, 'scripts/verify-reproducible.mjs'), '--against-checkout'], { stdio: 'inherit' });
} else {
  console.log('reproducible-build check skipped: the working tree has changes (it runs on a clean checkout)');
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
const files = [...findTests('dist/src'), ...findTests('dist/test')]
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const runSuite = (node, env, list = files) => spawnSync(node, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...list], { stdio: 'inherit', env }).status ?? 1;

// Under another Node (STRONGBOX_TEST_OTHER_SCOPE=full runs everything): every unit, vector, contract,
// integration and security file — the whole server in process, its native addons and crypto — plus the
// end-to-end files where the Node release matters most: the spawned server killed with kill -9, the
// native PKCS#11 and peer-credential paths, the browser, mutual-TLS peers, PostgreSQL nodes, the dev
// server and the SDK. The other end-to-end files drive the same server code through other clients, and
// run under the first Node; this keeps CI within its time budget (docs/architecture.md).
const otherNodeE2e = ['crash', 'pkcs11-clients', 'caller-attestation', 'install-integrity', 'console', 'threshold', 'multi-node', 'dev-server', 'sdk-signers', 'batch'];
const portable = (f) => !f.startsWith('dist/test/e2e/') || otherNodeE2e.some((name) => f === `dist/test/e2e/${name}.test.js`);

// STRONGBOX_TEST_NODES: the Node majors to run the suite under, comma-separated; default this one (the
// Node node_modules was installed with) and 24. Any other than this one comes from scripts/other-node.mjs.
const thisMajor = process.versions.node.split('.')[0];
const majors = [...new Set((process.env.STRONGBOX_TEST_NODES ?? `${thisMajor},24`).split(',').map((s) => s.trim()).filter((s) => s !== ''))];
const results = [];
if (majors.includes(thisMajor)) results.push([process.version, runSuite(process.execPath, process.env)]);
for (const major of majors.filter((m) => m !== thisMajor)) {
  const other = prepareNode(root, major);
  if (other.skipped !== undefined) {
    console.log(`\nNode ${major}: skipped (${other.skipped})`);
    continue;
  }
  const scope = process.env.STRONGBOX_TEST_OTHER_SCOPE === 'full' ? files : files.filter(portable);
  console.log(`\n=== ${scope === files ? 'the suite' : `${scope.length} of ${files.length} test files`} again under Node v${other.version} ===`);
  results.push([`v${other.version}`, runSuite(other.nodeBin, other.env, scope)]);
}
if (results.length > 1) for (const [version, status] of results) console.log(`Node ${version}: ${status === 0 ? 'pass' : `FAIL (exit ${status})`}`);
process.exit(results.length > 0 && results.every(([, status]) => status === 0) ? 0 : 1);
