/** GetPublicKey: the DER SubjectPublicKeyInfo (RFC 5280), base64 in JSON, with the key's signing or encryption algorithms. */
import { getPublicKey } from '../../service/keys/get-public-key.js';
import { AwsError } from '../errors.js';
import { keyArn } from '../key-id.js';
import { encryptionAlgorithmsOf, keySpecOf, keyUsageOf, signingAlgorithmsOf } from '../key-metadata.js';
import { isRsaKeyType } from '../../protocol/types.js';
import { b64, byKeyId, bytesOfHex, defineOperation } from '../operation.js';

export default defineOperation({
  name: 'GetPublicKey',
  action: 'keys:read',
  keyRef: byKeyId,
  async run({ ctx, region }, _input, key) {
    const usage = keyUsageOf(key!);
    if (usage !== 'SIGN_VERIFY' && !isRsaKeyType(key!.type)) throw new AwsError('UnsupportedOperationException', `${key!.id} is a symmetric key; it has no public key`, 'UNSUPPORTED_OPERATION');
    const result = await getPublicKey(ctx, { key: key!, format: 'der' });
    return {
      KeyId: keyArn(region, key!.id),
      PublicKey: b64(bytesOfHex(result.publicKey as string)),
      CustomerMasterKeySpec: keySpecOf[key!.type],
      KeySpec: keySpecOf[key!.type],
      KeyUsage: usage,
      ...(usage === 'SIGN_VERIFY' ? { SigningAlgorithms: signingAlgorithmsOf(key!.type) } : { EncryptionAlgorithms: encryptionAlgorithmsOf(key!.type) }),
    };
  },
});
