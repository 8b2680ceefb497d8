/**
 * The bad-input table: every route × malformed input → the expected 4xx status, error code and
 * named field. Generic cases are generated from the route table, so a new route is covered
 * automatically; specific cases list each field's malformed values.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { auditRecordOf, startTestBox, type TestBox } from '../helpers/app.js';
import { routes } from '../../src/http/routes/index.js';
import { p2wpkh, Transaction } from '@scure/btc-signer';
import * as bitcoin from 'bitcoinjs-lib';

const N = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'; // secp256k1 order
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
const d32 = '0x' + 'ab'.repeat(32);
// Keys of the wrong kind and size for an rsa2048 import (made here: tests must not hard-code key files).
const EC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const RSA_1024_PEM = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

/** A well-formed PSBT whose only input spends someone else's P2WPKH output (the key of scalar 1). */
function foreignPsbt(): string {
  const tx = new Transaction();
  const g = Uint8Array.from(Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex'));
  tx.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: p2wpkh(g).script, amount: 10_000n } });
  tx.addOutput({ script: p2wpkh(g).script, amount: 9_000n });
  return Buffer.from(tx.toPSBT()).toString('base64');
}

/** An ERC-2612 Permit (as JSON), optionally without one domain member. */
function permitWithout(member?: string) {
  const domain: Record<string, unknown> = { name: 'USD Coin', chainId: 1, verifyingContract: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' };
  if (member !== undefined) delete domain[member];
  const fields = ['address owner', 'address spender', 'uint256 value', 'uint256 nonce', 'uint256 deadline'].map((f) => ({ type: f.split(' ')[0]!, name: f.split(' ')[1]! }));
  return { domain, types: { Permit: fields }, primaryType: 'Permit', message: { owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', spender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: '1', nonce: '0', deadline: '1' } };
}

/** A well-formed ERC-4337 sign-user-operation body (EntryPoint v0.7), with `userOperation` fields overridden. */
function userOpBody(overrides: Record<string, unknown> = {}, body: Record<string, unknown> = {}) {
  const userOperation = { sender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', nonce: '0', callData: '0x', callGasLimit: 1, verificationGasLimit: 1, preVerificationGas: 1, maxFeePerGas: 2, maxPriorityFeePerGas: 1, ...overrides };
  return { userOperation, entryPoint: '0x0000000071727De22E5E9d8BAf0edAc6f37da032', entryPointVersion: '0.7', chainId: 1, ...body };
}

/** EntryPoint v0.8's typed data for a user operation whose initCode is too short to name a factory. */
function packedUserOperationTypedData() {
  const fields = ['address sender', 'uint256 nonce', 'bytes initCode', 'bytes callData', 'bytes32 accountGasLimits', 'uint256 preVerificationGas', 'bytes32 gasFees', 'bytes paymasterAndData'].map((f) => ({ type: f.split(' ')[0]!, name: f.split(' ')[1]! }));
  return {
    domain: { name: 'ERC4337', version: '1', chainId: 1, verifyingContract: '0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108' },
    types: { PackedUserOperation: fields },
    primaryType: 'PackedUserOperation',
    message: { sender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', nonce: '0', initCode: '0x1234567890', callData: '0x', accountGasLimits: d32, preVerificationGas: '1', gasFees: d32, paymasterAndData: '0x' },
  };
}

/** A PSBT whose nonWitnessUtxo is not the transaction its input's outpoint names (built with bitcoinjs-lib: btc-signer refuses to). */
function wrongPreviousTxPsbt(): string {
  const script = bitcoin.payments.p2wpkh({ pubkey: Buffer.from('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex') }).output!;
  const previous = (n: number) => {
    const tx = new bitcoin.Transaction();
    tx.addInput(new Uint8Array(32).fill(n), 0);
    tx.addOutput(script, 10_000n);
    return tx;
  };
  const psbt = new bitcoin.Psbt();
  psbt.addInput({ hash: previous(1).getHash(), index: 0, nonWitnessUtxo: previous(2).toBuffer() });
  psbt.addOutput({ script, value: 9_000n });
  return psbt.toBase64();
}

let box: TestBox;
let ids: Record<string, string>;

async function raw(method: string, url: string, payload: string | Buffer | undefined, headers: Record<string, string>) {
  const res = await box.box.http.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${box.rootToken}`, ...headers }, ...(payload === undefined ? {} : { payload }) });
  return { status: res.statusCode, body: JSON.parse(res.body) as { code: string; field?: string; detail: string; status: number }, type: res.headers['content-type'] };
}

const concrete = (url: string) => url.replace(':id', 'k-secp256k1');

describe('bad input', () => {
  before(async () => {
    box = await startTestBox();
    ids = {};
    for (const type of ['secp256k1', 'p256', 'ed25519', 'aes256']) ids[type] = (await box.call('POST', '/v1/keys', { type, name: `k-${type}` })).body.id;
    assert.equal((await box.call('POST', '/v1/wallets', { name: 'w' })).status, 201);
    for (const type of ['secp256k1', 'p256', 'ed25519', 'aes256', 'hmac256', 'rsa2048']) ids[type] = (await box.call('POST', '/v1/keys', { type, name: `k-${type}` })).body.id;
    // A key with transaction rules: typed data it is asked to sign is read as a permit first.
    assert.equal((await box.call('POST', '/v1/keys', { type: 'secp256k1', name: 'k-ruled' })).status, 201);
    assert.equal((await box.call('PUT', '/v1/keys/k-ruled/transaction-rules', { version: 1, destinations: { deny: ['0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'] } })).status, 200);
  });
  after(() => box.cleanup());

  describe('generic cases for every route', () => {
    for (const route of routes) {
      const url = concrete(route.url);
      if (route.schema.body) {
        it(`${route.method} ${route.url}: invalid JSON → 400 INVALID_JSON`, async () => {
          const r = await raw(route.method, url, '{"type": ', { 'content-type': 'application/json' });
          assert.equal(r.status, 400);
          assert.equal(r.body.code, 'INVALID_JSON');
          assert.equal(r.type, 'application/problem+json; charset=utf-8');
        });
        it(`${route.method} ${route.url}: body over 1 MiB → 413 BODY_TOO_LARGE`, async () => {
          const r = await raw(route.method, url, JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }), { 'content-type': 'application/json' });
          assert.equal(r.status, 413);
          assert.equal(r.body.code, 'BODY_TOO_LARGE');
        });
        it(`${route.method} ${route.url}: text/plain body → 415 UNSUPPORTED_MEDIA_TYPE`, async () => {
          const r = await raw(route.method, url, 'hello', { 'content-type': 'text/plain' });
          assert.equal(r.status, 415);
          assert.equal(r.body.code, 'UNSUPPORTED_MEDIA_TYPE');
        });
        it(`${route.method} ${route.url}: unknown field → 400 UNKNOWN_FIELD naming it`, async () => {
          const r = await raw(route.method, url, JSON.stringify({ bogusField: 1 }), { 'content-type': 'application/json' });
          assert.equal(r.status, 400);
          // The JSON-RPC signer's body is a JSON-RPC envelope: its errors are JSON-RPC error objects.
          if (route.url === '/v1/ethereum/rpc') return assert.equal((r.body as unknown as { error: { code: number } }).error.code, -32600);
          assert.ok(['UNKNOWN_FIELD', 'INVALID_ARGUMENT'].includes(r.body.code), r.body.code);
          if (r.body.code === 'UNKNOWN_FIELD') assert.equal(r.body.field, 'bogusField');
          else assert.ok(r.body.field, 'a missing required field is named first');
        });
        it(`${route.method} ${route.url}: JSON array body → 400`, async () => {
          const r = await raw(route.method, url, '[]', { 'content-type': 'application/json' });
          assert.equal(r.status, 400);
        });
      }
      if (route.auth === 'token') {
        it(`${route.method} ${route.url}: no token → 401`, async () => {
          const res = await box.call(route.method, url, route.schema.body ? {} : undefined, null);
          assert.equal(res.status, 401);
          assert.equal(res.body.code, 'UNAUTHENTICATED');
        });
        it(`${route.method} ${route.url}: wrong token → 401`, async () => {
          const res = await box.call(route.method, url, route.schema.body ? {} : undefined, box.rootToken + 'x');
          assert.equal(res.status, 401);
        });
      }
    }
    it('unknown route → 404 ROUTE_NOT_FOUND as problem+json', async () => {
      const r = await raw('GET', '/v1/nope', undefined, {});
      assert.equal(r.status, 404);
      assert.equal(r.body.code, 'ROUTE_NOT_FOUND');
    });
  });

  type Case = [name: string, method: string, url: string, body: unknown, status: number, code: string, field?: string];
  const cases: Case[] = [
    ['init: shares 0', 'POST', '/v1/sys/init', { shares: 0, threshold: 1 }, 400, 'INVALID_ARGUMENT', 'shares'],
    ['init: shares 17', 'POST', '/v1/sys/init', { shares: 17, threshold: 1 }, 400, 'INVALID_ARGUMENT', 'shares'],
    ['init: shares as string', 'POST', '/v1/sys/init', { shares: '3', threshold: 2 }, 400, 'INVALID_ARGUMENT', 'shares'],
    ['init: threshold missing', 'POST', '/v1/sys/init', { shares: 3 }, 400, 'INVALID_ARGUMENT', 'threshold'],
    ['unseal: share not hex', 'POST', '/v1/sys/unseal', { share: 'zz' }, 400, 'INVALID_ARGUMENT', 'share'],
    ['generate-root cancel: no nonce and no share', 'DELETE', '/v1/sys/generate-root/attempt', {}, 400, 'INVALID_ARGUMENT', 'nonce'],
    ['generate-root cancel: share not hex', 'DELETE', '/v1/sys/generate-root/attempt', { share: 'zz' }, 400, 'INVALID_ARGUMENT', 'share'],
    ['rekey cancel: nonce as a number', 'DELETE', '/v1/sys/rekey/attempt', { nonce: 5 }, 400, 'INVALID_ARGUMENT', 'nonce'],
    ['rekey cancel: no body', 'DELETE', '/v1/sys/rekey/attempt', undefined, 400, 'INVALID_ARGUMENT', 'nonce'],
    ['ceremony cancel: nonce too long', 'DELETE', '/v1/sys/ceremony/attempt', { nonce: 'n'.repeat(65) }, 400, 'INVALID_ARGUMENT', 'nonce'],
    ['create: unknown type', 'POST', '/v1/keys', { type: 'rsa1024' }, 400, 'INVALID_ARGUMENT', 'type'],
    ['create: type missing', 'POST', '/v1/keys', { name: 'x' }, 400, 'INVALID_ARGUMENT', 'type'],
    ['create: name with a slash', 'POST', '/v1/keys', { type: 'p256', name: 'a/b' }, 400, 'INVALID_ARGUMENT', 'name'],
    ['create: name too long', 'POST', '/v1/keys', { type: 'p256', name: 'a'.repeat(129) }, 400, 'INVALID_ARGUMENT', 'name'],
    ['create: name shaped like an id', 'POST', '/v1/keys', { type: 'p256', name: '01234567-89ab-cdef-0123-456789abcdef' }, 400, 'INVALID_ARGUMENT', 'name'],
    ['import: no material', 'POST', '/v1/keys/import', { type: 'secp256k1' }, 400, 'INVALID_ARGUMENT', 'privateKey'],
    ['import: both materials', 'POST', '/v1/keys/import', { type: 'secp256k1', privateKey: d32, pem: 'x' }, 400, 'INVALID_ARGUMENT', 'pem'],
    ['import: short scalar', 'POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x01' }, 400, 'INVALID_ARGUMENT', 'privateKey'],
    ['import: secp256k1 scalar 0', 'POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + '00'.repeat(32) }, 400, 'INVALID_KEY_MATERIAL', 'privateKey'],
    ['import: secp256k1 scalar n', 'POST', '/v1/keys/import', { type: 'secp256k1', privateKey: '0x' + N }, 400, 'INVALID_KEY_MATERIAL', 'privateKey'],
    ['import: p256 scalar n', 'POST', '/v1/keys/import', { type: 'p256', privateKey: '0x' + P256_N }, 400, 'INVALID_KEY_MATERIAL', 'privateKey'],
    ['import: p256 scalar > n', 'POST', '/v1/keys/import', { type: 'p256', privateKey: '0x' + 'ff'.repeat(32) }, 400, 'INVALID_KEY_MATERIAL', 'privateKey'],
    ['import: aes256 wrong length', 'POST', '/v1/keys/import', { type: 'aes256', privateKey: '0x' + '00'.repeat(16) }, 400, 'INVALID_ARGUMENT', 'privateKey'],
    ['import: garbage pem', 'POST', '/v1/keys/import', { type: 'p256', pem: 'not a pem' }, 400, 'INVALID_KEY_MATERIAL', 'pem'],
    ['import: aes256 from pem', 'POST', '/v1/keys/import', { type: 'aes256', pem: '-----BEGIN X-----' }, 400, 'INVALID_ARGUMENT', 'pem'],
    ['list: limit 0', 'GET', '/v1/keys?limit=0', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['list: limit 5000', 'GET', '/v1/keys?limit=5000', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['list: limit abc', 'GET', '/v1/keys?limit=abc', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['list: bad cursor', 'GET', '/v1/keys?cursor=abc', undefined, 400, 'INVALID_ARGUMENT', 'cursor'],
    ['list: unknown query parameter', 'GET', '/v1/keys?colour=red', undefined, 400, 'UNKNOWN_FIELD', 'colour'],
    ['get: unknown key', 'GET', '/v1/keys/no-such-key', undefined, 404, 'KEY_NOT_FOUND'],
    ['get: unknown key id', 'GET', '/v1/keys/01234567-89ab-4def-8123-456789abcdef', undefined, 404, 'KEY_NOT_FOUND'],
    ['public-key: unknown format', 'GET', '/v1/keys/k-p256/public-key?format=xml', undefined, 400, 'INVALID_ARGUMENT', 'format'],
    ['sign: digest 31 bytes', 'POST', '/v1/keys/k-secp256k1/sign', { digest: '0x' + 'ab'.repeat(31) }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest 33 bytes', 'POST', '/v1/keys/k-secp256k1/sign', { digest: '0x' + 'ab'.repeat(33) }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest without 0x', 'POST', '/v1/keys/k-secp256k1/sign', { digest: 'ab'.repeat(32) }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest odd length', 'POST', '/v1/keys/k-secp256k1/sign', { digest: '0xabc' }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest not hex', 'POST', '/v1/keys/k-secp256k1/sign', { digest: '0x' + 'zz'.repeat(32) }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest as number', 'POST', '/v1/keys/k-secp256k1/sign', { digest: 12 }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: digest and message', 'POST', '/v1/keys/k-secp256k1/sign', { digest: d32, message: '0x01' }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign: neither digest nor message', 'POST', '/v1/keys/k-secp256k1/sign', {}, 400, 'INVALID_ARGUMENT', 'message'],
    ['sign: hash with a digest', 'POST', '/v1/keys/k-secp256k1/sign', { digest: d32, hash: 'sha256' }, 400, 'INVALID_ARGUMENT', 'hash'],
    ['sign: unknown hash', 'POST', '/v1/keys/k-secp256k1/sign', { message: '0x01', hash: 'md5' }, 400, 'INVALID_ARGUMENT', 'hash'],
    ['sign: keccak256 on p256', 'POST', '/v1/keys/k-p256/sign', { message: '0x01', hash: 'keccak256' }, 400, 'INVALID_ARGUMENT', 'hash'],
    ['sign: recoverable on p256', 'POST', '/v1/keys/k-p256/sign', { digest: d32, encoding: 'recoverable' }, 400, 'INVALID_ARGUMENT', 'encoding'],
    ['sign: unknown encoding', 'POST', '/v1/keys/k-secp256k1/sign', { digest: d32, encoding: 'base64' }, 400, 'INVALID_ARGUMENT', 'encoding'],
    ['sign: digest on ed25519', 'POST', '/v1/keys/k-ed25519/sign', { digest: d32 }, 400, 'UNSUPPORTED_OPERATION', 'digest'],
    ['sign: hash on ed25519', 'POST', '/v1/keys/k-ed25519/sign', { message: '0x01', hash: 'sha256' }, 400, 'INVALID_ARGUMENT', 'hash'],
    ['sign: der on ed25519', 'POST', '/v1/keys/k-ed25519/sign', { message: '0x01', encoding: 'der' }, 400, 'INVALID_ARGUMENT', 'encoding'],
    ['sign: with an aes256 key', 'POST', '/v1/keys/k-aes256/sign', { digest: d32 }, 400, 'UNSUPPORTED_OPERATION'],
    ['sign: unknown key', 'POST', '/v1/keys/ghost/sign', { digest: d32 }, 404, 'KEY_NOT_FOUND'],
    ['sign: message over 256 KiB', 'POST', '/v1/keys/k-secp256k1/sign', { message: '0x' + '00'.repeat(256 * 1024 + 1) }, 400, 'INVALID_ARGUMENT', 'message'],
    ['sign rsa: unknown padding', 'POST', '/v1/keys/k-rsa2048/sign', { message: '0x01', padding: 'oaep' }, 400, 'INVALID_ARGUMENT', 'padding'],
    ['sign rsa: padding on a secp256k1 key', 'POST', '/v1/keys/k-secp256k1/sign', { digest: d32, padding: 'pss' }, 400, 'INVALID_ARGUMENT', 'padding'],
    ['sign rsa: keccak256', 'POST', '/v1/keys/k-rsa2048/sign', { message: '0x01', hash: 'keccak256' }, 400, 'INVALID_ARGUMENT', 'hash'],
    ['sign rsa: a 32-byte digest named sha512', 'POST', '/v1/keys/k-rsa2048/sign', { digest: d32, hash: 'sha512' }, 400, 'INVALID_ARGUMENT', 'digest'],
    ['sign rsa: der encoding', 'POST', '/v1/keys/k-rsa2048/sign', { digest: d32, encoding: 'der' }, 400, 'INVALID_ARGUMENT', 'encoding'],
    ['verify rsa: signature too long', 'POST', '/v1/keys/k-rsa2048/verify', { digest: d32, signature: '0x' + '00'.repeat(2000) }, 400, 'INVALID_ARGUMENT', 'signature'],
    ['import rsa: malformed PEM', 'POST', '/v1/keys/import', { type: 'rsa2048', pem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }, 400, 'INVALID_KEY_MATERIAL', 'pem'],
    ['import rsa: an EC key as rsa2048', 'POST', '/v1/keys/import', { type: 'rsa2048', pem: EC_PEM }, 400, 'INVALID_KEY_MATERIAL', 'pem'],
    ['import rsa: a 1024-bit key', 'POST', '/v1/keys/import', { type: 'rsa2048', pem: RSA_1024_PEM }, 400, 'INVALID_KEY_MATERIAL', 'pem'],
    ['import rsa: privateKey not PKCS#8', 'POST', '/v1/keys/import', { type: 'rsa2048', privateKey: '0x' + '01'.repeat(100) }, 400, 'INVALID_KEY_MATERIAL', 'privateKey'],
    ['decrypt rsa: unknown algorithm', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '00'.repeat(256), algorithm: 'RSAES_PKCS1_V1_5' }, 400, 'INVALID_ARGUMENT', 'algorithm'],
    ['decrypt rsa: label not hex', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '00'.repeat(256), label: 'ctx' }, 400, 'INVALID_ARGUMENT', 'label'],
    ['decrypt rsa: label too long', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '00'.repeat(256), label: '0x' + '00'.repeat(8193) }, 400, 'INVALID_ARGUMENT', 'label'],
    ['decrypt rsa: aad on an RSA key', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '00'.repeat(256), aad: '0x01' }, 400, 'INVALID_ARGUMENT', 'aad'],
    ['decrypt rsa: ciphertext of the wrong length', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '00'.repeat(255) }, 400, 'DECRYPTION_FAILED', 'ciphertext'],
    ['decrypt rsa: garbage ciphertext', 'POST', '/v1/keys/k-rsa2048/decrypt', { ciphertext: '0x' + '01'.repeat(256) }, 400, 'DECRYPTION_FAILED', 'ciphertext'],
    ['decrypt: OAEP label on an aes256 key', 'POST', '/v1/keys/k-aes256/decrypt', { ciphertext: '0x01' + '00'.repeat(40), label: '0x01' }, 400, 'INVALID_ARGUMENT', 'label'],
    ['encrypt rsa: plaintext over the OAEP bound', 'POST', '/v1/keys/k-rsa2048/encrypt', { plaintext: '0x' + '00'.repeat(191) }, 400, 'INVALID_ARGUMENT', 'plaintext'],
    ['encrypt: algorithm on an aes256 key', 'POST', '/v1/keys/k-aes256/encrypt', { plaintext: '0x00', algorithm: 'RSAES_OAEP_SHA_256' }, 400, 'INVALID_ARGUMENT', 'algorithm'],
    ['verify: signature missing', 'POST', '/v1/keys/k-secp256k1/verify', { digest: d32 }, 400, 'INVALID_ARGUMENT', 'signature'],
    ['verify: signature not hex', 'POST', '/v1/keys/k-secp256k1/verify', { digest: d32, signature: 'xyz' }, 400, 'INVALID_ARGUMENT', 'signature'],
    ['encrypt: with a secp256k1 key', 'POST', '/v1/keys/k-secp256k1/encrypt', { plaintext: '0x00' }, 400, 'UNSUPPORTED_OPERATION'],
    ['encrypt: plaintext missing', 'POST', '/v1/keys/k-aes256/encrypt', {}, 400, 'INVALID_ARGUMENT', 'plaintext'],
    ['encrypt: aad not hex', 'POST', '/v1/keys/k-aes256/encrypt', { plaintext: '0x00', aad: 'hello' }, 400, 'INVALID_ARGUMENT', 'aad'],
    ['decrypt: ciphertext too short', 'POST', '/v1/keys/k-aes256/decrypt', { ciphertext: '0x0102' }, 400, 'INVALID_ARGUMENT', 'ciphertext'],
    ['decrypt: not a Strongbox ciphertext', 'POST', '/v1/keys/k-aes256/decrypt', { ciphertext: '0x09' + '00'.repeat(40) }, 400, 'INVALID_ARGUMENT', 'ciphertext'],
    ['decrypt: names a key version that does not exist', 'POST', '/v1/keys/k-aes256/decrypt', { ciphertext: '0x0100000009' + '00'.repeat(40) }, 404, 'KEY_VERSION_NOT_FOUND', 'ciphertext'],
    ['transaction-rules: version missing', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', {}, 400, 'INVALID_ARGUMENT', 'version'],
    ['transaction-rules: version as string', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: '1' }, 400, 'INVALID_ARGUMENT', 'version'],
    ['transaction-rules: dailyLimit not a number', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, dailyLimit: 'abc' }, 400, 'INVALID_ARGUMENT', 'dailyLimit'],
    ['transaction-rules: amount as float', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, maxValuePerTransaction: 1.5 }, 400, 'INVALID_ARGUMENT', 'maxValuePerTransaction'],
    ['transaction-rules: maxFeePerTransaction in hex', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, maxFeePerTransaction: '0x10' }, 400, 'INVALID_ARGUMENT', 'maxFeePerTransaction'],
    ['transaction-rules: destinations not an object', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, destinations: [] }, 400, 'INVALID_ARGUMENT', 'destinations'],
    ['transaction-rules: approval subjects not an array', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, approval: { required: 1, approvers: { subjects: 'alice' } } }, 400, 'INVALID_ARGUMENT', 'approval.approvers.subjects'],
    ['transaction-rules: tokenLimits not an array', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: { chain: 'ethereum' } }, 400, 'INVALID_ARGUMENT', 'tokenLimits'],
    ['transaction-rules: tokenLimits chain bitcoin', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'bitcoin', token: 'x', dailyLimit: '1' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.chain'],
    ['transaction-rules: tokenLimits ethereum without chainId', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', dailyLimit: '1' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.chainId'],
    ['transaction-rules: tokenLimits token not an address', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: 'USDC', dailyLimit: '1' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.token'],
    ['transaction-rules: tokenLimits mint not base58', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'solana', token: '0x00', dailyLimit: '1' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.token'],
    ['transaction-rules: tokenLimits dailyLimit in hex', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', dailyLimit: '0x10' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.dailyLimit'],
    ['transaction-rules: tokenLimits maxPerTransaction negative', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', maxPerTransaction: -1 }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0.maxPerTransaction'],
    ['transaction-rules: tokenLimits entry without a limit', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' }] }, 400, 'INVALID_ARGUMENT', 'tokenLimits.0'],
    ['transaction-rules: tokenLimits unknown member', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, tokenLimits: [{ chain: 'ethereum', chainId: 1, token: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', dailyLimit: '1', __proto__x: 1 }] }, 400, 'UNKNOWN_FIELD', 'tokenLimits.0.__proto__x'],
    ['transaction-rules: maxTransactions not an object', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, maxTransactions: 100 }, 400, 'INVALID_ARGUMENT', 'maxTransactions'],
    ['transaction-rules: maxTransactions count 0', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, maxTransactions: { count: 0, windowSeconds: 60 } }, 400, 'INVALID_ARGUMENT', 'maxTransactions.count'],
    ['transaction-rules: maxTransactions window too long', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, maxTransactions: { count: 1, windowSeconds: 2592001 } }, 400, 'INVALID_ARGUMENT', 'maxTransactions.windowSeconds'],
    ['transaction-rules: unknown key', 'PUT', '/v1/keys/ghost/transaction-rules', { version: 1 }, 404, 'KEY_NOT_FOUND'],
    ['transaction-rules: none set', 'GET', '/v1/keys/k-p256/transaction-rules', undefined, 404, 'TRANSACTION_RULES_NOT_FOUND'],
    ['approvals: unknown id', 'GET', '/v1/approvals/nope', undefined, 404, 'APPROVAL_NOT_FOUND'],
    ['approvals: approve unknown id', 'POST', '/v1/approvals/nope/approve', undefined, 404, 'APPROVAL_NOT_FOUND'],
    ['approvals: unknown status filter', 'GET', '/v1/approvals?status=done', undefined, 400, 'INVALID_ARGUMENT', 'status'],
    ['approvals: limit abc', 'GET', '/v1/approvals?limit=abc', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['approvals: reject reason too long', 'POST', '/v1/approvals/nope/reject', { reason: 'x'.repeat(300) }, 400, 'INVALID_ARGUMENT', 'reason'],
    ['data-key: 8 bytes', 'POST', '/v1/keys/k-aes256/data-key', { bytes: 8 }, 400, 'INVALID_ARGUMENT', 'bytes'],
    ['data-key: 100 bytes', 'POST', '/v1/keys/k-aes256/data-key', { bytes: 100 }, 400, 'INVALID_ARGUMENT', 'bytes'],
    ['data-key: with a p256 key', 'POST', '/v1/keys/k-p256/data-key', {}, 400, 'UNSUPPORTED_OPERATION'],
    ['wallet: mnemonic with a bad checksum', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(12).trim() }, 400, 'INVALID_MNEMONIC', 'mnemonic'],
    ['wallet: mnemonic with an unknown word', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(11) + 'strongbox' }, 400, 'INVALID_MNEMONIC', 'mnemonic'],
    ['wallet: mnemonic of 11 words', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(10) + 'about' }, 400, 'INVALID_MNEMONIC', 'mnemonic'],
    ['wallet: mnemonic as a number', 'POST', '/v1/wallets', { mnemonic: 12 }, 400, 'INVALID_ARGUMENT', 'mnemonic'],
    ['wallet: strength 100', 'POST', '/v1/wallets', { strength: 100 }, 400, 'INVALID_ARGUMENT', 'strength'],
    ['wallet: strength with an imported mnemonic', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(11) + 'about', strength: 128 }, 400, 'INVALID_ARGUMENT', 'strength'],
    ['wallet: revealMnemonic with an imported mnemonic', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(11) + 'about', revealMnemonic: true }, 400, 'INVALID_ARGUMENT', 'revealMnemonic'],
    ['wallet: passphrase too long', 'POST', '/v1/wallets', { passphrase: 'x'.repeat(1025) }, 400, 'INVALID_ARGUMENT', 'passphrase'],
    ['wallet: name with a slash', 'POST', '/v1/wallets', { name: 'a/b' }, 400, 'INVALID_ARGUMENT', 'name'],
    ['wallet: name taken', 'POST', '/v1/wallets', { name: 'w' }, 409, 'WALLET_NAME_TAKEN', 'name'],
    ['wallet: unknown wallet', 'GET', '/v1/wallets/ghost', undefined, 404, 'WALLET_NOT_FOUND'],
    ['wallets list: limit 0', 'GET', '/v1/wallets?limit=0', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['wallets list: bad cursor', 'GET', '/v1/wallets?cursor=abc', undefined, 400, 'INVALID_ARGUMENT', 'cursor'],
    ['derive: path missing', 'POST', '/v1/wallets/w/derive', {}, 400, 'INVALID_ARGUMENT', 'path'],
    ['derive: path without m', 'POST', '/v1/wallets/w/derive', { path: "44'/60'/0'/0/0" }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: path with an empty segment', 'POST', '/v1/wallets/w/derive', { path: "m/44'//0" }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: index 2^31', 'POST', '/v1/wallets/w/derive', { path: 'm/2147483648' }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: index with a leading zero', 'POST', '/v1/wallets/w/derive', { path: 'm/01' }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: negative index', 'POST', '/v1/wallets/w/derive', { path: 'm/-1' }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: 256 levels', 'POST', '/v1/wallets/w/derive', { path: 'm' + '/0'.repeat(256) }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: ed25519 non-hardened', 'POST', '/v1/wallets/w/derive', { path: "m/44'/501'/0'/0" }, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['derive: p256', 'POST', '/v1/wallets/w/derive', { path: 'm/0', type: 'p256' }, 400, 'INVALID_ARGUMENT', 'type'],
    ['derive: unknown wallet', 'POST', '/v1/wallets/ghost/derive', { path: 'm/0' }, 404, 'WALLET_NOT_FOUND'],
    ['xpub: bad path', 'GET', '/v1/wallets/w/xpub?path=x', undefined, 400, 'INVALID_DERIVATION_PATH', 'path'],
    ['xpub: unknown query parameter', 'GET', '/v1/wallets/w/xpub?depth=2', undefined, 400, 'UNKNOWN_FIELD', 'depth'],
    ['sign-user-operation: userOperation missing', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', { entryPoint: userOpBody().entryPoint, entryPointVersion: '0.7', chainId: 1 }, 400, 'INVALID_ARGUMENT', 'userOperation'],
    ['sign-user-operation: entryPointVersion 0.6', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({}, { entryPointVersion: '0.6' }), 400, 'INVALID_ARGUMENT', 'entryPointVersion'],
    ['sign-user-operation: entryPoint not an address', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({}, { entryPoint: '0x1234' }), 400, 'INVALID_ARGUMENT', 'entryPoint'],
    ['sign-user-operation: chainId 0', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({}, { chainId: 0 }), 400, 'INVALID_ARGUMENT', 'chainId'],
    ['sign-user-operation: signatureFormat unknown', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({}, { signatureFormat: 'eth_sign' }), 400, 'INVALID_ARGUMENT', 'signatureFormat'],
    ['sign-user-operation: sender not an address', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ sender: '0x12' }), 400, 'INVALID_ARGUMENT', 'userOperation.sender'],
    ['sign-user-operation: callData missing', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ callData: undefined }), 400, 'INVALID_ARGUMENT', 'userOperation.callData'],
    ['sign-user-operation: callData odd hex', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ callData: '0xabc' }), 400, 'INVALID_ARGUMENT', 'userOperation.callData'],
    ['sign-user-operation: callGasLimit above uint128', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ callGasLimit: (2n ** 128n).toString() }), 400, 'INVALID_ARGUMENT', 'userOperation.callGasLimit'],
    ['sign-user-operation: maxFeePerGas negative', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ maxFeePerGas: '-1' }), 400, 'INVALID_ARGUMENT', 'userOperation.maxFeePerGas'],
    ['sign-user-operation: maxPriorityFeePerGas above maxFeePerGas', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ maxPriorityFeePerGas: 3 }), 400, 'INVALID_ARGUMENT', 'userOperation.maxPriorityFeePerGas'],
    ['sign-user-operation: v0.6 initCode field', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ initCode: '0x' }), 400, 'UNKNOWN_FIELD', 'userOperation.initCode'],
    ['sign-user-operation: paymasterData without paymaster', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ paymasterData: '0x01' }), 400, 'INVALID_ARGUMENT', 'userOperation.paymaster'],
    ['sign-user-operation: factoryData without factory', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ factoryData: '0x01' }), 400, 'INVALID_ARGUMENT', 'userOperation.factoryData'],
    ['sign-user-operation: the EIP-7702 factory marker', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-user-operation', userOpBody({ factory: '0x7702000000000000000000000000000000000000' }, { entryPointVersion: '0.8' }), 400, 'UNSUPPORTED_OPERATION', 'userOperation.factory'],
    ['sign-user-operation: with an ed25519 key', 'POST', '/v1/keys/k-ed25519/ethereum/sign-user-operation', userOpBody(), 400, 'UNSUPPORTED_OPERATION'],
    ['sign-typed-data: a PackedUserOperation whose initCode is shorter than an address, key with rules', 'POST', '/v1/keys/k-ruled/ethereum/sign-typed-data', { typedData: packedUserOperationTypedData() }, 400, 'INVALID_ARGUMENT', 'typedData.message.initCode'],
    ['sign-typed-data: a permit without verifyingContract, key with rules', 'POST', '/v1/keys/k-ruled/ethereum/sign-typed-data', { typedData: permitWithout('verifyingContract') }, 400, 'INVALID_ARGUMENT', 'typedData.domain.verifyingContract'],
    ['sign-typed-data: a permit whose verifyingContract is typed as a string, key with rules', 'POST', '/v1/keys/k-ruled/ethereum/sign-typed-data', { typedData: { ...permitWithout(), types: { ...permitWithout().types, EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'string' }] } } }, 400, 'INVALID_ARGUMENT', 'typedData.domain.verifyingContract'],
    ['sign-typed-data: a permit whose spender is not an address, key with rules', 'POST', '/v1/keys/k-ruled/ethereum/sign-typed-data', { typedData: { ...permitWithout(), message: { ...permitWithout().message, spender: '0x1234' } } }, 400, 'INVALID_ARGUMENT', 'typedData.message.spender'],
    ...((): Case[] => {
      const to = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
      const base = { chainId: 1, nonce: 0, to, gas: 21000, maxFeePerGas: 2, maxPriorityFeePerGas: 1 };
      const auth = { chainId: 1, address: to, nonce: 0, yParity: 0, r: d32, s: d32 };
      const vh = '0x01' + 'ab'.repeat(31);
      const sa = '/v1/keys/k-secp256k1/ethereum/sign-authorization';
      const st = '/v1/keys/k-secp256k1/ethereum/sign-transaction';
      return [
        ['sign-authorization: no authorization', 'POST', sa, {}, 400, 'INVALID_ARGUMENT', 'authorization'],
        ['sign-authorization: address not an address', 'POST', sa, { authorization: { chainId: 1, address: '0x1234', nonce: 0 } }, 400, 'INVALID_ARGUMENT', 'authorization.address'],
        ['sign-authorization: bad EIP-55 checksum', 'POST', sa, { authorization: { chainId: 1, address: to.replace('C44', 'c44'), nonce: 0 } }, 400, 'INVALID_ARGUMENT', 'authorization.address'],
        ['sign-authorization: negative nonce', 'POST', sa, { authorization: { chainId: 1, address: to, nonce: -1 } }, 400, 'INVALID_ARGUMENT', 'authorization.nonce'],
        ['sign-authorization: chainId not an integer', 'POST', sa, { authorization: { chainId: 'mainnet', address: to, nonce: 0 } }, 400, 'INVALID_ARGUMENT', 'authorization.chainId'],
        ['sign-authorization: unknown member', 'POST', sa, { authorization: { chainId: 1, address: to, nonce: 0, v: 27 } }, 400, 'UNKNOWN_FIELD', 'authorization.v'],
        ['sign-authorization: with a p256 key', 'POST', '/v1/keys/k-p256/ethereum/sign-authorization', { authorization: { chainId: 1, address: to, nonce: 0 } }, 400, 'UNSUPPORTED_OPERATION'],
        ['sign-transaction: eip7702 with an empty authorizationList', 'POST', st, { transaction: { ...base, type: 'eip7702', authorizationList: [] } }, 400, 'INVALID_ARGUMENT', 'transaction.authorizationList'],
        ['sign-transaction: eip7702 authorization yParity 2', 'POST', st, { transaction: { ...base, type: 'eip7702', authorizationList: [{ ...auth, yParity: 2 }] } }, 400, 'INVALID_ARGUMENT', 'transaction.authorizationList[0].yParity'],
        ['sign-transaction: eip7702 authorization high s', 'POST', st, { transaction: { ...base, type: 'eip7702', authorizationList: [{ ...auth, s: '0x' + N }] } }, 400, 'INVALID_ARGUMENT', 'transaction.authorizationList[0].s'],
        ['sign-transaction: eip7702 without to', 'POST', st, { transaction: { ...base, to: undefined, data: '0x00', type: 'eip7702', authorizationList: [auth] } }, 400, 'INVALID_ARGUMENT', 'transaction.to'],
        ['sign-transaction: eip4844 versioned hash of version 0', 'POST', st, { transaction: { ...base, type: 'eip4844', maxFeePerBlobGas: 1, blobVersionedHashes: [d32] } }, 400, 'INVALID_ARGUMENT', 'transaction.blobVersionedHashes[0]'],
        ['sign-transaction: eip4844 without versioned hashes', 'POST', st, { transaction: { ...base, type: 'eip4844', maxFeePerBlobGas: 1, blobVersionedHashes: [] } }, 400, 'INVALID_ARGUMENT', 'transaction.blobVersionedHashes'],
        ['sign-transaction: eip4844 maxFeePerBlobGas negative', 'POST', st, { transaction: { ...base, type: 'eip4844', maxFeePerBlobGas: -1, blobVersionedHashes: [vh] } }, 400, 'INVALID_ARGUMENT', 'transaction.maxFeePerBlobGas'],
        ['sign-transaction: eip4844 sidecar with no blobs', 'POST', st, { transaction: { ...base, type: 'eip4844', maxFeePerBlobGas: 1, blobVersionedHashes: [vh], sidecar: { blobs: [], commitments: [], proofs: [] } } }, 400, 'INVALID_ARGUMENT', 'transaction.sidecar.blobs'],
        ['sign-transaction: eip4844 sidecar blob too short', 'POST', st, { transaction: { ...base, type: 'eip4844', maxFeePerBlobGas: 1, blobVersionedHashes: [vh], sidecar: { blobs: ['0x00'], commitments: ['0x' + 'c0'.repeat(48)], proofs: ['0x' + 'c0'.repeat(48)] } } }, 400, 'INVALID_ARGUMENT', 'transaction.sidecar.blobs[0]'],
        ['sign-transaction: eip4844 without to', 'POST', st, { transaction: { ...base, to: undefined, data: '0x00', type: 'eip4844', maxFeePerBlobGas: 1, blobVersionedHashes: [vh] } }, 400, 'INVALID_ARGUMENT', 'transaction.to'],
        ['sign-transaction: gas above the EIP-7825 cap on mainnet', 'POST', st, { transaction: { ...base, gas: 16_777_217 } }, 400, 'INVALID_ARGUMENT', 'transaction.gas'],
        ['sign-transaction: validator request of the wrong length, key with rules', 'POST', '/v1/keys/k-ruled/ethereum/sign-transaction', { transaction: { ...base, to: '0x00000961Ef480Eb55e80D19ad83579A64c007002', value: 1, gas: 200000, data: '0x' + 'ab'.repeat(55) } }, 400, 'INVALID_ARGUMENT', 'transaction.data'],
        ['transaction-rules: allowedDelegates not addresses', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, allowedDelegates: ['0x1234'] }, 400, 'INVALID_ARGUMENT', 'allowedDelegates.0'],
        ['transaction-rules: allowChainIdZeroAuthorizations not a boolean', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, allowChainIdZeroAuthorizations: 'yes' }, 400, 'INVALID_ARGUMENT', 'allowChainIdZeroAuthorizations'],
        ['transaction-rules: allowedValidatorRequests unknown kind', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, allowedValidatorRequests: ['deposit'] }, 400, 'INVALID_ARGUMENT', 'allowedValidatorRequests.0'],
        ['transaction-rules: approval.delegations not a boolean', 'PUT', '/v1/keys/k-secp256k1/transaction-rules', { version: 1, approval: { required: 1, approvers: { subjects: ['a'] }, delegations: 1 } }, 400, 'INVALID_ARGUMENT', 'approval.delegations'],
      ];
    })(),
    ['threshold peers: self not among the peers', 'PUT', '/v1/sys/threshold/peers', { self: 'z', peers: [{ id: 'a', url: 'https://127.0.0.1:1', principal: 'a' }] }, 400, 'INVALID_ARGUMENT', 'self'],
    ['threshold peers: plain-HTTP peer url', 'PUT', '/v1/sys/threshold/peers', { self: 'a', peers: [{ id: 'a', url: 'http://127.0.0.1:1', principal: 'a' }] }, 400, 'INVALID_ARGUMENT', 'peers[0].url'],
    ['threshold peers: peer id "__proto__"', 'PUT', '/v1/sys/threshold/peers', { self: 'a', peers: [{ id: '__proto__', url: 'https://127.0.0.1:1', principal: 'a' }] }, 400, 'INVALID_ARGUMENT', 'peers[0].id'],
    ['threshold peers: repeated id', 'PUT', '/v1/sys/threshold/peers', { self: 'a', peers: [{ id: 'a', url: 'https://127.0.0.1:1', principal: 'a' }, { id: 'a', url: 'https://127.0.0.1:2', principal: 'b' }] }, 400, 'INVALID_ARGUMENT', 'peers[1].id'],
    ['threshold peers: ca not PEM', 'PUT', '/v1/sys/threshold/peers', { self: 'a', peers: [{ id: 'a', url: 'https://127.0.0.1:1', principal: 'a', ca: 'not a certificate' }] }, 400, 'INVALID_ARGUMENT', 'peers[0].ca'],
    ['threshold key: threshold above the participants', 'POST', '/v1/threshold/keys', { type: 'frost-ed25519', threshold: 4, participants: ['a', 'b', 'c'] }, 400, 'INVALID_ARGUMENT', 'threshold'],
    ['threshold key: repeated participant', 'POST', '/v1/threshold/keys', { type: 'frost-ed25519', threshold: 2, participants: ['a', 'a'] }, 400, 'INVALID_ARGUMENT', 'participants'],
    ['threshold key: ordinary key type', 'POST', '/v1/threshold/keys', { type: 'ed25519', threshold: 2, participants: ['a', 'b'] }, 400, 'INVALID_ARGUMENT', 'type'],
    ['threshold key: no peers configured', 'POST', '/v1/threshold/keys', { type: 'frost-ed25519', threshold: 2, participants: ['a', 'b'] }, 409, 'THRESHOLD_NOT_CONFIGURED'],
    ['threshold round: not a peer (no peers configured)', 'POST', '/v1/threshold/sign/round2', { sessionId: '00000000-0000-4000-8000-000000000000', commitments: [] }, 409, 'THRESHOLD_NOT_CONFIGURED'],
    ['create key: a threshold type through POST /v1/keys', 'POST', '/v1/keys', { type: 'frost-ed25519' }, 400, 'INVALID_ARGUMENT', 'type'],
    ['solana: with a secp256k1 key', 'POST', '/v1/keys/k-secp256k1/solana/sign-transaction', { message: 'AAAA' }, 400, 'UNSUPPORTED_OPERATION'],
    ['solana: neither transaction nor message', 'POST', '/v1/keys/k-ed25519/solana/sign-transaction', {}, 400, 'INVALID_ARGUMENT', 'message'],
    ['solana: transaction not base64', 'POST', '/v1/keys/k-ed25519/solana/sign-transaction', { transaction: '0x1234' }, 400, 'INVALID_ARGUMENT', 'transaction'],
    ['solana: transaction as a number', 'POST', '/v1/keys/k-ed25519/solana/sign-transaction', { transaction: 5 }, 400, 'INVALID_ARGUMENT', 'transaction'],
    ['solana: truncated message', 'POST', '/v1/keys/k-ed25519/solana/sign-transaction', { message: 'AQAB' }, 400, 'INVALID_TRANSACTION', 'message'],
    ['solana: transaction over 1232 bytes', 'POST', '/v1/keys/k-ed25519/solana/sign-transaction', { transaction: 'A'.repeat(1648) }, 400, 'INVALID_ARGUMENT', 'transaction'],
    ['bitcoin address: unknown network', 'GET', '/v1/keys/k-secp256k1/bitcoin/address?network=litecoin', undefined, 400, 'INVALID_ARGUMENT', 'network'],
    ['bitcoin address: unknown type', 'GET', '/v1/keys/k-secp256k1/bitcoin/address?type=p2pkh', undefined, 400, 'INVALID_ARGUMENT', 'type'],
    ['bitcoin address: unknown query parameter', 'GET', '/v1/keys/k-secp256k1/bitcoin/address?format=hex', undefined, 400, 'UNKNOWN_FIELD', 'format'],
    ['bitcoin address: with a p256 key', 'GET', '/v1/keys/k-p256/bitcoin/address', undefined, 400, 'UNSUPPORTED_OPERATION'],
    ['bitcoin address: with an ed25519 key', 'GET', '/v1/keys/k-ed25519/bitcoin/address', undefined, 400, 'UNSUPPORTED_OPERATION'],
    ['bitcoin address: unknown key', 'GET', '/v1/keys/ghost/bitcoin/address', undefined, 404, 'KEY_NOT_FOUND'],
    ['sign-psbt: psbt missing', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', {}, 400, 'INVALID_ARGUMENT', 'psbt'],
    ['sign-psbt: psbt as number', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: 12 }, 400, 'INVALID_ARGUMENT', 'psbt'],
    ['sign-psbt: psbt empty', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: '' }, 400, 'INVALID_ARGUMENT', 'psbt'],
    ['sign-psbt: psbt not base64', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: 'cHNidP8*' }, 400, 'INVALID_PSBT', 'psbt'],
    ['sign-psbt: psbt as hex', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: '0x70736274ff' }, 400, 'INVALID_PSBT', 'psbt'],
    ['sign-psbt: only the magic bytes', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: 'cHNidP8=' }, 400, 'INVALID_PSBT', 'psbt'],
    ['sign-psbt: not a PSBT', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: Buffer.from('hello world').toString('base64') }, 400, 'INVALID_PSBT', 'psbt'],
    ["sign-psbt: nonWitnessUtxo not the outpoint's transaction", 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: wrongPreviousTxPsbt() }, 400, 'INVALID_PSBT', 'psbt'],
    ['sign-psbt: no input of the key', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: foreignPsbt() }, 400, 'PSBT_NO_KEY_INPUTS', 'psbt'],
    ['sign-psbt: unknown network', 'POST', '/v1/keys/k-secp256k1/bitcoin/sign-psbt', { psbt: foreignPsbt(), network: 'signet' }, 400, 'INVALID_ARGUMENT', 'network'],
    ['sign-psbt: with a p256 key', 'POST', '/v1/keys/k-p256/bitcoin/sign-psbt', { psbt: foreignPsbt() }, 400, 'UNSUPPORTED_OPERATION'],
    ['sign-psbt: with an aes256 key', 'POST', '/v1/keys/k-aes256/bitcoin/sign-psbt', { psbt: foreignPsbt() }, 400, 'UNSUPPORTED_OPERATION'],
    ['sign-psbt: unknown key', 'POST', '/v1/keys/ghost/bitcoin/sign-psbt', { psbt: foreignPsbt() }, 404, 'KEY_NOT_FOUND'],
    ['import: hmac256 key of 31 bytes', 'POST', '/v1/keys/import', { type: 'hmac256', privateKey: '0x' + '01'.repeat(31) }, 400, 'INVALID_ARGUMENT', 'privateKey'],
    ['import: hmac256 key of 65 bytes', 'POST', '/v1/keys/import', { type: 'hmac256', privateKey: '0x' + '01'.repeat(65) }, 400, 'INVALID_ARGUMENT', 'privateKey'],
    ['import: hmac256 from pem', 'POST', '/v1/keys/import', { type: 'hmac256', pem: '-----BEGIN X-----' }, 400, 'INVALID_ARGUMENT', 'pem'],
    ['create: hmac256 with a rotation period', 'POST', '/v1/keys', { type: 'hmac256', rotationPeriodDays: 30 }, 400, 'UNSUPPORTED_OPERATION', 'rotationPeriodDays'],
    ['mac: message missing', 'POST', '/v1/keys/k-hmac256/mac', {}, 400, 'INVALID_ARGUMENT', 'message'],
    ['mac: message not hex', 'POST', '/v1/keys/k-hmac256/mac', { message: 'hello' }, 400, 'INVALID_ARGUMENT', 'message'],
    ['mac: message odd length', 'POST', '/v1/keys/k-hmac256/mac', { message: '0xabc' }, 400, 'INVALID_ARGUMENT', 'message'],
    ['mac: message over 256 KiB', 'POST', '/v1/keys/k-hmac256/mac', { message: '0x' + '00'.repeat(256 * 1024 + 1) }, 400, 'INVALID_ARGUMENT', 'message'],
    ['mac: with an aes256 key', 'POST', '/v1/keys/k-aes256/mac', { message: '0x00' }, 400, 'UNSUPPORTED_OPERATION'],
    ['mac: with a secp256k1 key', 'POST', '/v1/keys/k-secp256k1/mac', { message: '0x00' }, 400, 'UNSUPPORTED_OPERATION'],
    ['mac: unknown key', 'POST', '/v1/keys/ghost/mac', { message: '0x00' }, 404, 'KEY_NOT_FOUND'],
    ['verify-mac: mac missing', 'POST', '/v1/keys/k-hmac256/verify-mac', { message: '0x00' }, 400, 'INVALID_ARGUMENT', 'mac'],
    ['verify-mac: mac 31 bytes', 'POST', '/v1/keys/k-hmac256/verify-mac', { message: '0x00', mac: '0x' + 'ab'.repeat(31) }, 400, 'INVALID_ARGUMENT', 'mac'],
    ['verify-mac: mac 33 bytes', 'POST', '/v1/keys/k-hmac256/verify-mac', { message: '0x00', mac: '0x' + 'ab'.repeat(33) }, 400, 'INVALID_ARGUMENT', 'mac'],
    ['verify-mac: mac not hex', 'POST', '/v1/keys/k-hmac256/verify-mac', { message: '0x00', mac: 'zz' }, 400, 'INVALID_ARGUMENT', 'mac'],
    ['verify-mac: with an ed25519 key', 'POST', '/v1/keys/k-ed25519/verify-mac', { message: '0x00', mac: d32 }, 400, 'UNSUPPORTED_OPERATION'],
    ['sign: with an hmac256 key', 'POST', '/v1/keys/k-hmac256/sign', { digest: d32 }, 400, 'UNSUPPORTED_OPERATION'],
    ['encrypt: with an hmac256 key', 'POST', '/v1/keys/k-hmac256/encrypt', { plaintext: '0x00' }, 400, 'UNSUPPORTED_OPERATION'],
    ['rotate: an hmac256 key', 'POST', '/v1/keys/k-hmac256/rotate', undefined, 400, 'UNSUPPORTED_OPERATION'],
    ['aws-credentials: ttl 0', 'POST', '/v1/aws-credentials', { ttl: 0 }, 400, 'INVALID_ARGUMENT', 'ttl'],
    ['aws-credentials: ttl not a duration', 'POST', '/v1/aws-credentials', { ttl: 'sixty' }, 400, 'INVALID_ARGUMENT', 'ttl'],
    ['aws-credentials: ttl over a year', 'POST', '/v1/aws-credentials', { ttl: 366 * 86_400 }, 400, 'INVALID_ARGUMENT', 'ttl'],
    ['aws-credentials list: limit 0', 'GET', '/v1/aws-credentials?limit=0', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['aws-credentials list: limit 5000', 'GET', '/v1/aws-credentials?limit=5000', undefined, 400, 'INVALID_ARGUMENT', 'limit'],
    ['aws-credentials list: unknown query parameter', 'GET', '/v1/aws-credentials?colour=red', undefined, 400, 'UNKNOWN_FIELD', 'colour'],
    ['aws-credentials revoke: unknown id', 'DELETE', '/v1/aws-credentials/SBXAAAAAAAAAAAAAAAAA', undefined, 404, 'AWS_CREDENTIAL_NOT_FOUND', 'accessKeyId'],
    ['policy: unknown action', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:steal'], resources: ['key:*'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.actions.0'],
    ['policy: derived-key resource without a path', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/name/hot'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.0'],
    ['policy: derived-key path not starting with m', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:*', "key:wallet/name/hot/44'/*"] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.1'],
    ['policy: derived-key path level not an index', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/name/hot/m/x/*'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.0'],
    ['policy: derived-key index 2^31', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/name/hot/m/2147483648'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.0'],
    ['policy: derived-key wallet name with a space', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/name/a b/m/0'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.0'],
    ['policy: derived-key wallet id not an id', 'PUT', '/v1/policies/p', { statements: [{ effect: 'allow', actions: ['keys:sign'], resources: ['key:wallet/hot/m/0'] }] }, 400, 'INVALID_ARGUMENT', 'statements.0.resources.0'],
    ['aws-credentials revoke: not an access key id', 'DELETE', '/v1/aws-credentials/not-a-key', undefined, 404, 'AWS_CREDENTIAL_NOT_FOUND', 'accessKeyId'],
    // Integers that reach storage are bounded in their schemas (SQLite STRICT tables refused 1e308 and 2^64 as REAL: 500).
    ['tokens: numUses 1e308', 'POST', '/v1/tokens', { policies: ['signer'], numUses: 1e308 }, 400, 'INVALID_ARGUMENT', 'numUses'],
    ['tokens: numUses 2^64', 'POST', '/v1/tokens', { policies: ['signer'], numUses: 2 ** 64 }, 400, 'INVALID_ARGUMENT', 'numUses'],
    ['tokens: numUses 2^256', 'POST', '/v1/tokens', { policies: ['signer'], numUses: 2 ** 256 }, 400, 'INVALID_ARGUMENT', 'numUses'],
    ['tokens: rateLimit.burst 2^64', 'POST', '/v1/tokens', { policies: ['signer'], rateLimit: { perSecond: 1, burst: 2 ** 64 } }, 400, 'INVALID_ARGUMENT', 'rateLimit.burst'],
    ['tokens: rateLimit.perSecond 1e308', 'POST', '/v1/tokens', { policies: ['signer'], rateLimit: { perSecond: 1e308 } }, 400, 'INVALID_ARGUMENT', 'rateLimit.perSecond'],
    ['secrets: cas 2^64', 'PUT', '/v1/secrets/bad-input/cas', { data: 1, cas: 2 ** 64 }, 400, 'INVALID_ARGUMENT', 'cas'],
    ['secret versions: version 2^64', 'POST', '/v1/secret-versions/bad-input/cas', { action: 'destroy', versions: [2 ** 64] }, 400, 'INVALID_ARGUMENT', 'versions.0'],
    ['rotation: minDecryptionVersion 2^64', 'POST', '/v1/keys/k-aes256/rotation', { minDecryptionVersion: 2 ** 64 }, 400, 'INVALID_ARGUMENT', 'minDecryptionVersion'],
    // A lone UTF-16 surrogate has no UTF-8 form (BIP39's NFKD threw: 500): refused by the body parser, naming the field.
    ['wallet: lone surrogate in the passphrase', 'POST', '/v1/wallets', { name: 'w-surrogate', passphrase: 'a\ud800' }, 400, 'INVALID_ARGUMENT', 'passphrase'],
    ['wallet: lone surrogate in the mnemonic', 'POST', '/v1/wallets', { mnemonic: 'abandon '.repeat(11) + 'about\udfff' }, 400, 'INVALID_ARGUMENT', 'mnemonic'],
    ['secrets: lone surrogate deep in the data', 'PUT', '/v1/secrets/bad-input/surrogate', { data: { list: ['ok', '\udc00'] } }, 400, 'INVALID_ARGUMENT', 'data.list.1'],
    // User-chosen names that are also Object.prototype members (a plain-object lookup found a function: 500).
    ...['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'].map((name): Case => [`policies: GET ${name}`, 'GET', `/v1/policies/${name}`, undefined, 404, 'POLICY_NOT_FOUND', 'name']),
    ...['constructor', 'toString', '__proto__'].map((type): Case => [`sign-transaction: type ${type}`, 'POST', '/v1/keys/k-secp256k1/ethereum/sign-transaction', { transaction: { type, chainId: 1, nonce: 0, gas: 21000 } }, 400, 'INVALID_ARGUMENT', 'transaction.type']),
    ['sign-typed-data: a struct field named __proto__', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-typed-data', { typedData: { ...permitWithout(), types: { Permit: [{ name: '__proto__', type: 'string' }] } } }, 400, 'INVALID_ARGUMENT', 'typedData.types.Permit[0].name'],
  ];

  describe('field-specific cases', () => {
    for (const [name, method, url, body, status, code, field] of cases) {
      it(`${name} → ${status} ${code}${field ? ` (${field})` : ''}`, async () => {
        const res = await box.call(method, url, body);
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.code, code, JSON.stringify(res.body));
        assert.equal(res.body.status, status);
        assert.equal(typeof res.body.requestId, 'string');
        if (field !== undefined) {
          assert.equal(res.body.field, field, JSON.stringify(res.body));
          assert.ok(res.body.detail.includes(field), `detail names ${field}: ${res.body.detail}`);
        }
        assert.equal(/at .*\.js:\d+/.test(JSON.stringify(res.body)), false, 'no stack trace in the body');
      });
    }
  });

  /** A problem+json answer with its request id (header and body alike), and that request's audit record. */
  async function assertAuditedProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string): Promise<Record<string, any>> {
    assert.equal(res.statusCode, status, res.body.slice(0, 300));
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    const body = JSON.parse(res.body) as { code: string; status: number; requestId: string; field?: string; detail: string };
    assert.equal(body.code, code, res.body);
    assert.equal(body.status, status);
    assert.equal(typeof res.headers['x-request-id'], 'string');
    assert.equal(body.requestId, res.headers['x-request-id']);
    const record = await auditRecordOf(box, body.requestId);
    assert.equal(record['status'], status);
    assert.equal(record['code'], code);
    return { ...body, record };
  }

  describe('deep nesting: bounded at the parser, never escaping the audit', () => {
    const deep = (depth: number) => '['.repeat(depth) + '1' + ']'.repeat(depth);
    const deepCases: [what: string, method: string, url: string, payload: () => string, field: string][] = [
      ['transaction 5,000 deep', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-transaction', () => `{"transaction":${deep(5000)}}`, 'transaction.0'],
      ['typedData 5,000 deep', 'POST', '/v1/keys/k-secp256k1/ethereum/sign-typed-data', () => `{"typedData":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, 'typedData.a'],
      ['secret data 5,000 deep', 'PUT', '/v1/secrets/bad-input/deep', () => `{"data":${deep(5000)}}`, 'data.0'],
      ['a JSON-RPC parameter 6,000 deep', 'POST', '/v1/ethereum/rpc', () => `{"jsonrpc":"2.0","id":1,"method":"eth_signTransaction","params":[${deep(6000)}]}`, 'params.0'],
      ['the body itself 100 deep', 'POST', '/v1/keys/k-secp256k1/sign', () => deep(100), '0.0'],
    ];
    for (const [what, method, url, payload, field] of deepCases) {
      it(`${what} → 400 JSON_TOO_DEEP naming ${field}, with an audit record`, async () => {
        const res = await box.box.http.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${box.rootToken}`, 'content-type': 'application/json' }, payload: payload() });
        const body = await assertAuditedProblem(res, 400, 'JSON_TOO_DEEP');
        assert.equal(body['field'], field);
        assert.ok(String(body['detail']).includes(field), body['detail']);
      });
    }

    it('also for a caller who would be denied: 400 JSON_TOO_DEEP, audited with its principal', async () => {
      const auditor = await box.call('POST', '/v1/tokens', { policies: ['auditor'] });
      assert.equal(auditor.status, 201);
      const res = await box.box.http.inject({ method: 'POST', url: '/v1/keys/k-secp256k1/ethereum/sign-transaction', headers: { authorization: `Bearer ${auditor.body.token}`, 'content-type': 'application/json' }, payload: `{"transaction":${deep(5000)}}` });
      const body = await assertAuditedProblem(res, 400, 'JSON_TOO_DEEP');
      assert.equal(body['record'].principal, auditor.body.accessor);
      // Control: the same caller with a flat body is denied (and audited as such).
      const denied = await box.box.http.inject({ method: 'POST', url: '/v1/keys/k-secp256k1/ethereum/sign-transaction', headers: { authorization: `Bearer ${auditor.body.token}`, 'content-type': 'application/json' }, payload: '{"transaction":{"chainId":1,"nonce":0,"gas":21000}}' });
      assert.equal((await assertAuditedProblem(denied, 403, 'PERMISSION_DENIED'))['record'].outcome, 'denied');
    });

    it('64 levels are accepted (the limit is not lower than documented)', async () => {
      const res = await box.call('PUT', '/v1/secrets/bad-input/deep-ok', { data: JSON.parse(deep(63)) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });

    it('typed data sent as a JSON string in eth_signTypedData_v4, 5,000 deep → -32602 naming params.1, with an audit record', async () => {
      const address = (await box.call('GET', '/v1/keys/k-secp256k1')).body.address as string;
      const typedData = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const res = await box.call('POST', '/v1/ethereum/rpc', { jsonrpc: '2.0', id: 7, method: 'eth_signTypedData_v4', params: [address, typedData] });
      assert.equal(res.status, 200);
      assert.equal(res.body.error.code, -32602);
      assert.equal(res.body.error.data.code, 'JSON_TOO_DEEP');
      assert.equal(res.body.error.data.field, 'params.1.a.a');
      const record = await auditRecordOf(box, `${res.headers['x-request-id']}#0`);
      assert.equal(record['code'], 'JSON_TOO_DEEP');
    });
  });

  describe('prototype names as user-chosen names', () => {
    it('a policy named constructor can be created and used: its token works (was a 500 on every request)', async () => {
      assert.equal((await box.call('PUT', '/v1/policies/constructor', { statements: [{ effect: 'allow', actions: ['keys:read'], resources: ['key:*'] }] })).status, 200);
      const got = await box.call('GET', '/v1/policies/constructor');
      assert.equal(got.status, 200);
      assert.equal(got.body.builtin, false);
      const token = await box.call('POST', '/v1/tokens', { policies: ['constructor'] });
      assert.equal(token.status, 201, JSON.stringify(token.body));
      assert.equal((await box.call('GET', '/v1/keys/k-p256', undefined, token.body.token)).status, 200);
      assert.equal((await box.call('POST', '/v1/keys/k-p256/sign', { digest: d32 }, token.body.token)).status, 403);
    });

    it('keys, aliases, tags and secrets named like prototype members are plain names', async () => {
      assert.equal((await box.call('POST', '/v1/keys', { type: 'p256', name: 'constructor', tags: { constructor: 'c', toString: 't' } })).status, 201);
      assert.equal((await box.call('POST', '/v1/keys/constructor/aliases', { alias: 'hasOwnProperty' })).status, 200);
      const got = await box.call('GET', '/v1/keys/hasOwnProperty');
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.tags, { constructor: 'c', toString: 't' });
      assert.equal((await box.call('GET', '/v1/keys/valueOf')).status, 404);
      assert.equal((await box.call('PUT', '/v1/secrets/constructor/__proto__', { data: { toString: 1 } })).status, 200);
      assert.deepEqual((await box.call('GET', '/v1/secrets/constructor/__proto__')).body.data, { toString: 1 });
      assert.equal((await box.call('GET', '/v1/wallets/toString')).status, 404);
    });
  });

  describe('responses that used to bypass the error handler and the audit', () => {
    for (const path of ['/v1/keys/%zz', '/v1/%', '/v1/keys/%ff%fe/sign']) {
      it(`${path}: bad percent-encoding → 400 MALFORMED_URL problem+json with a request id and an audit record`, async () => {
        const res = await box.box.http.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${box.rootToken}` } });
        const body = await assertAuditedProblem(res, 400, 'MALFORMED_URL');
        assert.equal(body['field'], 'url');
        assert.equal(body['record'].operation, 'unknown');
      });
    }

    it('a key named with the longest name allowed (128 characters) is reachable by that name', async () => {
      const name = 'n'.repeat(128);
      assert.equal((await box.call('POST', '/v1/keys', { type: 'p256', name })).status, 201);
      const got = await box.call('GET', `/v1/keys/${name}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal(got.body.name, name);
    });

    for (const [method, path] of [['GET', `/v1/keys/${'k'.repeat(257)}`], ['POST', `/v1/keys/${'k'.repeat(300)}/sign`], ['DELETE', `/v1/policies/${'p'.repeat(257)}`]] as const) {
      it(`${method} with a ${path.length}-character URL whose path parameter is over 256 characters → 400 INVALID_ARGUMENT naming the url, audited`, async () => {
        const res = await box.box.http.inject({ method, url: path, headers: { authorization: `Bearer ${box.rootToken}` }, ...(method === 'POST' ? { payload: { digest: '0x' + '11'.repeat(32) } } : {}) });
        const body = await assertAuditedProblem(res, 400, 'INVALID_ARGUMENT');
        assert.equal(body['field'], 'url');
        assert.match(String(body['detail']), /longer than 256 characters/);
      });
    }

    interface RawResponse {
      status: number;
      headers: Map<string, string>;
      body: string;
    }

    /** What the server writes on a socket until it closes it, parsed as one HTTP/1.1 response. */
    function responseOn(socket: Socket): Promise<RawResponse> {
      return new Promise((resolve, reject) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head = '', body = ''] = text.split('\r\n\r\n');
          const [statusLine = '', ...lines] = head.split('\r\n');
          const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
          resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
        });
      });
    }

    /** One raw HTTP/1.1 exchange over TCP. Written, not ended: a client's half-close makes Node's server drop the request unanswered. */
    function exchange(port: number, request: string): Promise<RawResponse> {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
      return responseOn(socket);
    }

    async function assertAuditedRaw(res: RawResponse, status: number, code: string): Promise<void> {
      assert.equal(res.status, status, res.body);
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(res.headers.get('connection'), 'close');
      const body = JSON.parse(res.body) as { code: string; status: number; requestId: string };
      assert.equal(body.code, code);
      assert.equal(body.status, status);
      assert.equal(body.requestId, res.headers.get('x-request-id'));
      const record = await auditRecordOf(box, body.requestId);
      assert.equal(record['status'], status);
      assert.equal(record['code'], code);
      assert.equal(record['clientIp'], '127.0.0.1');
      assert.equal(record['operation'], 'unknown');
    }

    describe('over a real socket (Node\'s HTTP parser answers before Fastify)', () => {
      let port: number;
      before(async () => {
        await box.box.http.listen({ host: '127.0.0.1', port: 0 });
        port = (box.box.http.server.address() as AddressInfo).port;
      });

      const socketCases: [what: string, request: () => string, status: number, code: string][] = [
        ['headers over 16 KiB → 431 HEADERS_TOO_LARGE', () => `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
        ['a request line that is not HTTP → 400 MALFORMED_REQUEST', () => 'HELLO THERE\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ];
      for (const [what, request, status, code] of socketCases) {
        it(`${what}: problem+json with a request id and an audit record`, async () => {
          await assertAuditedRaw(await exchange(port, request()), status, code);
        });
      }

      it('a request that does not arrive in time → 408 REQUEST_TIMEOUT (the clientError Node emits, sent on a real connection)', async () => {
        // Node emits this after requestTimeout / headersTimeout; emitting it here tests the answer without waiting.
        const server = box.box.http.server;
        const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
        const client = connect({ host: '127.0.0.1', port }, () => client.write('GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n'));
        const response = responseOn(client);
        server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), await accepted);
        await assertAuditedRaw(await response, 408, 'REQUEST_TIMEOUT');
      });

      it('control: a normal request over the same listener is answered by the routes', async () => {
        const res = await exchange(port, 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        assert.equal(res.status, 200);
      });
    });
  });
});
