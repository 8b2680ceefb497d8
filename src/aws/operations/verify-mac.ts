/**
 * VerifyMac: a MAC that does not verify (including one of the wrong length) is
 * KMSInvalidMacException, as in AWS; a valid one answers MacValid: true.
 */
import { verifyMac } from '../../service/symmetric/verify-mac.js';
import { AwsError } from '../errors.js';
import { keyArn } from '../key-id.js';
import { blob, byKeyId, defineOperation, hexOf } from '../operation.js';
import { macRequest } from './mac.js';

const HMAC_SHA256_BYTES = 32;

export default defineOperation({
  name: 'VerifyMac',
  action: 'keys:verify-mac',
  sensitive: ['Message'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const { algorithm, message } = macRequest(key!, input);
    const mac = blob(input, 'Mac', 6144);
    const invalid = (): AwsError => new AwsError('KMSInvalidMacException', 'The HMAC is not valid for this key, message and MAC algorithm', 'INVALID_ARGUMENT');
    if (mac.length !== HMAC_SHA256_BYTES) throw invalid();
    const { valid } = await verifyMac(ctx, { key: key!, message: hexOf(message), mac: hexOf(mac) });
    message.fill(0);
    if (!valid) throw invalid();
    return { KeyId: keyArn(region, key!.id), MacValid: true, MacAlgorithm: algorithm };
  },
});
