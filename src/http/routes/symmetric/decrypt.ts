import { isRsaKeyType } from '../../../protocol/types.js';
import { rsaDecrypt } from '../../../service/keys/rsa-encryption.js';
import { decrypt } from '../../../service/symmetric/decrypt.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object, rsaEncryptionAlgorithm } from '../../schemas.js';
import { assertFieldsForKey } from './encrypt.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/decrypt',
  operationId: 'decrypt',
  summary: 'Decrypt: a Strongbox AES-256-GCM ciphertext (aes256 keys), or an RSA-OAEP ciphertext (RSA keys)',
  action: 'keys:decrypt',
  sensitive: ['ciphertext', 'aad', 'label'],
  schema: {
    params: keyParams,
    body: object(
      {
        ciphertext: hex('aes256: a ciphertext returned by encrypt or data-key; RSA: the OAEP ciphertext (modulus length)'),
        aad: hex('aes256: the AAD given at encryption'),
        algorithm: rsaEncryptionAlgorithm,
        label: hex('RSA keys: the OAEP label given at encryption (default empty)'),
      },
      ['ciphertext'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['plaintext', 'keyVersion'],
        properties: { plaintext: { type: 'string' }, keyVersion: { type: 'integer' }, algorithm: { type: 'string', description: 'RSA keys: the OAEP algorithm used' } },
      },
    },
  },
  handler: ({ services }, { params, body, resolvedKey }) => {
    const rsa = resolvedKey !== undefined && isRsaKeyType(resolvedKey.type);
    assertFieldsForKey(rsa, body);
    return rsa ? rsaDecrypt(services.ctx, { ...body, key: resolvedKey }) : decrypt(services.ctx, { ...body, key: resolvedKey ?? params.id });
  },
});
