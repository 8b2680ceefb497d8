import { bitcoinMultisigTypes, bitcoinNetworks, MAX_DESCRIPTOR_LENGTH } from '../../../protocol/bitcoin.js';
import { MAX_MULTISIG_ADDRESSES, walletBitcoinMultisig } from '../../../service/wallets/wallet-bitcoin-multisig.js';
import { defineWalletRoute } from '../../route.js';
import { hex, MAX_INT32, object, walletParams } from '../../schemas.js';

const walletKey = {
  type: 'object',
  required: ['position', 'path', 'publicKey', 'keyId'],
  properties: {
    position: { type: 'integer', description: "0-based position in the descriptor's multisig; -1: tr()'s internal key" },
    path: { type: 'string', description: "the wallet path of the wallet's key at this index (derive it with POST /v1/wallets/{id}/derive)" },
    publicKey: hex('compressed (wsh) public key at this index'),
    keyId: { type: ['string', 'null'], description: 'the derived key at that path, or null when not derived yet' },
  },
};

export default defineWalletRoute({
  method: 'POST',
  url: '/v1/wallets/:id/bitcoin/multisig',
  operationId: 'walletBitcoinMultisig',
  summary: 'Addresses of a multisig descriptor (BIP380 wsh(sortedmulti(…)), tr(KEY,multi_a(…)) or tr(KEY,sortedmulti_a(…)), checksum required) in which the wallet is a participant; nothing is stored',
  action: 'wallets:read',
  schema: {
    params: walletParams,
    body: object(
      {
        descriptor: { type: 'string', minLength: 1, maxLength: MAX_DESCRIPTOR_LENGTH, description: "BIP380 descriptor with #checksum; the wallet's own key expressions carry their origin [fingerprint/path]" },
        network: { type: 'string', enum: [...bitcoinNetworks], description: 'default mainnet' },
        from: { type: 'integer', minimum: 0, maximum: MAX_INT32, description: 'first address index (default 0)' },
        count: { type: 'integer', minimum: 1, maximum: MAX_MULTISIG_ADDRESSES, description: `number of addresses (default 1, at most ${MAX_MULTISIG_ADDRESSES}); a descriptor without /* has one` },
      },
      ['descriptor'],
    ),
    response: {
      200: {
        type: 'object',
        required: ['descriptor', 'type', 'threshold', 'participants', 'network', 'ranged', 'walletKeys', 'addresses'],
        properties: {
          descriptor: { type: 'string' },
          type: { type: 'string', enum: [...bitcoinMultisigTypes] },
          threshold: { type: 'integer' },
          participants: { type: 'integer' },
          network: { type: 'string', enum: [...bitcoinNetworks] },
          ranged: { type: 'boolean', description: 'whether a key ends in /* (one address per index)' },
          walletKeys: {
            type: 'array',
            items: { type: 'object', required: ['position', 'originPath'], properties: { position: { type: 'integer' }, originPath: { type: 'string' } } },
            description: "the descriptor's key expressions that are this wallet's",
          },
          addresses: {
            type: 'array',
            items: {
              type: 'object',
              required: ['index', 'address', 'scriptPubKey', 'walletKeys'],
              properties: {
                index: { type: 'integer' },
                address: { type: 'string' },
                scriptPubKey: hex('output script'),
                witnessScript: hex('wsh: the witnessScript for PSBT_IN_WITNESS_SCRIPT'),
                internalKey: hex('tr: x-only internal key'),
                leafScript: hex('tr: the multi_a leaf script (leaf version 0xc0)'),
                controlBlock: hex('tr: the control block for PSBT_IN_TAP_LEAF_SCRIPT'),
                walletKeys: { type: 'array', items: walletKey },
              },
            },
          },
        },
      },
    },
  },
  handler: ({ services }, { params, body }) => walletBitcoinMultisig(services.ctx, { wallet: params.id, ...body }),
});
