import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commands, runCli } from './index.js';
import { commandGroups, commandHelp } from './help.js';
import { closest, editDistance } from './suggest.js';

/** runCli in this process, with nothing listening: only what is decided before a request is tested here. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { STRONGBOX_ADDR: 'http://127.0.0.1:1' }, stopSignal: new Promise(() => {}) });
  return { code, stdout, stderr };
}

describe('CLI help pages', () => {
  it('every option of every command has a description, and its help lists it', () => {
    for (const c of commands) {
      const help = commandHelp(c);
      assert.match(help, new RegExp(`^Usage: strongbox ${c.path.join(' ')}`), c.path.join(' '));
      for (const [name, o] of Object.entries(c.options)) {
        const where = `${c.path.join(' ')} --${name}`;
        assert.ok(o.description.trim().length > 0, `${where} has a description`);
        const line = help.split('\n').findIndex((l) => l.startsWith(`  --${name}`) && (l.length === `  --${name}`.length || l[`  --${name}`.length] === ' '));
        assert.ok(line >= 0, `${where} is listed`);
        // A long flag puts its description on the next line.
        const text = help.split('\n').slice(line, line + 2).join('\n');
        assert.ok(text.includes(o.description), `${where}: its description is shown`);
        if (o.default !== undefined) assert.ok(text.includes(`[default: ${o.default}]`), `${where}: its default is shown`);
      }
    }
  });

  it('every group answers --help (exit 0) and alone (exit 2) with its page; every group word is a group', async () => {
    const groups = commandGroups(commands);
    assert.deepEqual([...groups].sort(), ['app-key', 'approval', 'audit', 'aws-credentials', 'bitcoin', 'key', 'key certificate', 'key rules', 'operator', 'policy', 'release', 'threshold', 'threshold peers', 'token', 'wallet']);
    for (const g of groups) {
      const help = await run([...g.split(' '), '--help']);
      assert.equal(help.code, 0, `${g} --help`);
      assert.equal(help.stderr, '');
      const members = commands.filter((c) => c.path.join(' ').startsWith(g + ' '));
      for (const c of members) assert.match(help.stdout, new RegExp(`^ {2}${c.path.join(' ')} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      for (const h of ['-h', 'help']) assert.equal((await run([...g.split(' '), h])).stdout, help.stdout, `${g} ${h}`);
      const bare = await run(g.split(' '));
      assert.equal(bare.code, 2);
      assert.equal(bare.stdout, help.stdout);
    }
  });

  it('an unknown command in a group names the group, suggests the nearest command, and shows the group page', async () => {
    const r = await run(['key', 'sing', 'hot']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: unknown command "key sing"; did you mean "key sign"\?\n\nUsage: strongbox key <command>/);
    const top = await run(['wallets', 'list']);
    assert.match(top.stderr, /^error: unknown command "wallets"; did you mean "wallet"\?\n\nUsage: strongbox <command>/);
    const none = await run(['key', 'frobnicate']);
    assert.match(none.stderr, /^error: unknown command "key frobnicate"\n\n/);
  });
});

describe('CLI unknown options', () => {
  it('a mistyped option is named, with the nearest option of the command (exit 2, nothing sent)', async () => {
    const r = await run(['key', 'sign', 'hot', '--digest', '0x' + '11'.repeat(32), '--encodng', 'raw']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: unknown option --encodng; did you mean --encoding\?\nUsage: strongbox key sign <key>/);
    assert.doesNotMatch(r.stderr, /positional|cannot reach/);
    for (const [args, expected] of [
      [['key', 'sign', 'hot', '--encodng=raw'], 'unknown option --encodng; did you mean --encoding?'],
      [['key', 'list', '-json'], 'unknown option -json; did you mean --json?'],
      [['key', 'list', '--jsno'], 'unknown option --jsno; did you mean --json?'],
      [['key', 'export', 'k', '--wrapping-key', 'x.pem'], 'unknown option --wrapping-key; did you mean --wrapping-key-file?'],
      [['key', 'show', 'hot', '--hepl'], 'unknown option --hepl; did you mean --help?'],
      [['key', 'list', '--bogus'], 'unknown option --bogus\n'],
      [['key', 'show', '-x'], "unknown option -x (an argument that starts with '-' goes after --, e.g. -- -x)"],
      [['operator', 'restore', '--token', 't'], 'unknown option --token\n'],
    ] as const) {
      const e = await run([...args]);
      assert.equal(e.code, 2, args.join(' '));
      assert.ok(e.stderr.startsWith(`error: ${expected}`), `${args.join(' ')}: ${e.stderr}`);
    }
  });

  it('a value that looks like an option is still a value', async () => {
    // The value of --reason is taken as is; the request then fails only because nothing listens.
    const r = await run(['approval', 'reject', 'id', '--reason', '--encodng']);
    assert.doesNotMatch(r.stderr, /unknown option/);
    assert.match(r.stderr, /cannot reach/);
  });
});

describe('closest', () => {
  it('finds typos by edit distance (transpositions count once), else a unique prefix', () => {
    assert.equal(editDistance('encodng', 'encoding'), 1);
    assert.equal(editDistance('hsah', 'hash'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(closest('encodng', ['digest', 'encoding', 'hash']), 'encoding');
    assert.equal(closest('hsah', ['hash', 'json']), 'hash');
    assert.equal(closest('ttt', ['ttl']), 'ttl');
    assert.equal(closest('tkn', ['ttl']), undefined, 'short names: one edit at most');
    assert.equal(closest('bogus', ['json', 'limit', 'cursor']), undefined);
    assert.equal(closest('wrapping-key', ['wrapping-key-file', 'out']), 'wrapping-key-file');
    assert.equal(closest('ou', ['out', 'outer']), 'out');
  });
});
