import { StrongboxError } from '../../../protocol/errors.js';
import { isRsaKeyType } from '../../../protocol/types.js';
import { rsaEncrypt } from '../../../service/keys/rsa-encryption.js';
import { encrypt } from '../../../service/symmetric/encrypt.js';
import type { ServiceContext } from '../../../service/shared/context.js';
import type { KeyRef } from '../../../service/shared/resolve-key.js';
import { assertBatchAlone, assertPresent, batchItems, batchResponse, runBatch, singleOrBatch } from '../../batch.js';
import { defineKeyRoute, defineRoute } from '../../route.js';
import { hex, keyParams, object, rsaEncryptionAlgorithm, type JsonSchema } from '../../schemas.js';
import { itemKey } from '../keys/sign.js';

/** The RSA-only fields, refused (naming the field) for aes256 keys; aad is refused for RSA keys. */
export function assertFieldsForKey(rsa: boolean, body: { algorithm?: unknown; label?: unknown; aad?: unknown }): void {
  const misplaced = rsa ? (body.aad !== undefined ? 'aad' : undefined) : body.algorithm !== undefined ? 'algorithm' : body.label !== undefined ? 'label' : undefined;
  if (misplaced !== undefined) {
    throw new StrongboxError('INVALID_ARGUMENT', rsa ? 'aad applies to aes256 keys; RSA-OAEP takes a label' : `${misplaced} applies to RSA keys (RSA-OAEP), not to aes256 keys`, { field: misplaced });
  }
}

const encryptFields: Record<string, JsonSchema> = {
  plaintext: hex('bytes to encrypt (aes256: at most 256 KiB; RSA-OAEP: at most k - 2·hLen - 2 bytes, e.g. 190 with RSA-2048 and SHA-256)'),
  aad: hex('aes256: additional authenticated data, needed again to decrypt'),
  algorithm: rsaEncryptionAlgorithm,
  label: hex('RSA keys: the OAEP label (default empty), needed again to decrypt'),
};
export const cipherResult: Record<string, JsonSchema> = { keyVersion: { type: 'integer' }, algorithm: { type: 'string', description: 'RSA keys: the OAEP algorithm used' } };
const encryptResult = { ciphertext: { type: 'string' }, ...cipherResult };

/** One encryption, aes256 or RSA-OAEP by the key's type (shared by the single form and batch items). */
function encryptOne(ctx: ServiceContext, key: KeyRef, body: { plaintext: string; aad?: string; algorithm?: never; label?: string }) {
  const rsa = typeof key !== 'string' && isRsaKeyType(key.type);
  assertFieldsForKey(rsa, body);
  return rsa ? rsaEncrypt(ctx, { ...body, key }) : encrypt(ctx, { ...body, key });
}

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/encrypt',
  operationId: 'encrypt',
  summary: 'Encrypt: AES-256-GCM under the current key version (aes256 keys), or RSA-OAEP to the public key (RSA keys). `batch` encrypts up to 1,000 items',
  action: 'keys:encrypt',
  sensitive: ['plaintext', 'aad', 'label'],
  schema: {
    params: keyParams,
    body: object({ ...encryptFields, batch: batchItems(encryptFields, ['plaintext']) }),
    response: { 200: singleOrBatch({ type: 'object', required: ['ciphertext', 'keyVersion'], properties: encryptResult }, encryptResult) },
  },
  handler: (rc, { params, body }) => {
    if (body.batch === undefined) {
      assertPresent(body, 'plaintext');
      return encryptOne(rc.services.ctx, params.id, body);
    }
    assertBatchAlone(body);
    return runBatch(rc, body.batch, { action: 'keys:encrypt', sensitive: ['plaintext', 'aad', 'label'], keyOf: () => params.id, run: (key, item) => encryptOne(rc.services.ctx, key, item as never) });
  },
});

/** Cross-key batch encryption: each item names its key. */
export const encryptBatch = defineRoute({
  method: 'POST',
  url: '/v1/encrypt-batch',
  operationId: 'encryptBatch',
  summary: 'Encrypt up to 1,000 plaintexts, each under the key it names; each item is authorized (keys:encrypt on its key) and audited on its own and answered in order',
  tags: ['keys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'keys:encrypt',
  authorizeItems: true,
  successStatus: 200,
  schema: {
    body: object({ batch: batchItems({ key: itemKey, ...encryptFields }, ['key', 'plaintext']) }, ['batch']),
    response: { 200: batchResponse(encryptResult) },
  },
  handler: (rc, { body }) =>
    runBatch(rc, body.batch, {
      action: 'keys:encrypt',
      sensitive: ['plaintext', 'aad', 'label'],
      keyOf: (item) => item['key'] as string,
      run: (key, { key: _named, ...item }) => encryptOne(rc.services.ctx, key, item as never),
    }),
});
