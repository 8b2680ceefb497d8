/** GET /v1/sys/health: initialization and seal state. Unauthenticated; reveals nothing secret. */
import type { HealthResponse } from '../protocol/types.js';
import type { ServiceContext } from './context.js';
import { readSealConfig } from './seal-config.js';

export async function getHealth(ctx: Pick<ServiceContext, 'store' | 'barrier' | 'version'>): Promise<HealthResponse> {
  const config = await readSealConfig(ctx);
  return { initialized: config !== undefined, sealed: ctx.barrier.sealed, version: ctx.version, sealType: config?.type ?? null };
}
