/**
 * /v1/wallets/{id}/transaction-rules: rules for every key derived from the wallet that has no rules
 * of its own; their 24-hour limit is shared by all those keys. Same document as a key's rules.
 */
import { deleteWalletTransactionRules, getWalletTransactionRules, putWalletTransactionRules } from '../../../service/approvals/transaction-rules.js';
import { defineWalletRoute } from '../../route.js';
import { walletParams } from '../../schemas.js';
import { transactionRulesSchema } from './key-rules.js';

const view = { type: 'object', required: ['walletId', 'rules', 'updatedAt'], properties: { walletId: { type: 'string' }, rules: { type: 'object', additionalProperties: true }, updatedAt: { type: 'string' } } };

export const walletsTransactionRulesPut = defineWalletRoute({
  method: 'PUT',
  url: '/v1/wallets/:id/transaction-rules',
  operationId: 'putWalletTransactionRules',
  summary: "Set (replace) the transaction rules of every key derived from this wallet that has no rules of its own",
  action: 'wallets:rules:write',
  schema: { params: walletParams, body: transactionRulesSchema, response: { 200: view } },
  handler: ({ services }, { params, body }) => putWalletTransactionRules(services.ctx, { wallet: params.id, rules: body }),
});

export const walletsTransactionRulesGet = defineWalletRoute({
  method: 'GET',
  url: '/v1/wallets/:id/transaction-rules',
  operationId: 'getWalletTransactionRules',
  summary: "Read the wallet's transaction rules",
  action: 'wallets:rules:read',
  schema: { params: walletParams, response: { 200: view } },
  handler: ({ services }, { params }) => getWalletTransactionRules(services.ctx, { wallet: params.id }),
});

export const walletsTransactionRulesDelete = defineWalletRoute({
  method: 'DELETE',
  url: '/v1/wallets/:id/transaction-rules',
  operationId: 'deleteWalletTransactionRules',
  summary: "Remove the wallet's transaction rules",
  action: 'wallets:rules:write',
  schema: { params: walletParams, response: { 200: { type: 'object', required: ['walletId', 'deleted'], properties: { walletId: { type: 'string' }, deleted: { type: 'boolean' } } } } },
  handler: ({ services }, { params }) => deleteWalletTransactionRules(services.ctx, { wallet: params.id }),
});
