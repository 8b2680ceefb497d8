import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryScript } from './caller-measurement.js';

describe('entryScript: the script an interpreter runs, from its command line', () => {
  const cases: [Parameters<typeof entryScript>[0], string[], string | null][] = [
    ['node', ['node', 'app.mjs', '--port', '1'], 'app.mjs'],
    ['node', ['node', '--enable-source-maps', '-r', 'dotenv/config', 'dist/main.js'], 'dist/main.js'],
    ['node', ['node', '--import', 'tsx', 'src/a.ts'], 'src/a.ts'],
    ['node', ['node', '-e', 'console.log(1)'], null],
    ['node', ['node', '--', '-weird.js'], '-weird.js'],
    ['node', ['node'], null],
    ['python', ['python3', '-u', '-W', 'ignore', 'svc.py'], 'svc.py'],
    ['python', ['python3', '-m', 'http.server'], null],
    ['python', ['python3', '-c', 'print(1)'], null],
    ['java', ['java', '-Xmx1g', '-jar', 'app.jar', 'x'], 'app.jar'],
    ['java', ['java', '-cp', 'lib/*', 'com.example.Main'], null],
  ];
  for (const [interpreter, argv, expected] of cases) {
    it(`${argv.join(' ')} → ${expected}`, () => assert.equal(entryScript(interpreter, argv), expected));
  }
});
