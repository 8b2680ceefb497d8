/** Encrypt: AES-256-GCM under the key's current version; EncryptionContext is the AAD. */
import { encrypt } from '../../service/symmetric/encrypt.js';
import { keyArn } from '../key-id.js';
import { b64, blob, byKeyId, defineOperation, encryptionContextAad, hexOf } from '../operation.js';
import { assertSymmetricAlgorithm, assertSymmetricKey, MAX_PLAINTEXT_BYTES, wrapCiphertext } from './symmetric.js';

export default defineOperation({
  name: 'Encrypt',
  action: 'keys:encrypt',
  sensitive: ['Plaintext'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    assertSymmetricAlgorithm(input);
    assertSymmetricKey(key!);
    const plaintext = blob(input, 'Plaintext', MAX_PLAINTEXT_BYTES);
    const aad = encryptionContextAad(input);
    const result = await encrypt(ctx, { key: key!, plaintext: hexOf(plaintext), ...(aad === undefined ? {} : { aad }) });
    plaintext.fill(0);
    return { CiphertextBlob: b64(wrapCiphertext(key!, result.ciphertext)), KeyId: keyArn(region, key!.id), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
});
