/** ListKeys: paginated with Limit/Marker (the Marker is Strongbox's opaque cursor). */
import { listKeys } from '../../service/keys/list-keys.js';
import { keyArn } from '../key-id.js';
import { defineOperation, int, str } from '../operation.js';

export default defineOperation({
  name: 'ListKeys',
  action: 'keys:read',
  async run({ ctx, region }, input) {
    const limit = int(input, 'Limit', 1, 1000) ?? 100;
    const marker = str(input, 'Marker', true);
    const page = await listKeys(ctx, { limit, ...(marker === undefined ? {} : { cursor: marker }) });
    return {
      Keys: page.keys.map((k) => ({ KeyId: k.id, KeyArn: keyArn(region, k.id) })),
      Truncated: page.nextCursor !== null,
      ...(page.nextCursor === null ? {} : { NextMarker: page.nextCursor }),
    };
  },
});
