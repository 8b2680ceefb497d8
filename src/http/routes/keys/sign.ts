import { sign } from '../../../service/keys/sign.js';
import { defineKeyRoute } from '../../route.js';
import { encoding, hashName, hex, keyParams, object } from '../../schemas.js';

export const payloadFields = {
  digest: hex('32-byte digest to sign (ECDSA keys)'),
  message: hex('message to sign: hashed with `hash` for ECDSA keys, signed as is by Ed25519'),
  hash: hashName,
  encoding,
};

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/sign',
  operationId: 'sign',
  summary: 'Sign a digest or message (RFC 6979 deterministic, low-S ECDSA; PureEdDSA); verified before release',
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
