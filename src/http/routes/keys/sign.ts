import { sign } from '../../../service/keys/sign.js';
import { defineKeyRoute } from '../../route.js';
import { encoding, hashName, hex, keyParams, object, rsaPadding } from '../../schemas.js';

export const payloadFields = {
  digest: hex('digest to sign: 32 bytes (ECDSA keys); RSA keys: the length of `hash` (32, 48 or 64 bytes)'),
  message: hex('message to sign: hashed with `hash` for ECDSA and RSA keys, signed as is by Ed25519'),
  hash: hashName,
  encoding,
  padding: rsaPadding,
};

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/sign',
  operationId: 'sign',
  summary: 'Sign a digest or message (RFC 6979 deterministic, low-S ECDSA; PureEdDSA; RSASSA-PSS or PKCS#1 v1.5); verified before release',
  action: 'keys:sign',
  sensitive: ['digest', 'message'],
  schema: {
    params: keyParams,
    body: object(payloadFields),
    response: {
      200: {
        type: 'object',
        required: ['signature', 'encoding', 'keyVersion'],
        properties: { signature: { type: 'string' }, encoding: { type: 'string' }, recoveryId: { type: 'integer' }, keyVersion: { type: 'integer' } },
      },
    },
  },
  handler: ({ services }, { params, body }) => sign(services.ctx, { ...body, key: params.id }),
});
