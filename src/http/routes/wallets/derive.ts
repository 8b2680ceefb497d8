import { deriveWalletKey } from '../../../service/wallets/derive-wallet-key.js';
import { defineWalletRoute } from '../../route.js';
import { hdKeyType, hdPath, keyInfo, object, walletParams } from '../../schemas.js';

export default defineWalletRoute({
  method: 'POST',
  url: '/v1/wallets/:id/derive',
  operationId: 'deriveWalletKey',
  summary: 'Derive a key from an HD wallet by path (BIP32 secp256k1, SLIP-10 ed25519); idempotent: the same path returns the same key',
  action: 'wallets:derive',
  schema: {
    params: walletParams,
    body: object({ path: hdPath, type: hdKeyType }, ['path']),
    response: { 200: keyInfo },
  },
  handler: ({ services }, { params, body }) => deriveWalletKey(services.ctx, { wallet: params.id, ...body }),
});
