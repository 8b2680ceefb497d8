/** Reads the seal configuration written at init (not secret: provider type and share counts). */
import type { SealConfig } from '../../providers/types.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';

export async function readSealConfig(ctx: Pick<ServiceContext, 'store'>): Promise<SealConfig | undefined> {
  const raw = await ctx.store.getSysValue(SYS.sealConfig);
  return raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as SealConfig);
}

export function encodeSealConfig(config: SealConfig): Uint8Array {
  return Buffer.from(JSON.stringify(config), 'utf8');
}
