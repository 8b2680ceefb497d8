/** Decrypt: the CiphertextBlob names its key, so KeyId is optional (and checked when given). */
import { decrypt } from '../../service/symmetric/decrypt.js';
import { keyArn, toKeyRef } from '../key-id.js';
import { b64, bytesOfHex, defineOperation, encryptionContextAad } from '../operation.js';
import { assertSameKey, assertSymmetricAlgorithm, assertSymmetricKey, blobCiphertext, blobKeyId } from './symmetric.js';

export default defineOperation({
  name: 'Decrypt',
  action: 'keys:decrypt',
  keyRef: blobKeyId,
  async run(rc, input, key) {
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
