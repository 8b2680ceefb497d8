/**
 * RSA signing on the signing pool's worker thread: signatures from the worker verify with
 * node:crypto's own verifier (PSS with salt = hash length, and PKCS#1 v1.5, for SHA-256/384/512);
 * a malformed payload is refused on the main thread as INVALID_ARGUMENT naming its field (never a
 * worker error); OAEP decryption still works on the pooled signer.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, publicEncrypt, verify } from 'node:crypto';
import { SigningPool } from './signing-pool.js';
import { loadPooled, rsa2048 } from '../signers/rsa.js';
import { StrongboxError } from '../../protocol/errors.js';

const pool = new SigningPool(1);
after(() => pool.close());

test('RSA signs on a pool worker; node:crypto verifies every hash and padding; bad payloads are INVALID_ARGUMENT from the main thread', async () => {
  const secretKey = await rsa2048.generateSecretKey();
  const publicKey = rsa2048.publicKeyOf(secretKey);
  const key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
  let calls = 0;
  const counting: Parameters<typeof loadPooled>[0] = {
    sign: (...args) => {
      calls++;
      return pool.sign(...args);
    },
    evict: (id) => pool.evict(id),
  };
  const signer = loadPooled(counting, 'rsa2048', 'k1:1', secretKey, publicKey);
  const message = Buffer.from('pooled RSA');
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    const digest = new Uint8Array(createHash(hash).update(message).digest());
    for (const padding of ['pss', 'pkcs1'] as const) {
      const { signature } = await signer.sign({ kind: 'digest', digest, hash, padding }, 'raw');
      const opts = padding === 'pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digest.length } : { key, padding: constants.RSA_PKCS1_PADDING };
      assert.equal(verify(hash, message, opts, signature), true, `${padding} ${hash}`);
      assert.equal(verify(hash, Buffer.from('other'), opts, signature), false, `${padding} ${hash} other message`);
    }
  }
  assert.equal(calls, 6, 'every signature went through the pool');

  await assert.rejects(
    async () => signer.sign({ kind: 'digest', digest: new Uint8Array(31), hash: 'sha256', padding: 'pss' }, 'raw'),
    (err: unknown) => err instanceof StrongboxError && err.code === 'INVALID_ARGUMENT' && err.field === 'digest',
  );
  assert.equal(calls, 6, 'a refused payload never reaches the worker');

  const ct = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('secret'));
  assert.deepEqual(Buffer.from(signer.decrypt!(ct, { hash: 'sha256', label: new Uint8Array(0) })), Buffer.from('secret'));
  signer.wipe();
});
