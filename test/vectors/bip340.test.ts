/**
 * BIP340 vectors for src/crypto/signers/bip340.ts: test/vectors/bip340/test-vectors.csv, copied
 * from bitcoin/bips (BSD-2-Clause OR MIT OR CC0-1.0, see LICENSE there).
 *
 * Rows with a secret key are signing vectors: the secret key gives the public key, and signing the
 * message with the row's aux_rand gives exactly the row's signature. Every row is a verification
 * vector: bip340Verify(signature, message, public key) equals the row's verification result.
 * Each assertion names the row index and its comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bip340PublicKey, bip340Sign, bip340Verify, loadTaprootKeyPath, taprootOutputKey } from '../../src/crypto/signers/bip340.js';
import { fixture } from '../helpers/paths.js';

interface Row {
  index: string;
  secretKey: string;
  publicKey: string;
  auxRand: string;
  message: string;
  signature: string;
  result: boolean;
  comment: string;
}

function loadRows(): Row[] {
  const lines = readFileSync(fixture('vectors', 'bip340', 'test-vectors.csv'), 'utf8').trim().split(/\r?\n/);
  assert.equal(lines[0], 'index,secret key,public key,aux_rand,message,signature,verification result,comment');
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    assert.equal(f.length, 8, `malformed row ${line}`);
    assert.ok(f[6] === 'TRUE' || f[6] === 'FALSE');
    return { index: f[0]!, secretKey: f[1]!, publicKey: f[2]!, auxRand: f[3]!, message: f[4]!, signature: f[5]!, result: f[6] === 'TRUE', comment: f[7]! };
  });
}

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();
const label = (r: Row): string => `test-vectors.csv index ${r.index}${r.comment ? ` (${r.comment})` : ''}`;

const rows = loadRows();

test('BIP340 vectors file has the 19 rows of bitcoin/bips', () => {
  assert.equal(rows.length, 19);
  assert.ok(rows.filter((r) => r.secretKey !== '').length >= 8, 'signing vectors present');
  assert.ok(rows.some((r) => !r.result), 'negative verification vectors present');
});

test('BIP340 signing vectors: public key and exact signature with the given aux_rand', () => {
  for (const r of rows.filter((row) => row.secretKey !== '')) {
    const secretKey = bytes(r.secretKey);
    const publicKey = bip340PublicKey(secretKey);
    assert.equal(toHex(publicKey), r.publicKey, `${label(r)}: public key`);
    const signature = bip340Sign(bytes(r.message), secretKey, publicKey, bytes(r.auxRand));
    assert.equal(toHex(signature), r.signature, `${label(r)}: signature`);
  }
});

test('BIP340 verification vectors: expected result for every row', () => {
  for (const r of rows) {
    assert.equal(bip340Verify(bytes(r.signature), bytes(r.message), bytes(r.publicKey)), r.result, `${label(r)}: verify`);
  }
});

test('bip340Sign refuses to release a signature that does not verify under the given public key', () => {
  const r = rows.find((row) => row.secretKey !== '')!;
  const other = rows.find((row) => row.secretKey !== '' && row.publicKey !== r.publicKey)!;
  assert.throws(() => bip340Sign(bytes(r.message), bytes(r.secretKey), bytes(other.publicKey), bytes(r.auxRand)), { code: 'INTERNAL' });
});

test('taproot key path: the tweaked signer signs for the BIP341 output key of the vectors\' keys', () => {
  for (const r of rows.filter((row) => row.secretKey !== '')) {
    const signer = loadTaprootKeyPath(bytes(r.secretKey));
    assert.equal(toHex(signer.internalKey), r.publicKey, label(r));
    assert.deepEqual(signer.outputKey, taprootOutputKey(bytes(r.publicKey)), label(r));
    assert.notDeepEqual(signer.outputKey, signer.internalKey, label(r));
    const sighash = bytes('11'.repeat(32));
    const signature = signer.sign(sighash);
    assert.equal(bip340Verify(signature, sighash, signer.outputKey), true, label(r));
    assert.equal(bip340Verify(signature, sighash, signer.internalKey), false, `${label(r)}: not valid under the untweaked key`);
    signer.wipe();
  }
});
