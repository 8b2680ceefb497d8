/** DescribeKey: the key's metadata in AWS terms. */
import { toKeyInfo } from '../../service/shared/key-info.js';
import { keyMetadata } from '../key-metadata.js';
import { byKeyId, defineOperation } from '../operation.js';

export default defineOperation({
  name: 'DescribeKey',
  action: 'keys:read',
  keyRef: byKeyId,
  async run({ region }, _input, key) {
    return { KeyMetadata: keyMetadata(region, toKeyInfo(key!)) };
  },
});
