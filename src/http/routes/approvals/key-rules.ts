/**
 * /v1/keys/{id}/transaction-rules: PUT replaces the key's transaction rules (validated strictly),
 * GET reads them, DELETE removes them (the key then signs as a key without rules).
 */
import { deleteTransactionRules, getTransactionRules, putTransactionRules } from '../../../service/approvals/transaction-rules.js';
import { defineKeyRoute, type RouteContext } from '../../route.js';
import { authorize } from '../../../service/access/authorize.js';
import { walletResource } from '../../../service/shared/resolve-wallet.js';
import type { ServiceKey } from '../../../service/shared/resolve-key.js';

/**
 * A derived key's own rules replace its wallet's (and leave the wallet-wide limit), so changing them
 * also needs `wallets:rules:write` on the wallet: `keys:rules:write` on one key must not lift the
 * limits someone set for the whole wallet.
 */
async function assertMayOverrideWallet({ services, principal, request }: RouteContext, key: ServiceKey | string): Promise<void> {
  // A string: the key was not found; the service answers KEY_NOT_FOUND.
  if (typeof key === 'string' || key.wallet === null || principal === undefined) return;
  const { resource } = await walletResource(services.ctx, key.wallet);
  await authorize(services.ctx, principal, 'wallets:rules:write', resource, request.ip);
}
import { keyParams } from '../../schemas.js';

const amount = (description: string) => ({ anyOf: [{ type: 'string' }, { type: 'integer' }], description: `${description}: a non-negative integer in the chain's smallest unit (wei), as a decimal string` });
const list = (description: string) => ({ type: 'array', items: { type: 'string' }, description });

/** The JSON shape; the service checks every value (ranges, addresses, selectors) and names the field. */
export const transactionRulesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  description: 'transaction rules, version 1 (docs/policies.md, "Transaction rules")',
  properties: {
    version: { type: 'integer', description: 'must be 1' },
    allowedNetworks: { type: 'object', description: 'chain (ethereum, bitcoin, solana) → allowed networks (ethereum: chain ids as decimal strings); other chains refused' },
    destinations: { type: 'object', description: '{allow?: [address], deny?: [address]}; Ethereum addresses compare case-insensitively; ERC-20 transfer/approve recipients count' },
    maxValuePerTransaction: amount('maximum native value plus network fee of one transaction'),
    maxFeePerTransaction: amount('maximum network fee of one transaction (the most it can pay: gas × max fee per gas, PSBT inputs − outputs, Solana base + priority fee)'),
    dailyLimit: amount('rolling 24-hour native spending limit of the key: values plus fees'),
    allowedSelectors: list('allowed 4-byte contract method selectors (0x + 8 hex digits); contract creations refused'),
    timeWindows: { type: 'array', items: { type: 'object' }, description: '[{days?: [mon..sun], start: "HH:MM", end: "HH:MM"}] (UTC); signing only inside one' },
    approval: { type: 'object', description: '{required: M, approvers: {subjects?: [subject], policy?: name}, aboveValue?: amount (value plus fee), expiresAfterSeconds?: 60 to 2592000 seconds (default 86400), or a duration such as "24h" or "7d", delegations?: true (hold every EIP-7702 delegation change), validatorRequests?: true (hold every EIP-7002/7251 request)}' },
    tokenLimits: {
      type: 'array',
      items: { type: 'object' },
      description:
        '[{chain: ethereum|solana, chainId (ethereum), token: ERC-20 contract or SPL mint, maxPerTransaction?: amount, dailyLimit?: amount (rolling 24 h)}] in the token\'s base units; ERC-20 transfer/transferFrom/approve/increaseAllowance, permits and SPL Transfer/TransferChecked/Approve/ApproveChecked count; with tokenLimits set, tokens it does not list are refused',
    },
    maxTransactions: { type: 'object', description: '{count: 1-1000000000, windowSeconds: 1-2592000}: at most count signatures judged by the rules per rolling window, every chain and route' },
    forbidBlindSigning: { type: 'boolean', description: 'refuse signing what the rules cannot read: POST /v1/keys/{id}/sign (digest or message), AWS Sign (RAW or DIGEST), EIP-191 messages that are not readable text (32 bytes, binary, control characters), typed data and user operations the rules cannot read; readable EIP-191 text and the judged chain routes still sign' },
    allowedDelegates: list('EIP-7702: delegate (code) addresses the key\'s account may be pointed at; absent: a key with rules signs no delegation; clearing (0x0…0) is always allowed'),
    allowChainIdZeroAuthorizations: { type: 'boolean', description: 'EIP-7702: sign authorizations with chainId 0 (valid on every chain); default false' },
    allowedValidatorRequests: list('EIP-7002/7251 requests the key may send: withdrawal, consolidation; absent: none'),
  },
};

const view = { type: 'object', required: ['keyId', 'rules', 'updatedAt'], properties: { keyId: { type: 'string' }, rules: { type: 'object', additionalProperties: true }, updatedAt: { type: 'string' } } };

export const keysTransactionRulesPut = defineKeyRoute({
  method: 'PUT',
  url: '/v1/keys/:id/transaction-rules',
  operationId: 'putTransactionRules',
  summary: 'Set (replace) the transaction rules checked before this key signs any transaction',
  action: 'keys:rules:write',
  schema: { params: keyParams, body: transactionRulesSchema, response: { 200: view } },
  handler: async (rc, { params, body }) => {
    await assertMayOverrideWallet(rc, params.id as ServiceKey | string);
    return putTransactionRules(rc.services.ctx, { key: params.id, rules: body });
  },
});

export const keysTransactionRulesGet = defineKeyRoute({
  method: 'GET',
  url: '/v1/keys/:id/transaction-rules',
  operationId: 'getTransactionRules',
  summary: 'Read the key\'s transaction rules',
  action: 'keys:rules:read',
  schema: { params: keyParams, response: { 200: view } },
  handler: ({ services }, { params }) => getTransactionRules(services.ctx, { key: params.id }),
});

export const keysTransactionRulesDelete = defineKeyRoute({
  method: 'DELETE',
  url: '/v1/keys/:id/transaction-rules',
  operationId: 'deleteTransactionRules',
  summary: 'Remove the key\'s transaction rules',
  action: 'keys:rules:write',
  schema: { params: keyParams, response: { 200: { type: 'object', required: ['keyId', 'deleted'], properties: { keyId: { type: 'string' }, deleted: { type: 'boolean' } } } } },
  handler: async (rc, { params }) => {
    await assertMayOverrideWallet(rc, params.id as ServiceKey | string);
    return deleteTransactionRules(rc.services.ctx, { key: params.id });
  },
});
