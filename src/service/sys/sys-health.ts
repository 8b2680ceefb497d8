/** GET /v1/sys/health: initialization and seal state. Unauthenticated; reveals nothing secret. */
import type { HealthResponse } from '../../protocol/types.js';
import type { ServiceContext } from '../shared/context.js';
import { readSealConfig } from './seal-config.js';

export async function getHealth(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'version' | 'provider' | 'sealedReason'>): Promise<HealthResponse> {
  const config = await readSealConfig(ctx);
  const out: HealthResponse = { initialized: config !== undefined, sealed: ctx.barrier.sealed, version: ctx.version, sealType: config?.type ?? ctx.provider.type };
  if (ctx.barrier.sealed && config !== undefined) out.sealedReason = ctx.sealedReason.value ?? (ctx.provider.autoUnseal ? 'not unsealed yet' : 'waiting for unseal shares');
  return out;
}
