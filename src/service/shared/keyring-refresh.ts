/**
 * Keeping this node's keyring current when several nodes share one store: another node may rotate
 * the keyring (POST /v1/sys/rotate) at any time. Reads adopt a newer term as soon as they meet an
 * envelope of it (ensureTerm); writes adopt it within KEYRING_REFRESH_MS (refreshKeyring, run by app.ts).
 */
import { readEnvelopeHeader } from '../../keyring/envelope.js';
import type { ServiceContext } from './context.js';
import { SYS } from './context.js';

/** How often a node sharing its storage with others looks for a keyring another node rotated. */
export const KEYRING_REFRESH_MS = 5000;

/**
 * Adopts the stored keyring if another node rotated it (a newer active term); returns whether it did.
 * Run every KEYRING_REFRESH_MS on shared storage, so new writes on every node use the new term within
 * that bound (ensureTerm covers reads at once).
 */
export async function refreshKeyring(ctx: Pick<ServiceContext, 'store' | 'barrier'>): Promise<boolean> {
  if (ctx.barrier.sealed) return false;
  const before = ctx.barrier.activeTerm;
  const sealed = await ctx.store.getSysValue(SYS.sealedKeyring);
  if (sealed === undefined || ctx.barrier.sealed) return false;
  ctx.barrier.reloadKeyring(sealed);
  return ctx.barrier.activeTerm !== before;
}

/** Before opening an envelope: if another node rotated the keyring, load the newer one from storage. */
export async function ensureTerm(ctx: Pick<ServiceContext, 'store' | 'barrier'>, envelope: Uint8Array): Promise<void> {
  let term: number;
  try {
    term = readEnvelopeHeader(envelope).term;
  } catch {
    return; // the decrypt reports the malformed envelope as an integrity failure
  }
  if (ctx.barrier.sealed || ctx.barrier.hasTerm(term)) return;
  const sealed = await ctx.store.getSysValue(SYS.sealedKeyring);
  if (sealed !== undefined) ctx.barrier.reloadKeyring(sealed);
}
