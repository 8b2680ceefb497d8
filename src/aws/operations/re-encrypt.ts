/** ReEncrypt: decrypt under the source key (keys:decrypt) and encrypt under the destination (keys:encrypt), inside Strongbox. */
import { decrypt } from '../../service/symmetric/decrypt.js';
import { encrypt } from '../../service/symmetric/encrypt.js';
import { keyArn, toKeyRef } from '../key-id.js';
import { b64, defineOperation, encryptionContextAad } from '../operation.js';
import { assertSameKey, assertSymmetricAlgorithm, assertSymmetricKey, blobCiphertext, blobKeyId, wrapCiphertext } from './symmetric.js';

export default defineOperation({
  name: 'ReEncrypt',
  action: 'keys:decrypt',
  keyRef: blobKeyId,
  async run(rc, input, source) {
    assertSymmetricAlgorithm(input, 'SourceEncryptionAlgorithm');
    assertSymmetricAlgorithm(input, 'DestinationEncryptionAlgorithm');
    if (input['SourceKeyId'] !== undefined) assertSameKey(await rc.authorizeKey('keys:decrypt', toKeyRef(input['SourceKeyId'], 'SourceKeyId')), source!);
    const destination = await rc.authorizeKey('keys:encrypt', toKeyRef(input['DestinationKeyId'], 'DestinationKeyId'));
    assertSymmetricKey(source!);
    assertSymmetricKey(destination);
    const sourceAad = encryptionContextAad(input, 'SourceEncryptionContext');
    const destinationAad = encryptionContextAad(input, 'DestinationEncryptionContext');
    const { plaintext } = await decrypt(rc.ctx, { key: source!, ciphertext: blobCiphertext(input), ...(sourceAad === undefined ? {} : { aad: sourceAad }) });
    const result = await encrypt(rc.ctx, { key: destination, plaintext, ...(destinationAad === undefined ? {} : { aad: destinationAad }) });
    return {
      CiphertextBlob: b64(wrapCiphertext(destination, result.ciphertext)),
      SourceKeyId: keyArn(rc.region, source!.id),
      KeyId: keyArn(rc.region, destination.id),
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
});
