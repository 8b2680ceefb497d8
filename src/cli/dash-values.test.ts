import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { joinDashValues } from './index.js';

describe('CLI: string option values that start with "-"', () => {
  const options = { otp: { type: 'string' }, decode: { type: 'string' }, json: { type: 'boolean' } } as const;
  const parse = (args: string[]) => parseArgs({ args: joinDashValues(args, options), options, allowPositionals: true, strict: true }).values;

  it('a base64url OTP starting with "-" is taken as the value (parseArgs alone refuses it as ambiguous)', () => {
    assert.throws(() => parseArgs({ args: ['--otp', '-Zx_9'], options, strict: true }), /ambiguous/);
    assert.deepEqual({ ...parse(['--decode', '-abc', '--otp', '-Zx_9', '--json']) }, { decode: '-abc', otp: '-Zx_9', json: true });
  });

  it('a following option is not swallowed: a forgotten value still fails', () => {
    assert.throws(() => parse(['--otp', '--json']), /ambiguous|argument missing/);
  });

  it('other arguments pass unchanged', () => {
    assert.deepEqual(joinDashValues(['--otp=x', '--json', 'pos', '--otp', 'plain'], options), ['--otp=x', '--json', 'pos', '--otp', 'plain']);
  });
});
