import { verify } from '../../../service/keys/verify.js';
import { assertBatchAlone, assertPresent, batchItems, batchResponse, runBatch, singleOrBatch } from '../../batch.js';
import { defineKeyRoute, defineRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';
import { itemKey, payloadFields } from './sign.js';

const verifyFields = { ...payloadFields, signature: hex('signature in the given encoding') };
const verifyResult = { valid: { type: 'boolean' } };

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/verify',
  operationId: 'verify',
  summary: 'Verify a signature against the key (standard ECDSA: any valid S is accepted; RSA: PSS with salt length = hash length, or PKCS#1 v1.5). `batch` verifies up to 1,000 items',
  action: 'keys:verify',
  sensitive: ['digest', 'message'],
  schema: {
    params: keyParams,
    body: object({ ...verifyFields, batch: batchItems(verifyFields, ['signature']) }),
    response: { 200: singleOrBatch({ type: 'object', required: ['valid'], properties: verifyResult }, verifyResult) },
  },
  handler: (rc, { params, body }) => {
    if (body.batch === undefined) {
      assertPresent(body, 'signature');
      return verify(rc.services.ctx, { ...body, key: params.id });
    }
    assertBatchAlone(body);
    return runBatch(rc, body.batch, { action: 'keys:verify', sensitive: ['digest', 'message'], keyOf: () => params.id, run: (key, item) => verify(rc.services.ctx, { ...(item as { signature: string }), key }) });
  },
});

/** Cross-key batch verification: each item names its key. */
export const verifyBatch = defineRoute({
  method: 'POST',
  url: '/v1/verify-batch',
  operationId: 'verifyBatch',
  summary: 'Verify up to 1,000 signatures, each against the key it names; each item is authorized (keys:verify on its key) and audited on its own and answered in order',
  tags: ['keys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'keys:verify',
  authorizeItems: true,
  successStatus: 200,
  schema: {
    body: object({ batch: batchItems({ key: itemKey, ...verifyFields }, ['key', 'signature']) }, ['batch']),
    response: { 200: batchResponse(verifyResult) },
  },
  handler: (rc, { body }) =>
    runBatch(rc, body.batch, {
      action: 'keys:verify',
      sensitive: ['digest', 'message'],
      keyOf: (item) => item['key'] as string,
      run: (key, { key: _named, ...item }) => verify(rc.services.ctx, { ...(item as { signature: string }), key }),
    }),
});
