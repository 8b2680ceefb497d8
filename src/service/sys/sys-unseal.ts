/**
 * Unseal: collect shares until the threshold is met, then let the provider recover the root key
 * and open the keyring. A share that is not one of the set (checked against the commitments in the
 * seal configuration) is refused at once and counts for nothing. A failed reconstruction (possible
 * only without commitments, or with tampered storage) discards all collected shares (the operators
 * start again), so one bad share cannot be combined silently with later good ones.
 */
import { StrongboxError } from '../../protocol/errors.js';
import type { UnsealResponse } from '../../protocol/types.js';
import { UnsealRejectedError } from '../../providers/types.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { readSealConfig } from './seal-config.js';
import { loadAuditKeys } from '../../audit/keys.js';
import { unsealThroughProvider } from './auto-unseal.js';
import { checkInstallBeforeUnseal } from './install-measurement.js';

export interface UnsealParameters {
  /** a Shamir unseal share; omitted on auto-unseal servers */
  share?: string;
}

export async function unseal(
  ctx: Pick<ServiceContext, 'store' | 'barrier' | 'provider' | 'unsealProgress' | 'audit' | 'sealedReason' | 'rewrap' | 'integrity'>,
  params: UnsealParameters,
): Promise<UnsealResponse> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  // Recovery shares unseal nothing: refuse a share on an auto-unseal server whether it is sealed or not.
  if (ctx.provider.autoUnseal && config.type === ctx.provider.type && params.share !== undefined) {
    throw new StrongboxError('AUTO_UNSEAL', `this server unseals through ${ctx.provider.type}; send no share`, { field: 'share' });
  }
  if (!ctx.barrier.sealed) return { sealed: false, progress: 0, threshold: config.threshold };
  if (config.type !== ctx.provider.type) {
    throw new StrongboxError('SEAL_TYPE_MISMATCH', `the data was initialized with seal type ${config.type}; start the server with --seal ${config.type} (or migrate the seal)`);
  }
  if (ctx.provider.autoUnseal) {
    if (params.share !== undefined) throw new StrongboxError('AUTO_UNSEAL', `this server unseals through ${ctx.provider.type}; send no share`, { field: 'share' });
    await unsealThroughProvider(ctx);
    return { sealed: false, progress: 0, threshold: config.threshold };
  }
  if (params.share === undefined) throw new StrongboxError('INVALID_ARGUMENT', 'share is required', { field: 'share' });

  const shares = ctx.unsealProgress.accept(params.share, config);
  if (shares === undefined) return { sealed: true, progress: ctx.unsealProgress.count, threshold: config.threshold };
  const [sealedRootKey, sealedKeyring] = await Promise.all([ctx.store.getSysValue(SYS.sealedRootKey), ctx.store.getSysValue(SYS.sealedKeyring)]);
  if (sealedRootKey === undefined || sealedKeyring === undefined) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'sealed root key or keyring missing from storage');
  let rootKey: Uint8Array;
  try {
    rootKey = await ctx.provider.recover(sealedRootKey, { shares }, config);
  } catch (err) {
    if (err instanceof UnsealRejectedError) throw new StrongboxError('UNSEAL_FAILED', 'the shares given do not reconstruct the unseal key; progress was reset', { field: 'share' });
    throw err;
  } finally {
    for (const s of shares) s.fill(0);
  }
  try {
    // The installation's measurement is audited at every unseal; with --integrity strict an untrusted one stays sealed.
    await checkInstallBeforeUnseal(ctx);
  } catch (err) {
    rootKey.fill(0);
    throw err;
  }
  ctx.barrier.unseal(rootKey, sealedKeyring);
  ctx.audit.keys = await loadAuditKeys(ctx.store, ctx.barrier);
  // A re-wrap interrupted by a crash or a seal resumes once unsealed.
  if ((ctx.barrier.activeTerm ?? 1) > 1) void ctx.rewrap.kick(ctx);
  return { sealed: false, progress: 0, threshold: config.threshold };
}

/** Seal: drop every key from memory at once. Also forgets a partial unseal. */
export function seal(ctx: Pick<ServiceContext, 'barrier' | 'unsealProgress' | 'sealedReason'>): { sealed: true } {
  ctx.unsealProgress.reset();
  ctx.barrier.seal();
  // An auto-unseal server stays sealed after an operator's seal until asked to unseal.
  ctx.sealedReason.value = 'sealed by an operator';
  return { sealed: true };
}
