/** Encrypt: AES-256-GCM under the key's current version (EncryptionContext is the AAD), or RSAES-OAEP to an RSA key. */
import { rsaEncrypt } from '../../service/keys/rsa-encryption.js';
import { encrypt } from '../../service/symmetric/encrypt.js';
import { keyArn } from '../key-id.js';
import { b64, blob, byKeyId, defineOperation, encryptionContextAad, hexOf } from '../operation.js';
import { assertRsaEncryptionKey, assertSymmetricAlgorithm, assertSymmetricKey, MAX_PLAINTEXT_BYTES, rsaEncryptionAlgorithm, wrapCiphertext } from './symmetric.js';
import { bytesOfHex } from '../operation.js';

export default defineOperation({
  name: 'Encrypt',
  action: 'keys:encrypt',
  sensitive: ['Plaintext'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const rsa = rsaEncryptionAlgorithm(input);
    if (rsa !== undefined) {
      assertRsaEncryptionKey(key!, input);
      const plaintext = blob(input, 'Plaintext', MAX_PLAINTEXT_BYTES);
      const result = await rsaEncrypt(ctx, { key: key!, plaintext: hexOf(plaintext), algorithm: rsa });
      plaintext.fill(0);
      return { CiphertextBlob: b64(bytesOfHex(result.ciphertext)), KeyId: keyArn(region, key!.id), EncryptionAlgorithm: rsa };
    }
    assertSymmetricAlgorithm(input);
    assertSymmetricKey(key!);
    const plaintext = blob(input, 'Plaintext', MAX_PLAINTEXT_BYTES);
    const aad = encryptionContextAad(input);
    const result = await encrypt(ctx, { key: key!, plaintext: hexOf(plaintext), ...(aad === undefined ? {} : { aad }) });
    plaintext.fill(0);
    return { CiphertextBlob: b64(wrapCiphertext(key!, result.ciphertext)), KeyId: keyArn(region, key!.id), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
});
