import { bitcoinNetworks } from '../../../protocol/bitcoin.js';
import { bitcoinSignPsbt } from '../../../service/bitcoin/bitcoin-sign-psbt.js';
import { defineKeyRoute, signOrHold } from '../../route.js';
import { heldTransactionResponse, keyParams, object } from '../../schemas.js';

export default defineKeyRoute({
  method: 'POST',
  url: '/v1/keys/:id/bitcoin/sign-psbt',
  operationId: 'bitcoinSignPsbt',
  summary: "Sign the inputs of a BIP174 PSBT that spend the key's P2WPKH (ECDSA, BIP143) or P2TR key-path (Schnorr, BIP341) outputs; returns the PSBT, not finalized",
  action: 'keys:sign',
  sensitive: ['psbt'],
  schema: {
    params: keyParams,
    body: object(
      {
        psbt: { type: 'string', minLength: 1, description: 'base64 PSBT; every input of the key needs its witnessUtxo. When the key\'s transaction rules compare amounts, include every input\'s nonWitnessUtxo (docs/policies.md, "Bitcoin input amounts")' },
        network: { type: 'string', enum: [...bitcoinNetworks], description: 'default mainnet' },
      },
      ['psbt'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['psbt', 'signedInputs'],
        properties: {
          psbt: { type: 'string', description: 'base64 PSBT with partialSig (P2WPKH) and tapKeySig (P2TR) added' },
          signedInputs: { type: 'array', items: { type: 'integer' }, description: 'indexes of the inputs signed by the key' },
        },
      },
      202: heldTransactionResponse,
    },
  },
  handler: (rc, { params, body }) => signOrHold(rc, (requester) => bitcoinSignPsbt(rc.services.ctx, { key: params.id, psbt: body.psbt, network: body.network, ...(requester === undefined ? {} : { requester }) })),
});
