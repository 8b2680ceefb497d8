/** GenerateMac: HMAC-SHA-256 (RFC 2104) of Message under an HMAC_256 key. */
import { generateMac } from '../../service/symmetric/generate-mac.js';
import { keyArn } from '../key-id.js';
import { b64, byKeyId, bytesOfHex, defineOperation, hexOf } from '../operation.js';
import { macRequest } from './mac.js';

export default defineOperation({
  name: 'GenerateMac',
  action: 'keys:mac',
  sensitive: ['Message'],
  keyRef: byKeyId,
  async run({ ctx, region }, input, key) {
    const { algorithm, message } = macRequest(key!, input);
    const result = await generateMac(ctx, { key: key!, message: hexOf(message) });
    message.fill(0);
    return { KeyId: keyArn(region, key!.id), Mac: b64(bytesOfHex(result.mac)), MacAlgorithm: algorithm };
  },
});
