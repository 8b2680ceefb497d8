/**
 * GET /v1/sys/health: initialization and seal state, and the progress of the share ceremonies running
 * on this node (counts only, as Vault's seal-status: custodians on other machines watch it). Never a
 * nonce (it cancels an attempt) or anything about the shares themselves. Unauthenticated.
 */
import type { HealthResponse } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { readSealConfig } from './seal-config.js';

export async function getHealth(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'version' | 'provider' | 'sealedReason' | 'unsealProgress' | 'generateRoot' | 'rekey'>): Promise<HealthResponse> {
  const config = await readSealConfig(ctx);
  const out: HealthResponse = { initialized: config !== undefined, sealed: ctx.barrier.sealed, version: ctx.version, sealType: config?.type ?? ctx.provider.type };
  if (ctx.barrier.sealed && config !== undefined) out.sealedReason = ctx.sealedReason.value ?? (ctx.provider.autoUnseal ? 'not unsealed yet' : 'waiting for unseal shares');
  if (config === undefined) return out;
  if (ctx.barrier.sealed && !ctx.provider.autoUnseal) {
    out.progress = ctx.unsealProgress.count;
    out.threshold = config.threshold;
  }
  if (ctx.generateRoot.nonce !== undefined) out.generateRoot = { progress: ctx.generateRoot.progress.count, threshold: config.threshold };
  const target = ctx.rekey.target;
  if (ctx.rekey.nonce !== undefined && target !== undefined) out.rekey = { progress: ctx.rekey.progress.count, threshold: config.threshold, newShares: target.shares, newThreshold: target.threshold };
  return out;
}
