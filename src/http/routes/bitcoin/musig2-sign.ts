import { bitcoinMusig2Sign } from '../../../service/bitcoin/bitcoin-musig2.js';
import { MAX_MUSIG2_PARTICIPANTS } from '../../../chains/bitcoin/musig2.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/bitcoin/musig2/sign',
  operationId: 'bitcoinMusig2Sign',
  summary: "Sign a MuSig2 session once: the key's transaction rules judge the PSBT, the session's secret nonce is deleted durably, then the 32-byte partial signature is returned",
  action: 'keys:sign',
  sensitive: ['psbt'],
  schema: {
    params: keyParams,
    body: object(
      {
        session: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'the session id from the nonce call' },
        psbt: { type: 'string', minLength: 1, description: 'base64 PSBT: the same transaction as at nonce time' },
        publicNonces: { type: 'array', minItems: 2, maxItems: MAX_MUSIG2_PARTICIPANTS, items: hex('66-byte public nonce'), description: "every participant's public nonce in publicKeys order, the key's own included" },
        aggregateNonce: hex('66-byte aggregate nonce (BIP327 NonceAgg); instead of publicNonces'),
      },
      ['session', 'psbt'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['session', 'input', 'partialSignature', 'signerIndex'],
        properties: {
          session: { type: 'string' },
          input: { type: 'integer' },
          partialSignature: { type: 'string', description: "the key's 32-byte partial signature, 0x-hex" },
          signerIndex: { type: 'integer' },
        },
      },
    },
  },
  handler: (rc, { params, body }) =>
    bitcoinMusig2Sign(rc.services.ctx, {
      key: params.id,
      session: body.session,
      psbt: body.psbt,
      publicNonces: body.publicNonces,
      aggregateNonce: body.aggregateNonce,
      ...(rc.principal === undefined ? {} : { requester: { subject: rc.principal.subject, accessor: rc.principal.accessor, requestId: rc.request.id, decide: rc.decide } }),
    }),
});
