/**
 * End to end: the examples a reader copies. Every ```sh and ```js block of README.md and docs/*.md —
 * README first, then docs/ by name, each in document order — runs against one built dev server
 * (`strongbox server --dev --dev-root-token dev-token`, as the README starts it, on a free port, with a
 * local Ethereum node as its upstream). Shell blocks run in bash with `-e -o pipefail`, and what they
 * export carries on to later blocks, as in one terminal; `http://127.0.0.1:8230` becomes the server's
 * address, and `npx strongbox` / `strongbox` run the built CLI. JavaScript blocks run as .mjs files inside
 * the repository, so `strongbox/client` and the dependencies resolve as for the package's users.
 * Each must exit 0, print no Strongbox problem or JSON-RPC error, and match its expected output where
 * one is listed below. A block that cannot run here is marked `<!-- not tested: reason -->`.
 * Also: each docs/snippets/*.mjs file is embedded verbatim in README.md, and no doc repeats a
 * paragraph or splits a table with a blank line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { startLocalNode, type LocalNode } from '../helpers/ganache.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

const DOC_ADDR = 'http://127.0.0.1:8230';
const DOC_TOKEN = 'dev-token';
const RUNNABLE = new Set(['sh', 'bash', 'js', 'mjs']);
const CODE = new Set([...RUNNABLE, 'shell', 'console', 'ts', 'typescript', 'javascript']);

interface Block {
  file: string;
  line: number;
  lang: string;
  text: string;
  /** the reason given in `<!-- not tested: … -->` on the line above, if any */
  notTested: string | undefined;
}

const docFiles = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

function blocksOf(file: string): Block[] {
  const lines = read(file).split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    assert.ok(end > i, `${file}:${i + 1}: unclosed code block`);
    const marker = /^<!-- not tested: (.*?) -->$/.exec(lines[i - 1] ?? '');
    out.push({ file, line: i + 1, lang: open[1]!, text: lines.slice(i + 1, end).join('\n') + '\n', notTested: marker?.[1] });
    i = end;
  }
  return out;
}

const blocks = docFiles.flatMap(blocksOf);
const runnable = blocks.filter((b) => RUNNABLE.has(b.lang) && b.notTested === undefined);

