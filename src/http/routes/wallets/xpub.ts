import { walletXpub } from '../../../service/wallets/wallet-xpub.js';
import { defineWalletRoute } from '../../route.js';
import { hdKeyType, hdPath, hex, object, walletParams } from '../../schemas.js';

export default defineWalletRoute({
  method: 'GET',
  url: '/v1/wallets/:id/xpub',
  operationId: 'getWalletXpub',
  summary: 'The BIP32 extended public key at a path (secp256k1), or the ed25519 public key and Solana address (SLIP-10)',
  action: 'wallets:read',
  schema: {
    params: walletParams,
    querystring: object({ path: { ...hdPath, description: `${hdPath.description as string} (default m)` }, type: hdKeyType }),
    response: {
      200: {
        type: 'object',
        required: ['path', 'type', 'publicKey'],
        properties: {
          path: { type: 'string', description: 'canonical path' },
          type: { type: 'string', enum: ['secp256k1', 'ed25519'] },
          xpub: { type: 'string', description: 'secp256k1: BIP32 extended public key (mainnet xpub version bytes)' },
          publicKey: hex('compressed SEC1 point (secp256k1) or 32-byte public key (ed25519)'),
          solanaAddress: { type: 'string', description: 'ed25519: base58 Solana address' },
        },
      },
    },
  },
  handler: ({ services }, { params, query }) => walletXpub(services.ctx, { wallet: params.id, ...query }),
});
