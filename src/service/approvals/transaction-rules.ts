/**
 * Transaction rules of a key: set (PUT, validated strictly), read and delete. Stored per scope
 * ('key', keyId) so wallet-level rules ('wallet', walletId) can be added beside them.
 * A key without rules signs exactly as before rules existed.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { parseTransactionRules, transactionRulesToJson, type TransactionRules } from '../../policy/transaction-rules.js';
import type { KeyRecord, RulesScope } from '../../storage/types.js';
import type { ServiceContext } from '../shared/context.js';
import { resolveKey, type KeyRef } from '../shared/resolve-key.js';
import { resolveWallet, type WalletRef } from '../shared/resolve-wallet.js';
import { loadTransactionRules } from '../shared/transaction-guard.js';

export interface TransactionRulesView {
  keyId: string;
  rules: Record<string, unknown>;
  updatedAt: string;
}

export async function putTransactionRules(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { key: KeyRef; rules: unknown }): Promise<TransactionRulesView> {
  const record: KeyRecord = await resolveKey(ctx, params.key);
  const rules = parseTransactionRules(params.rules);
  const json = transactionRulesToJson(rules);
  const updatedAt = ctx.now().toISOString();
  await ctx.store.putTransactionRules({ scope: 'key', scopeId: record.id, document: JSON.stringify(json), updatedAt });
  return { keyId: record.id, rules: json, updatedAt };
}

export async function getTransactionRules(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<TransactionRulesView> {
  const record = await resolveKey(ctx, params.key);
  const rec = await ctx.store.getTransactionRules('key', record.id);
  if (rec === undefined) throw new StrongboxError('TRANSACTION_RULES_NOT_FOUND', `key ${record.id} has no transaction rules`);
  return { keyId: record.id, rules: JSON.parse(rec.document) as Record<string, unknown>, updatedAt: rec.updatedAt };
}

export async function deleteTransactionRules(ctx: Pick<ServiceContext, 'store'>, params: { key: KeyRef }): Promise<{ keyId: string; deleted: true }> {
  const record = await resolveKey(ctx, params.key);
  if (!(await ctx.store.deleteTransactionRules('key', record.id))) throw new StrongboxError('TRANSACTION_RULES_NOT_FOUND', `key ${record.id} has no transaction rules`);
  return { keyId: record.id, deleted: true };
}

export interface WalletTransactionRulesView {
  walletId: string;
  rules: Record<string, unknown>;
  updatedAt: string;
}

/** Rules for every key derived from the wallet that has no rules of its own (its limits are wallet-wide). */
export async function putWalletTransactionRules(ctx: Pick<ServiceContext, 'store' | 'now'>, params: { wallet: WalletRef; rules: unknown }): Promise<WalletTransactionRulesView> {
  const wallet = await resolveWallet(ctx, params.wallet);
  const json = transactionRulesToJson(parseTransactionRules(params.rules));
  const updatedAt = ctx.now().toISOString();
  await ctx.store.putTransactionRules({ scope: 'wallet', scopeId: wallet.id, document: JSON.stringify(json), updatedAt });
  return { walletId: wallet.id, rules: json, updatedAt };
}

export async function getWalletTransactionRules(ctx: Pick<ServiceContext, 'store'>, params: { wallet: WalletRef }): Promise<WalletTransactionRulesView> {
  const wallet = await resolveWallet(ctx, params.wallet);
  const rec = await ctx.store.getTransactionRules('wallet', wallet.id);
  if (rec === undefined) throw new StrongboxError('TRANSACTION_RULES_NOT_FOUND', `wallet ${wallet.id} has no transaction rules`);
  return { walletId: wallet.id, rules: JSON.parse(rec.document) as Record<string, unknown>, updatedAt: rec.updatedAt };
}

export async function deleteWalletTransactionRules(ctx: Pick<ServiceContext, 'store'>, params: { wallet: WalletRef }): Promise<{ walletId: string; deleted: true }> {
  const wallet = await resolveWallet(ctx, params.wallet);
  if (!(await ctx.store.deleteTransactionRules('wallet', wallet.id))) throw new StrongboxError('TRANSACTION_RULES_NOT_FOUND', `wallet ${wallet.id} has no transaction rules`);
  return { walletId: wallet.id, deleted: true };
}
