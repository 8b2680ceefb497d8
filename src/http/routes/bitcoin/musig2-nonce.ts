import { bitcoinNetworks } from '../../../protocol/bitcoin.js';
import { MAX_MUSIG2_PARTICIPANTS, musig2Tweaks } from '../../../chains/bitcoin/musig2.js';
import { bitcoinMusig2Nonce } from '../../../service/bitcoin/bitcoin-musig2.js';
import { defineKeyRoute } from '../../route.js';
import { hex, keyParams, MAX_INT32, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/bitcoin/musig2/nonce',
  operationId: 'bitcoinMusig2Nonce',
  summary: "Open a MuSig2 (BIP327) signing session for one Taproot key-path input whose output is the aggregate of publicKeys (the key's among them): returns the key's public nonce and the session id",
  action: 'keys:sign',
  sensitive: ['psbt'],
  schema: {
    params: keyParams,
    body: object(
      {
        psbt: { type: 'string', minLength: 1, description: "base64 PSBT; every input needs its witnessUtxo (BIP341 commits to every spent output)" },
        input: { type: 'integer', minimum: 0, maximum: MAX_INT32, description: "index of the input that spends the aggregate key's P2TR output" },
        publicKeys: { type: 'array', minItems: 2, maxItems: MAX_MUSIG2_PARTICIPANTS, items: hex('33-byte compressed secp256k1 public key'), description: "every participant's public key, the key's own included" },
        sortKeys: { type: 'boolean', description: 'KeySort the keys before aggregating (default true); false aggregates them in the order given' },
        tweak: { type: 'string', enum: [...musig2Tweaks], description: 'bip86 (default): output key = aggregate tweaked with hash_TapTweak(P), no script tree; none: the aggregate itself' },
        network: { type: 'string', enum: [...bitcoinNetworks], description: 'default mainnet; the transaction rules see addresses on it' },
      },
      ['psbt', 'input', 'publicKeys'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['session', 'publicNonce', 'input', 'publicKeys', 'signerIndex', 'aggregateKey', 'outputKey', 'expiresAt'],
        properties: {
          session: { type: 'string', description: 'session id; signs once' },
          publicNonce: { type: 'string', description: "the key's 66-byte public nonce, 0x-hex" },
          input: { type: 'integer' },
          publicKeys: { type: 'array', items: { type: 'string' }, description: 'the keys in aggregation order (the order of publicNonces)' },
          signerIndex: { type: 'integer', description: "the key's index in publicKeys" },
          aggregateKey: { type: 'string', description: 'x-only aggregate key (the Taproot internal key), 0x-hex' },
          outputKey: { type: 'string', description: 'x-only output key the final signature verifies under, 0x-hex' },
          expiresAt: { type: 'string', description: 'the session is gone after this time' },
        },
      },
    },
  },
  handler: (rc, { params, body }) =>
    bitcoinMusig2Nonce(rc.services.ctx, { key: params.id, psbt: body.psbt, input: body.input, publicKeys: body.publicKeys, sortKeys: body.sortKeys, tweak: body.tweak, network: body.network }),
});
