import { sign } from '../../../service/keys/sign.js';
import { assertBatchAlone, batchItems, batchResponse, runBatch, singleOrBatch } from '../../batch.js';
import { defineKeyRoute, defineRoute } from '../../route.js';
import { encoding, hashName, hex, keyParams, object, rsaPadding } from '../../schemas.js';

export const payloadFields = {
  digest: hex('digest to sign: 32 bytes (ECDSA keys); RSA keys: the length of `hash` (32, 48 or 64 bytes)'),
  message: hex('message to sign: hashed with `hash` for ECDSA and RSA keys, signed as is by Ed25519'),
  hash: hashName,
  encoding,
  padding: rsaPadding,
};

/** The cross-key routes' `key` member of each item. */
export const itemKey = { type: 'string', minLength: 1, maxLength: 128, description: 'key id (UUID) or unique name' };

const signResult = { signature: { type: 'string' }, encoding: { type: 'string' }, recoveryId: { type: 'integer' }, keyVersion: { type: 'integer' } };

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/sign',
  operationId: 'sign',
  summary: 'Sign a digest or message (RFC 6979 deterministic, low-S ECDSA; PureEdDSA; RSASSA-PSS or PKCS#1 v1.5); verified before release. `batch` signs up to 1,000 items, each answered in order',
  action: 'keys:sign',
  sensitive: ['digest', 'message'],
  schema: {
    params: keyParams,
    body: object({ ...payloadFields, batch: batchItems(payloadFields) }),
    response: { 200: singleOrBatch({ type: 'object', required: ['signature', 'encoding', 'keyVersion'], properties: signResult }, signResult) },
  },
  handler: (rc, { params, body }) => {
    if (body.batch === undefined) return sign(rc.services.ctx, { ...body, key: params.id });
    assertBatchAlone(body);
    return runBatch(rc, body.batch, { action: 'keys:sign', sensitive: ['digest', 'message'], keyOf: () => params.id, run: (key, item) => sign(rc.services.ctx, { ...item, key }) });
  },
});

/** Cross-key batch signing: each item names its key (a sweep signs with many deposit keys). */
export const signBatch = defineRoute({
  method: 'POST',
  url: '/v1/sign-batch',
  operationId: 'signBatch',
  summary: 'Sign up to 1,000 digests or messages, each with the key it names; each item is authorized (keys:sign on its key), charged and audited on its own and answered in order',
  tags: ['keys'],
  auth: 'token',
  requiresUnsealed: true,
  action: 'keys:sign',
  authorizeItems: true,
  successStatus: 200,
  schema: {
    body: object({ batch: batchItems({ key: itemKey, ...payloadFields }, ['key']) }, ['batch']),
    response: { 200: batchResponse(signResult) },
  },
  handler: (rc, { body }) =>
    runBatch(rc, body.batch, {
      action: 'keys:sign',
      sensitive: ['digest', 'message'],
      keyOf: (item) => item['key'] as string,
      run: (key, { key: _named, ...item }) => sign(rc.services.ctx, { ...item, key }),
    }),
});
