import { listWallets } from '../../../service/wallets/get-wallet.js';
import { defineWalletRoute } from '../../route.js';
import { pageOf, pageQuery, pageResponse, walletInfo } from '../../schemas.js';

export default defineWalletRoute({
  method: 'GET',
  url: '/v1/wallets',
  operationId: 'listWallets',
  summary: 'List HD wallets, oldest first, one page at a time',
  action: 'wallets:read',
  resource: () => ({ kind: 'wallets' }),
  schema: {
    querystring: pageQuery,
    response: { 200: pageResponse('wallets', walletInfo) },
  },
  handler: ({ services }, { query }) =>
    listWallets(services.ctx, pageOf(query)),
});
