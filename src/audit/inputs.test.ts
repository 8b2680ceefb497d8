import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { auditInputs, inputDigest, SEALED_INPUT, UNHASHABLE } from './inputs.js';
import type { AuditKeys } from './keys.js';

const hmacKey = Buffer.alloc(32, 7);
const keys: AuditKeys = {
  hmac: (field, value) => createHmac('sha256', hmacKey).update(`${field}=${value}`).digest('hex'),
  signingKey: undefined as never,
  publicKeyHex: '',
  wipe: () => undefined,
};

/** A value nested `depth` deep, built without recursion (deeper than JSON.stringify can go). */
function deep(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('audit inputs', () => {
  it('HMACs strings as they are and other JSON values as their JSON text', () => {
    assert.equal(inputDigest(keys, 'data', 'abc'), createHmac('sha256', hmacKey).update('data=abc').digest('hex'));
    assert.equal(inputDigest(keys, 'data', { a: [1] }), createHmac('sha256', hmacKey).update('data={"a":[1]}').digest('hex'));
  });

  it('never throws: values JSON.stringify refuses are recorded as unhashable', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const throwing = { toJSON: () => { throw new Error('boom'); } };
    for (const value of [deep(200_000), 10n, cycle, throwing]) assert.equal(inputDigest(keys, 'transaction', value), UNHASHABLE);
    assert.equal(inputDigest(keys, 'data', () => 1), UNHASHABLE, 'a function has no JSON text');
  });

  it('is unavailable while sealed, and only own members of the body are read', () => {
    assert.equal(inputDigest(undefined, 'data', 'x'), SEALED_INPUT);
    assert.deepEqual(auditInputs(keys, ['constructor', 'toString', 'digest'], { digest: 'd' }), { digest: keys.hmac('digest', 'd') });
    assert.equal(auditInputs(keys, ['constructor'], {}), null);
    assert.equal(auditInputs(keys, ['params'], [{ params: 1 }]), null);
    assert.equal(auditInputs(keys, undefined, { digest: 'd' }), null);
    assert.equal(auditInputs(keys, ['digest'], null), null);
    assert.deepEqual(auditInputs(keys, ['transaction'], { transaction: deep(100_000) }), { transaction: UNHASHABLE });
  });
});
