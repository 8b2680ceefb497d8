import { createWallet } from '../../../service/wallets/create-wallet.js';
import { defineWalletRoute } from '../../route.js';
import { keyName, object, walletInfo } from '../../schemas.js';

export default defineWalletRoute({
  method: 'POST',
  url: '/v1/wallets',
  operationId: 'createWallet',
  summary: 'Create an HD wallet from a fresh BIP39 mnemonic, or import one; only the seed is kept, sealed (durable before 201)',
  successStatus: 201,
  action: 'wallets:create',
  resource: (_ctx, { body }) => ({ kind: 'wallets', ...(typeof body.name === 'string' ? { name: body.name } : {}) }),
  sensitive: ['mnemonic', 'passphrase'],
  schema: {
    body: object({
      name: keyName,
      mnemonic: { type: 'string', maxLength: 1024, description: 'import: an English BIP39 mnemonic (12-24 words); omitted: a fresh one is generated' },
      passphrase: { type: 'string', maxLength: 1024, description: 'optional BIP39 passphrase' },
      strength: { type: 'integer', enum: [128, 160, 192, 224, 256], description: 'bits of entropy of a generated mnemonic (default 256: 24 words)' },
      revealMnemonic: { type: 'boolean', description: 'return the generated mnemonic in this response, the only time it can be seen (default false)' },
    }),
    response: { 201: walletInfo },
  },
  handler: ({ services }, { body }) => createWallet(services.ctx, body),
});
