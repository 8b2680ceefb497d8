/** CreateKey: KeySpec SYMMETRIC_DEFAULT → aes256, ECC_SECG_P256K1 → secp256k1, ECC_NIST_P256 → p256, ECC_NIST_EDWARDS25519 → ed25519, HMAC_256 (KeyUsage GENERATE_VERIFY_MAC) → hmac256. */
import { createKey } from '../../service/keys/create-key.js';
import { AwsError, validation } from '../errors.js';
import { keyMetadata, keyTypeOfSpec, keyUsageOf } from '../key-metadata.js';
import { defineOperation, str } from '../operation.js';
import { parseTags } from './tag-resource.js';

export default defineOperation({
  name: 'CreateKey',
  action: 'keys:create',
  async run({ ctx, region }, input) {
    const spec = str(input, 'KeySpec', true) ?? str(input, 'CustomerMasterKeySpec', true) ?? 'SYMMETRIC_DEFAULT';
    const type = Object.hasOwn(keyTypeOfSpec, spec) ? keyTypeOfSpec[spec]! : undefined;
    if (type === undefined) throw new AwsError('UnsupportedOperationException', `KeySpec ${spec} is not supported; use one of ${Object.keys(keyTypeOfSpec).join(', ')}`, 'UNSUPPORTED_OPERATION');
    const usage = str(input, 'KeyUsage', true);
    if (usage !== undefined && usage !== keyUsageOf(type)) throw validation(`KeyUsage ${usage} is not valid for KeySpec ${spec} (use ${keyUsageOf(type)})`);
    const origin = str(input, 'Origin', true);
    if (origin !== undefined && origin !== 'AWS_KMS') throw new AwsError('UnsupportedOperationException', `Origin ${origin} is not supported`, 'UNSUPPORTED_OPERATION');
    const description = str(input, 'Description', true);
    const tags = input['Tags'] === undefined ? undefined : parseTags(input['Tags']);
    const info = await createKey(ctx, { type, ...(description === undefined ? {} : { description }), ...(tags === undefined ? {} : { tags }) });
    return { KeyMetadata: keyMetadata(region, info) };
  },
});
