/**
 * CreateKey: KeySpec SYMMETRIC_DEFAULT → aes256, ECC_SECG_P256K1 → secp256k1, ECC_NIST_P256 → p256, ECC_NIST_EDWARDS25519 → ed25519,
 * HMAC_256 (KeyUsage GENERATE_VERIFY_MAC) → hmac256, RSA_2048/3072/4096 → rsa2048/3072/4096 (KeyUsage ENCRYPT_DECRYPT, the
 * default as in AWS, or SIGN_VERIFY, kept in the reserved tag of key-metadata.ts).
 */
import { createKey } from '../../service/keys/create-key.js';
import { AwsError, validation } from '../errors.js';
import { KEY_USAGE_TAG, keyMetadata, keyTypeOfSpec, keyUsagesOfType } from '../key-metadata.js';
import { isRsaKeyType } from '../../protocol/types.js';
import { defineOperation, str } from '../operation.js';
import { parseTags } from './tag-resource.js';

export default defineOperation({
  name: 'CreateKey',
  action: 'keys:create',
  async run({ ctx, region }, input) {
    const spec = str(input, 'KeySpec', true) ?? str(input, 'CustomerMasterKeySpec', true) ?? 'SYMMETRIC_DEFAULT';
    const type = Object.hasOwn(keyTypeOfSpec, spec) ? keyTypeOfSpec[spec]! : undefined;
    if (type === undefined) throw new AwsError('UnsupportedOperationException', `KeySpec ${spec} is not supported; use one of ${Object.keys(keyTypeOfSpec).join(', ')}`, 'UNSUPPORTED_OPERATION');
    const usages = keyUsagesOfType(type);
    const usage = str(input, 'KeyUsage', true) ?? usages[0]!;
    if (!(usages as string[]).includes(usage)) throw validation(`KeyUsage ${usage} is not valid for KeySpec ${spec} (use ${usages.join(' or ')})`);
    const origin = str(input, 'Origin', true);
    if (origin !== undefined && origin !== 'AWS_KMS') throw new AwsError('UnsupportedOperationException', `Origin ${origin} is not supported`, 'UNSUPPORTED_OPERATION');
    const description = str(input, 'Description', true);
    const userTags = input['Tags'] === undefined ? undefined : parseTags(input['Tags']);
    const tags = isRsaKeyType(type) ? { ...userTags, [KEY_USAGE_TAG]: usage } : userTags;
    const info = await createKey(ctx, { type, ...(description === undefined ? {} : { description }), ...(tags === undefined ? {} : { tags }) });
    return { KeyMetadata: keyMetadata(region, info) };
  },
});
