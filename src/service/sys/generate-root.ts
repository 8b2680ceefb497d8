/**
 * generate-root: mint a new root token from a quorum of unseal shares (e.g. after the original was
 * revoked). The operator who starts the attempt receives a one-time pad; the token is returned only
 * XOR-ed with it, so whoever submits the last share cannot read the token (Vault's OTP scheme).
 * An attempt in progress is never replaced by a new one; only its nonce or a share cancels it.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { constantTimeEqual } from '../../crypto/compare.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { createShamirProvider } from '../../providers/shamir/index.js';
import { UnsealRejectedError } from '../../providers/types.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { mintRootToken } from './root-token.js';
import { readSealConfig } from './seal-config.js';
import { assertMayCancel, assertNoAttempt, nonceMatches, UnsealProgress, type CancelParameters } from '../shared/unseal-progress.js';

/** Root tokens are "sbt." + 43 base64url characters. */
export const ROOT_TOKEN_LENGTH = 47;

export function xorEncode(token: string, otp: Uint8Array): string {
  const t = Buffer.from(token, 'utf8');
  if (t.length !== otp.length) throw new StrongboxError('INTERNAL', 'token and one-time pad lengths differ');
  return Buffer.from(t.map((b, i) => b ^ otp[i]!)).toString('base64url');
}

export function xorDecode(encoded: string, otpB64: string): string {
  const e = Buffer.from(encoded, 'base64url');
  const otp = Buffer.from(otpB64, 'base64url');
  return Buffer.from(e.map((b, i) => b ^ (otp[i] ?? 0))).toString('utf8');
}

export async function startGenerateRoot(ctx: Pick<ServiceContext, 'store' | 'generateRoot'>): Promise<{ nonce: string; otp: string; threshold: number; progress: number }> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  assertNoAttempt(ctx.generateRoot, 'root-token generation');
  ctx.generateRoot.reset();
  ctx.generateRoot.nonce = Buffer.from(randomBytes(16)).toString('hex');
  ctx.generateRoot.otp = randomBytes(ROOT_TOKEN_LENGTH);
  return { nonce: ctx.generateRoot.nonce, otp: Buffer.from(ctx.generateRoot.otp).toString('base64url'), threshold: config.threshold, progress: 0 };
}

/** Cancels the attempt in progress; needs its nonce or one share of the set (unseal or recovery shares). */
export async function cancelGenerateRoot(ctx: Pick<ServiceContext, 'store' | 'generateRoot'>, params: CancelParameters): Promise<{ started: false }> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (assertMayCancel(ctx.generateRoot, params, config, 'GENERATE_ROOT_NOT_STARTED')) ctx.generateRoot.reset();
  return { started: false };
}

export async function updateGenerateRoot(
  ctx: Pick<ServiceContext, 'store' | 'provider' | 'generateRoot' | 'now'>,
  params: { nonce: string; share: string },
): Promise<{ progress: number; threshold: number; complete: boolean; encodedToken?: string }> {
  const state = ctx.generateRoot;
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (state.otp === undefined || !nonceMatches(state.nonce, params.nonce)) {
    throw new StrongboxError('GENERATE_ROOT_NOT_STARTED', 'start an attempt first, and pass its nonce', { field: 'nonce' });
  }
  const shares = state.progress.accept(params.share, config);
  if (shares === undefined) return { progress: state.progress.count, threshold: config.threshold, complete: false };
  // Shamir: the quorum is proven by recovering the root key (wiped at once). HSM/KMS: by opening the
  // recovery check value with the recovery shares.
  const auto = ctx.provider.autoUnseal;
  const sealed = await ctx.store.getSysValue(auto ? SYS.sealedRecoveryCheck : SYS.sealedRootKey);
  if (sealed === undefined) throw new StrongboxError('INTEGRITY_CHECK_FAILED', 'sealed root key or recovery check missing from storage');
  try {
    wipe(await (auto ? createShamirProvider() : ctx.provider).recover(sealed, { shares }, config));
  } catch (err) {
    if (err instanceof UnsealRejectedError) throw new StrongboxError('UNSEAL_FAILED', 'the shares given do not reconstruct the unseal key; progress was reset', { field: 'share' });
    throw err;
  } finally {
    wipe(...shares);
  }
  const { token } = await mintRootToken(ctx);
  const encodedToken = xorEncode(token, state.otp);
  state.reset();
  return { progress: config.threshold, threshold: config.threshold, complete: true, encodedToken };
}
