import { getWallet } from '../../../service/wallets/get-wallet.js';
import { defineWalletRoute } from '../../route.js';
import { walletInfo, walletParams } from '../../schemas.js';

export default defineWalletRoute({
  method: 'GET',
  url: '/v1/wallets/:id',
  operationId: 'getWallet',
  summary: 'HD wallet metadata by id or name (never its mnemonic or seed)',
  action: 'wallets:read',
  schema: { params: walletParams, response: { 200: walletInfo } },
  handler: ({ services }, { params }) => getWallet(services.ctx, { wallet: params.id }),
});
