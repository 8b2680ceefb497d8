/** The AWS error table covers every Strongbox code; the CiphertextBlob and EncryptionContext encodings are canonical. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StrongboxError, errorCodes, type ErrorCode } from '../protocol/errors.js';
import { toAwsError } from './errors.js';
import { parseCiphertextBlob, toCiphertextBlob } from './ciphertext-blob.js';
import { encryptionContextAad } from './operation.js';
import { toKeyRef } from './key-id.js';

describe('AWS error table', () => {
  for (const code of Object.keys(errorCodes) as ErrorCode[]) {
    it(`${code} maps to an AWS exception`, () => {
      const shape = toAwsError(new StrongboxError(code));
      assert.match(shape.type, /^[A-Z][A-Za-z]+Exception$/, code);
      assert.ok([400, 500, 503].includes(shape.status), `${code}: ${shape.status}`);
    });
  }
  it('names the exceptions the AWS SDKs expect for key states', () => {
    assert.equal(toAwsError(new StrongboxError('KEY_NOT_FOUND')).type, 'NotFoundException');
    assert.equal(toAwsError(new StrongboxError('KEY_DISABLED')).type, 'DisabledException');
    assert.equal(toAwsError(new StrongboxError('KEY_PENDING_DELETION')).type, 'KMSInvalidStateException');
    assert.equal(toAwsError(new StrongboxError('PERMISSION_DENIED')).type, 'AccessDeniedException');
    assert.equal(toAwsError(new StrongboxError('INVALID_ARGUMENT')).type, 'ValidationException');
    assert.equal(toAwsError(new StrongboxError('INTERNAL')).status, 500);
  });
});

describe('CiphertextBlob and EncryptionContext', () => {
  it('the blob names its key and round-trips', () => {
    const id = '01234567-89ab-4def-8123-456789abcdef';
    const blob = toCiphertextBlob(id, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...blob.subarray(0, 2)], [0x53, 0x01]);
    const parsed = parseCiphertextBlob(blob);
    assert.equal(parsed.keyId, id);
    assert.deepEqual([...parsed.ciphertext], [1, 2, 3]);
    assert.throws(() => parseCiphertextBlob(new Uint8Array([0x53, 0x02, ...new Uint8Array(20)])), { name: 'AwsError' });
  });
  it('EncryptionContext AAD ignores order; empty is no AAD', () => {
    const a = encryptionContextAad({ EncryptionContext: { b: '2', a: '1' } });
    assert.equal(a, encryptionContextAad({ EncryptionContext: { a: '1', b: '2' } }));
    assert.equal(Buffer.from(a!.slice(2), 'hex').toString(), '[["a","1"],["b","2"]]');
    assert.equal(encryptionContextAad({ EncryptionContext: {} }), undefined);
    assert.throws(() => encryptionContextAad({ EncryptionContext: { a: 1 } }), { name: 'AwsError' });
  });
  it('key references: id, key ARN, alias, alias ARN', () => {
    const id = '01234567-89ab-4def-8123-456789abcdef';
    assert.equal(toKeyRef(id), id);
    assert.equal(toKeyRef(`arn:aws:kms:eu-west-1:123456789012:key/${id}`), id);
    assert.equal(toKeyRef('alias/app'), 'app');
    assert.equal(toKeyRef('arn:aws:kms:eu-west-1:123456789012:alias/app'), 'app');
  });
});
