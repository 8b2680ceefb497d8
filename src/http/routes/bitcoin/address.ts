import { bitcoinAddressTypes, bitcoinNetworks } from '../../../protocol/bitcoin.js';
import { bitcoinAddress } from '../../../service/bitcoin/bitcoin-address.js';
import { defineKeyRoute } from '../../route.js';
import { keyParams, object } from '../../schemas.js';

const network = { type: 'string', enum: [...bitcoinNetworks], description: 'default mainnet; testnet covers testnet3, testnet4 and signet (tb)' };
const type = { type: 'string', enum: [...bitcoinAddressTypes], description: 'p2wpkh (bech32, default) or p2tr (bech32m, BIP86 key path without a script tree)' };

export default defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id/bitcoin/address',
  operationId: 'bitcoinAddress',
  summary: 'Bitcoin address of a secp256k1 key: P2WPKH or P2TR (BIP86 key path) on mainnet, testnet or regtest',
  action: 'keys:read',
  schema: {
    params: keyParams,
    querystring: object({ network, type }),
    response: {
      200: {
        type: 'object',
        required: ['address', 'type', 'network', 'scriptPubKey'],
        properties: {
          address: { type: 'string' },
          type,
          network,
          scriptPubKey: { type: 'string', description: '0x-hex output script' },
        },
      },
    },
  },
  handler: ({ services }, { params, query }) => bitcoinAddress(services.ctx, { key: params.id, network: query.network, type: query.type }),
});