/** What some examples must print (a regular expression over stdout), found by a text in the block. */
const expectations: { file: string; contains: string; stdout: RegExp[] }[] = [
  { file: 'README.md', contains: 'npx strongbox key sign cold-wallet', stdout: [/"signature":"0x[0-9a-f]{130}"/, /^-----BEGIN PUBLIC KEY-----$/m, /"result":\["0x[0-9a-fA-F]{40}"/] },
  { file: 'README.md', contains: "import { StrongboxClient } from 'strongbox/client';\n\nconst client", stdout: [/^0x[0-9a-fA-F]{40} 0x[0-9a-f]{130}\n$/] },
  { file: 'README.md', contains: 'toStrongboxAccount', stdout: [/^0x[0-9a-fA-F]{40} 0x[0-9a-f]{130} true\n$/] },
  { file: 'docs/aws-kms.md', contains: 'aws --endpoint-url', stdout: [/"KeySpec": "ECC_SECG_P256K1"/] },
  { file: 'docs/aws-kms.md', contains: '@aws-sdk/client-kms', stdout: [/^[0-9a-f-]{36} 30[0-9a-f]+ true\n$/] },
  { file: 'docs/api.md', contains: 'createWalletClient', stdout: [/^0x[0-9a-fA-F]{40} 0x[0-9a-f]{64}\n$/] },
];

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A hung example must fail the test, not the suite.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `env -0` output as an environment, minus the shell's own bookkeeping. */
function parseEnv(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of text.split('\0')) {
    const i = entry.indexOf('=');
    if (i > 0 && !['_', 'SHLVL', 'PWD', 'OLDPWD'].includes(entry.slice(0, i))) env[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return env;
}

describe('documented examples', () => {
  let server: SpawnedServer;
  let node: LocalNode;
  let work: string;
  let bin: string;
  let scripts: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    node = await startLocalNode();
    server = await spawnServer(['--dev', '--dev-root-token', DOC_TOKEN, '--ethereum-upstream', node.url, '--log-level', 'warn']);
    work = mkdtempSync(join(tmpdir(), 'strongbox-docs-'));
    bin = join(work, 'bin');
    mkdirSync(bin);
    // `strongbox` and `npx strongbox` are the built CLI; any other npx use would reach the registry.
    writeFileSync(join(bin, 'strongbox'), `#!/bin/sh\nexec '${process.execPath}' '${cliPath}' "$@"\n`);
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = strongbox ] || { echo "docs examples run only npx strongbox, not npx $1" >&2; exit 127; }\nshift\nexec strongbox "$@"\n`);
    chmodSync(join(bin, 'strongbox'), 0o755);
    chmodSync(join(bin, 'npx'), 0o755);
    mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
    scripts = mkdtempSync(join(repoRoot, '.tmp', 'docs-examples-'));
    env = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STRONGBOX_') && !k.startsWith('AWS_')) env[k] = v;
    // The AWS CLI and SDK read nothing of the host's: what an example exports is all they get.
    Object.assign(env, { PATH: `${bin}:${env['PATH']}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' });
  });

  after(async () => {
    await server?.stop();
    await node?.close();
    for (const dir of [work, scripts]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('every shell and JavaScript block runs here or says why not; TypeScript blocks are written as JavaScript', () => {
    for (const b of blocks) {
      if (!CODE.has(b.lang)) continue;
      assert.ok(RUNNABLE.has(b.lang) || b.notTested !== undefined, `${b.file}:${b.line}: a \`\`\`${b.lang} block cannot run; write it as sh or js, or mark it <!-- not tested: reason -->`);
      if (b.notTested !== undefined) assert.ok(b.notTested.trim().length > 0, `${b.file}:${b.line}: say why it is not tested`);
    }
    assert.ok(runnable.length >= 6, `found ${runnable.length} runnable examples`);
    for (const e of expectations) assert.equal(runnable.filter((b) => b.file === e.file && b.text.includes(e.contains)).length, 1, `one runnable block of ${e.file} contains ${JSON.stringify(e.contains)}`);
  });

  for (const [index, b] of runnable.entries()) {
    it(`${b.file}:${b.line} (${b.lang}) exits 0`, async () => {
      const text = b.text.replaceAll(DOC_ADDR, server.addr);
      if (text.includes('sendTransaction')) {
        // "the first key funded on it": fund every address the token may sign with, from the node's faucet.
        const res = await fetch(`${server.addr}/v1/ethereum/rpc`, { method: 'POST', headers: { authorization: `Bearer ${DOC_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_accounts' }) });
        const accounts = ((await res.json()) as { result: string[] }).result;
        assert.ok(accounts.length > 0, 'an earlier example created a key');
        for (const to of accounts) await node.request('eth_sendTransaction', [{ from: node.faucet, to, value: '0xde0b6b3a7640000' }]);
      }
      let r: { code: number | null; stdout: string; stderr: string };
      if (b.lang === 'js' || b.lang === 'mjs') {
        const file = join(scripts, `example-${index}.mjs`);
        writeFileSync(file, text);
        r = await run(process.execPath, [file], { cwd: work, env });
      } else {
        const file = join(scripts, `example-${index}.sh`);
        const envFile = join(scripts, `example-${index}.env`);
        writeFileSync(file, text);
        r = await run('bash', ['-c', 'set -e -o pipefail; . "$0"; env -0 > "$1"', file, envFile], { cwd: work, env });
        if (r.code === 0) env = { ...parseEnv(readFileSync(envFile, 'utf8')), PATH: env['PATH'] };
      }
      const where = `${b.file}:${b.line}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
      assert.equal(r.code, 0, where);
      // curl -s exits 0 on a 4xx: the answer itself must not be an error.
      assert.doesNotMatch(r.stdout, /urn:strongbox:error:|"error":\s*\{/, where);
      for (const e of expectations.filter((x) => x.file === b.file && b.text.includes(x.contains))) {
        for (const re of e.stdout) assert.match(r.stdout, re, where);
      }
      if (text.includes('sendTransaction')) {
        const hash = r.stdout.trim().split(' ')[1]!;
        const receipt = await node.request<{ status: string } | null>('eth_getTransactionReceipt', [hash]);
        assert.equal(receipt?.status, '0x1', 'the transaction was mined');
      }
    });
  }

  it('each docs/snippets file is embedded verbatim in README.md', () => {
    const readme = read('README.md');
    const snippets = readdirSync(join(repoRoot, 'docs', 'snippets'));
    assert.ok(snippets.length >= 2);
    for (const name of snippets) {
      const snippet = read(`docs/snippets/${name}`).trim();
      assert.ok(runnable.some((b) => b.file === 'README.md' && b.text.trim() === snippet), `README.md embeds docs/snippets/${name} as a runnable block`);
      assert.ok(readme.includes(`node docs/snippets/${name}`), `README.md says how to run ${name}`);
    }
  });

  it('no doc splits a table with a blank line or repeats a sentence', () => {
    for (const file of docFiles) {
      const lines = read(file).split('\n');
      let fenced = false;
      lines.forEach((l, i) => {
        if (l.startsWith('```')) fenced = !fenced;
        if (!fenced && l.trim() === '' && /^\s*\|/.test(lines[i - 1] ?? '') && /^\s*\|/.test(lines[i + 1] ?? '')) assert.fail(`${file}:${i + 1}: a blank line splits a table`);
      });
      const prose = read(file).replace(/```[\s\S]*?```/g, '').replace(/\s+/g, ' ');
      const seen = new Set<string>();
      for (const sentence of prose.split(/(?<=[.:;])\s+/).filter((s) => s.length > 50)) {
        assert.ok(!seen.has(sentence), `${file} repeats: ${sentence}`);
        seen.add(sentence);
      }
    }
  });
});
