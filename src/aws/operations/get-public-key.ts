/** GetPublicKey: the DER SubjectPublicKeyInfo (RFC 5280), base64 in JSON. */
import { getPublicKey } from '../../service/keys/get-public-key.js';
import { AwsError } from '../errors.js';
import { keyArn } from '../key-id.js';
import { keySpecOf, keyUsageOf, signingAlgorithmsOf } from '../key-metadata.js';
import { b64, byKeyId, bytesOfHex, defineOperation } from '../operation.js';

export default defineOperation({
  name: 'GetPublicKey',
  action: 'keys:read',
  keyRef: byKeyId,
  async run({ ctx, region }, _input, key) {
    if (keyUsageOf(key!.type) !== 'SIGN_VERIFY') throw new AwsError('UnsupportedOperationException', `${key!.id} is a symmetric key; it has no public key`, 'UNSUPPORTED_OPERATION');
    const result = await getPublicKey(ctx, { key: key!, format: 'der' });
    return {
      KeyId: keyArn(region, key!.id),
      PublicKey: b64(bytesOfHex(result.publicKey as string)),
      CustomerMasterKeySpec: keySpecOf[key!.type],
      KeySpec: keySpecOf[key!.type],
      KeyUsage: keyUsageOf(key!.type),
      SigningAlgorithms: signingAlgorithmsOf(key!.type),
    };
  },
});
