/**
 * Decrypt: the CiphertextBlob names its key, so KeyId is optional (and checked when given). With an
 * RSAES_OAEP_* EncryptionAlgorithm the blob is a raw RSA ciphertext and KeyId names the key (required).
 */
import { rsaDecrypt } from '../../service/keys/rsa-encryption.js';
import { decrypt } from '../../service/symmetric/decrypt.js';
import { keyArn, toKeyRef } from '../key-id.js';
import { b64, blob, bytesOfHex, defineOperation, encryptionContextAad, hexOf } from '../operation.js';
import { assertRsaEncryptionKey, assertSameKey, assertSymmetricAlgorithm, assertSymmetricKey, blobCiphertext, decryptKeyRef, MAX_BLOB_BYTES, rsaEncryptionAlgorithm } from './symmetric.js';

export default defineOperation({
  name: 'Decrypt',
  action: 'keys:decrypt',
  keyRef: decryptKeyRef,
  async run(rc, input, key) {
    const rsa = rsaEncryptionAlgorithm(input);
    if (rsa !== undefined) {
      assertRsaEncryptionKey(key!, input);
      const result = await rsaDecrypt(rc.ctx, { key: key!, ciphertext: hexOf(blob(input, 'CiphertextBlob', MAX_BLOB_BYTES)), algorithm: rsa });
      const plaintext = bytesOfHex(result.plaintext);
      const out = { KeyId: keyArn(rc.region, key!.id), Plaintext: b64(plaintext), EncryptionAlgorithm: rsa };
      plaintext.fill(0);
      return out;
    }
    assertSymmetricAlgorithm(input);
    if (input['KeyId'] !== undefined) assertSameKey(await rc.authorizeKey('keys:decrypt', toKeyRef(input['KeyId'])), key!);
    assertSymmetricKey(key!);
    const aad = encryptionContextAad(input);
    const result = await decrypt(rc.ctx, { key: key!, ciphertext: blobCiphertext(input), ...(aad === undefined ? {} : { aad }) });
    const plaintext = bytesOfHex(result.plaintext);
    const out = { KeyId: keyArn(rc.region, key!.id), Plaintext: b64(plaintext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    plaintext.fill(0);
    return out;
  },
});
