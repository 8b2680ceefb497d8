import { isRsaKeyType } from '../../../protocol/types.js';
import { rsaDecrypt } from '../../../service/keys/rsa-encryption.js';
import { decrypt } from '../../../service/symmetric/decrypt.js';
import type { ServiceContext } from '../../../service/shared/context.js';
import type { KeyRef } from '../../../service/shared/resolve-key.js';
import { assertBatchAlone, assertPresent, batchItems, batchResponse, runBatch, singleOrBatch } from '../../batch.js';
import { defineKeyRoute, defineRoute } from '../../route.js';
import { hex, keyParams, object, rsaEncryptionAlgorithm, type JsonSchema } from '../../schemas.js';
import { itemKey } from '../keys/sign.js';
import { assertFieldsForKey, cipherResult } from './encrypt.js';

const decryptFields: Record<string, JsonSchema> = {
  ciphertext: hex('aes256: a ciphertext returned by encrypt or data-key; RSA: the OAEP ciphertext (modulus length)'),
  aad: hex('aes256: the AAD given at encryption'),
  algorithm: rsaEncryptionAlgorithm,
  label: hex('RSA keys: the OAEP label given at encryption (default empty)'),
};
const decryptResult = { plaintext: { type: 'string' }, ...cipherResult };

/** One decryption, aes256 or RSA-OAEP by the key's type (shared by the single form and batch items). */
function decryptOne(ctx: ServiceContext, key: KeyRef, body: { ciphertext: string; aad?: string; algorithm?: never; label?: string }) {
  const rsa = typeof key !== 'string' && isRsaKeyType(key.type);
  assertFieldsForKey(rsa, body);
  return rsa ? rsaDecrypt(ctx, { ...body, key }) : decrypt(ctx, { ...body, key });
}

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/decrypt',
  operationId: 'decrypt',
  summary: 'Decrypt: a Strongbox AES-256-GCM ciphertext (aes256 keys), or an RSA-OAEP ciphertext (RSA keys). `batch` decrypts up to 1,000 items',
  action: 'keys:decrypt',
  sensitive: ['ciphertext', 'aad', 'label'],
  schema: {
    params: keyParams,
    body: object({ ...decryptFields, batch: batchItems(decryptFields, ['ciphertext']) }),
    response: { 200: singleOrBatch({ type: 'object', required: ['plaintext', 'keyVersion'], properties: decryptResult }, decryptResult) },
  },
  handler: (rc, { params, body }) => {
    if (body.batch === undefined) {
      assertPresent(body, 'ciphertext');
      return decryptOne(rc.services.ctx, params.id, body);
    }
    assertBatchAlone(body);
    return runBatch(rc, body.batch, { action: 'keys:decrypt', sensitive: ['ciphertext', 'aad', 'label'], keyOf: () => params.id, run: (key, item) => decryptOne(rc.services.ctx, key, item as never) });
  },
});

/** Cross-key batch decryption: each item names its key. */
export const decryptBatch = defineRoute({
  method: 'POST',
  url: '/v1/decrypt-batch',
  operationId: 'decryptBatch',
  summary: 'Decrypt up to 1,000 ciphertexts, each with the key it names; each item is authorized (keys:decrypt on its key) and audited on its own and answered in order',
  tags: ['keys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'keys:decrypt',
  authorizeItems: true,
  successStatus: 200,
  schema: {
    body: object({ batch: batchItems({ key: itemKey, ...decryptFields }, ['key', 'ciphertext']) }, ['batch']),
    response: { 200: batchResponse(decryptResult) },
  },
  handler: (rc, { body }) =>
    runBatch(rc, body.batch, {
      action: 'keys:decrypt',
      sensitive: ['ciphertext', 'aad', 'label'],
      keyOf: (item) => item['key'] as string,
      run: (key, { key: _named, ...item }) => decryptOne(rc.services.ctx, key, item as never),
    }),
});
