/** Verify: a signature that does not verify is KMSInvalidSignatureException, as in AWS. */
import { StrongboxError } from '../../protocol/errors.js';
import { verify } from '../../service/keys/verify.js';
import { AwsError } from '../errors.js';
import { keyArn } from '../key-id.js';
import { blob, byKeyId, defineOperation, hexOf } from '../operation.js';
import { signingPayload } from './signing.js';

export default defineOperation({
  name: 'Verify',
  action: 'keys:verify',
  sensitive: ['Message'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const { fields, algorithm } = signingPayload(key!, input);
    const signature = blob(input, 'Signature', 6144);
    const invalid = (): AwsError => new AwsError('KMSInvalidSignatureException', 'The signature is not valid for this key and message', 'INVALID_ARGUMENT');
    let valid: boolean;
    try {
      ({ valid } = await verify(ctx, { ...fields, key: key!, signature: hexOf(signature) }));
    } catch (err) {
      if (err instanceof StrongboxError && err.field === 'signature') throw invalid();
      throw err;
    }
    if (!valid) throw invalid();
    return { KeyId: keyArn(region, key!.id), SignatureValid: true, SigningAlgorithm: algorithm };
  },
});
