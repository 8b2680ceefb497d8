/**
 * Rekey: new unseal shares (new N and M) authorized by a quorum of the current ones. Shamir: the
 * quorum recovers the root key, which is sealed again under a fresh unseal key split N'/M'. HSM/KMS:
 * the recovery shares are replaced the same way (the root key itself stays with the HSM/KMS).
 * Nothing else is re-encrypted. The old shares stop working at the moment the new ones are stored,
 * together with commitments to the new shares (so each new share is checked when submitted).
 * An attempt in progress is never replaced by a new one; only its nonce or a share cancels it.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { commitShares, createShamirProvider, MAX_SHARES } from '../../providers/shamir/index.js';
import { UnsealRejectedError, type SealConfig } from '../../providers/types.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { encodeSealConfig, readSealConfig } from './seal-config.js';
import { RECOVERY_CHECK } from './sys-init.js';
import { assertMayCancel, assertNoAttempt, nonceMatches, type CancelParameters } from '../shared/unseal-progress.js';

export async function startRekey(ctx: Pick<ServiceContext, 'store' | 'rekey'>, params: { shares: number; threshold: number }): Promise<{ nonce: string; progress: number; threshold: number; newShares: number; newThreshold: number }> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (!Number.isInteger(params.shares) || params.shares < 1 || params.shares > MAX_SHARES) throw new StrongboxError('INVALID_ARGUMENT', `shares must be an integer from 1 to ${MAX_SHARES}`, { field: 'shares' });
  if (!Number.isInteger(params.threshold) || params.threshold < 1 || params.threshold > params.shares) throw new StrongboxError('INVALID_ARGUMENT', 'threshold must be an integer from 1 to shares', { field: 'threshold' });
  assertNoAttempt(ctx.rekey, 'rekey');
  ctx.rekey.reset();
  ctx.rekey.nonce = Buffer.from(randomBytes(16)).toString('hex');
  ctx.rekey.target = { shares: params.shares, threshold: params.threshold };
  return { nonce: ctx.rekey.nonce, progress: 0, threshold: config.threshold, newShares: params.shares, newThreshold: params.threshold };
}

/** Cancels the attempt in progress; needs its nonce or one current share. */
export async function cancelRekey(ctx: Pick<ServiceContext, 'store' | 'rekey'>, params: CancelParameters): Promise<{ started: false }> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (assertMayCancel(ctx.rekey, params, config, 'REKEY_NOT_STARTED')) ctx.rekey.reset();
  return { started: false };
}

export async function updateRekey(
  ctx: Pick<ServiceContext, 'store' | 'provider' | 'rekey'>,
  params: { nonce: string; share: string },
): Promise<{ progress: number; threshold: number; complete: boolean; shares?: `0x${string}`[]; sharesKind?: 'unseal' | 'recovery' }> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  const state = ctx.rekey;
  if (state.target === undefined || !nonceMatches(state.nonce, params.nonce)) {
    throw new StrongboxError('REKEY_NOT_STARTED', 'no rekey attempt with that nonce; start one first', { field: 'nonce' });
  }
  const shares = state.progress.accept(params.share, config);
  if (shares === undefined) return { progress: state.progress.count, threshold: config.threshold, complete: false };
  const auto = ctx.provider.autoUnseal;
  const shamir = createShamirProvider();
  const sealedName = auto ? SYS.sealedRecoveryCheck : SYS.sealedRootKey;
  const sealed = await ctx.store.getSysValue(sealedName);
  if (sealed === undefined) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'sealed root key or recovery check missing from storage');
  const newConfig: SealConfig = { type: config.type, ...state.target };
  let secret: Uint8Array;
  try {
    secret = await (auto ? shamir : ctx.provider).recover(sealed, { shares }, config);
  } catch (err) {
    if (err instanceof UnsealRejectedError) throw new StrongboxError('UNSEAL_FAILED', 'the shares given do not reconstruct the current key; progress was reset', { field: 'share' });
    throw err;
  } finally {
    wipe(...shares);
  }
  try {
    // Re-seal what the quorum protects (the root key, or the recovery check) under new shares.
    const next = await shamir.protect(auto ? RECOVERY_CHECK.slice() : secret, newConfig);
    await ctx.store.putSysValues({ [sealedName]: next.sealedRootKey, [SYS.sealConfig]: encodeSealConfig({ ...newConfig, commitments: commitShares(next.shares) }) });
    state.reset();
    const out = { progress: config.threshold, threshold: newConfig.threshold, complete: true, shares: next.shares.map(toHex), sharesKind: auto ? ('recovery' as const) : ('unseal' as const) };
    wipe(...next.shares);
    return out;
  } finally {
    wipe(secret);
  }
}
