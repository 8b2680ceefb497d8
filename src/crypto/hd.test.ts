/** Derivation-path parsing: the spellings BIP32 paths come in, and what is refused. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrongboxError } from '../protocol/errors.js';
import { formatPath, HARDENED, parsePath } from './hd.js';

describe('parsePath / formatPath', () => {
  it("accepts ', h and H for hardened and formats canonically with '", () => {
    for (const spelling of ["m/44'/60'/0'/0/7", 'm/44h/60h/0h/0/7', "m/44H/60'/0h/0/7"]) {
      assert.equal(formatPath(parsePath(spelling)), "m/44'/60'/0'/0/7", spelling);
    }
    assert.deepEqual(parsePath("m/0/2147483647'"), [
      { index: 0, hardened: false },
      { index: HARDENED - 1, hardened: true },
    ]);
    assert.deepEqual(parsePath('m'), []);
    assert.equal(parsePath('m' + "/1'".repeat(255)).length, 255);
  });

  it('refuses malformed paths with INVALID_DERIVATION_PATH naming path', () => {
    const bad = ['', 'M/0', '/0', 'm/', 'm//0', 'm/0/', 'm/01', 'm/-1', 'm/+1', 'm/1.5', "m/1''", 'm/1x', 'm/0x10', 'm/2147483648', "m/2147483648'", 'm/99999999999', 'm' + '/0'.repeat(256), ' m/0', 'm/0 ', 'm/٣'];
    for (const path of bad) {
      assert.throws(() => parsePath(path), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_DERIVATION_PATH' && e.field === 'path', JSON.stringify(path));
    }
  });
});
