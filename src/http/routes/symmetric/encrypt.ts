import { StrongboxError } from '../../../protocol/errors.js';
import { isRsaKeyType } from '../../../protocol/types.js';
import { rsaEncrypt } from '../../../service/keys/rsa-encryption.js';
import { encrypt } from '../../../service/symmetric/encrypt.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object, rsaEncryptionAlgorithm } from '../../schemas.js';

/** The RSA-only fields, refused (naming the field) for aes256 keys; aad is refused for RSA keys. */
export function assertFieldsForKey(rsa: boolean, body: { algorithm?: unknown; label?: unknown; aad?: unknown }): void {
  const misplaced = rsa ? (body.aad !== undefined ? 'aad' : undefined) : body.algorithm !== undefined ? 'algorithm' : body.label !== undefined ? 'label' : undefined;
  if (misplaced !== undefined) {
    throw new StrongboxError('INVALID_ARGUMENT', rsa ? 'aad applies to aes256 keys; RSA-OAEP takes a label' : `${misplaced} applies to RSA keys (RSA-OAEP), not to aes256 keys`, { field: misplaced });
  }
}

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/encrypt',
  operationId: 'encrypt',
  summary: 'Encrypt: AES-256-GCM under the current key version (aes256 keys), or RSA-OAEP to the public key (RSA keys)',
  action: 'keys:encrypt',
  sensitive: ['plaintext', 'aad', 'label'],
  schema: {
    params: keyParams,
    body: object(
      {
        plaintext: hex('bytes to encrypt (aes256: at most 256 KiB; RSA-OAEP: at most k - 2·hLen - 2 bytes, e.g. 190 with RSA-2048 and SHA-256)'),
        aad: hex('aes256: additional authenticated data, needed again to decrypt'),
        algorithm: rsaEncryptionAlgorithm,
        label: hex('RSA keys: the OAEP label (default empty), needed again to decrypt'),
      },
      ['plaintext'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['ciphertext', 'keyVersion'],
        properties: { ciphertext: { type: 'string' }, keyVersion: { type: 'integer' }, algorithm: { type: 'string', description: 'RSA keys: the OAEP algorithm used' } },
      },
    },
  },
  handler: ({ services }, { params, body, resolvedKey }) => {
    const rsa = resolvedKey !== undefined && isRsaKeyType(resolvedKey.type);
    assertFieldsForKey(rsa, body);
    return rsa ? rsaEncrypt(services.ctx, { ...body, key: resolvedKey }) : encrypt(services.ctx, { ...body, key: resolvedKey ?? params.id });
  },
});
