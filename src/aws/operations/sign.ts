/** Sign: RFC 6979 ECDSA (DER, low-S) or PureEdDSA; the service verifies each signature before release. */
import { sign } from '../../service/keys/sign.js';
import { keyArn } from '../key-id.js';
import { b64, byKeyId, bytesOfHex, defineOperation } from '../operation.js';
import { signingPayload } from './signing.js';

export default defineOperation({
  name: 'Sign',
  action: 'keys:sign',
  sensitive: ['Message'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const { fields, algorithm } = signingPayload(key!, input);
    const result = await sign(ctx, { ...fields, key: key! });
    return { KeyId: keyArn(region, key!.id), Signature: b64(bytesOfHex(result.signature)), SigningAlgorithm: algorithm };
  },
});
