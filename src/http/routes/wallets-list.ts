import { listWallets } from '../../service/get-wallet.js';
import { defineWalletRoute } from '../route.js';
import { object, walletInfo } from '../schemas.js';

export default defineWalletRoute({
  method: 'GET',
  url: '/v1/wallets',
  operationId: 'listWallets',
  summary: 'List HD wallets, oldest first, one page at a time',
  action: 'wallets:read',
  resource: () => ({ kind: 'wallets' }),
  schema: {
    querystring: object({
      limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'page size, 1-1000 (default 100)' },
      cursor: { type: 'string', maxLength: 32, description: 'nextCursor from the previous page' },
    }),
    response: {
      200: {
        type: 'object',
        required: ['wallets', 'nextCursor'],
        properties: { wallets: { type: 'array', items: walletInfo }, nextCursor: { type: ['string', 'null'] } },
      },
    },
  },
  handler: ({ services }, { query }) =>
    listWallets(services.ctx, {
      ...(query.limit === undefined ? {} : { limit: Number(query.limit) }),
      ...(query.cursor === undefined ? {} : { after: query.cursor }),
    }),
});
