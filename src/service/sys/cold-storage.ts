/**
 * The cold-storage ceremony (HSM seals). Three steps, each authorized by a quorum:
 *  1. escrow — with M recovery shares, the root key (recovered through the HSM) is sealed under a
 *     fresh escrow key split N/M among custodians (stored: the sealed escrow; shown once: the shares);
 *  2. cold — with a token allowed `sys:cold`, and only once an escrow exists: seal, then destroy the
 *     HSM wrapping key. From then on nobody — not the operators, not the HSM — can use any key;
 *  3. restore-hsm — with M escrow shares: the root key is recovered from the escrow, proven by opening
 *     the stored keyring, sealed under a new HSM wrapping key, and the server unseals.
 * Each share is checked against its set's commitments when submitted (recovery shares: the seal
 * configuration; escrow shares: the escrow configuration, which commits to them when it is made). An
 * attempt in progress is never replaced by a new one; only its nonce or a share of its set cancels it.
 */
import { StrongboxError } from '../../protocol/errors.js';
import { toHex } from '../../protocol/hex.js';
import { randomBytes } from '../../crypto/random.js';
import { wipe } from '../../crypto/wipe.js';
import { commitShares, createShamirProvider, MAX_SHARES } from '../../providers/shamir/index.js';
import type { SealConfig } from '../../providers/types.js';
import { loadAuditKeys } from '../../audit/keys.js';
import type { ServiceContext } from '../shared/context.js';
import { SYS } from '../shared/context.js';
import { readSealConfig } from './seal-config.js';
import { assertMayCancel, assertNoAttempt, nonceMatches, type CancelParameters } from '../shared/unseal-progress.js';

type Ctx = Pick<ServiceContext, 'store' | 'provider' | 'barrier' | 'audit' | 'sealedReason' | 'unsealProgress' | 'ceremony' | 'now'>;

/** Whether the installation is cold (its HSM wrapping key destroyed and not yet restored). */
export async function isCold(store: Pick<ServiceContext['store'], 'getSysValue'>): Promise<string | undefined> {
  const v = await store.getSysValue(SYS.coldSince);
  return v === undefined || v.byteLength === 0 ? undefined : Buffer.from(v).toString('utf8');
}

function escrowConfig(raw: Uint8Array | undefined): SealConfig | undefined {
  return raw === undefined ? undefined : (JSON.parse(Buffer.from(raw).toString('utf8')) as SealConfig);
}

function requireHsm(ctx: Pick<ServiceContext, 'provider'>): void {
  if (ctx.provider.destroyRootOfTrust === undefined) {
    throw new StrongboxError('UNSUPPORTED_OPERATION', `cold storage applies to HSM seals (pkcs11); with ${ctx.provider.type}, seal the server instead${ctx.provider.type === 'awskms' ? ' and disable or schedule deletion of the KMS key' : ''}`);
  }
}

export async function startCeremony(ctx: Ctx, params: { kind: 'escrow' | 'restore-hsm'; shares?: number; threshold?: number }): Promise<{ nonce: string; threshold: number }> {
  requireHsm(ctx);
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  assertNoAttempt(ctx.ceremony, ctx.ceremony.kind ?? 'ceremony');
  let threshold = config.threshold;
  if (params.kind === 'escrow') {
    const { shares, threshold: t } = params;
    if (shares === undefined || !Number.isInteger(shares) || shares < 1 || shares > MAX_SHARES) throw new StrongboxError('INVALID_ARGUMENT', `shares must be an integer from 1 to ${MAX_SHARES}`, { field: 'shares' });
    if (t === undefined || !Number.isInteger(t) || t < 1 || t > shares) throw new StrongboxError('INVALID_ARGUMENT', 'threshold must be an integer from 1 to shares', { field: 'threshold' });
    ctx.ceremony.target = { shares, threshold: t };
  } else {
    const escrow = escrowConfig(await ctx.store.getSysValue(SYS.escrowConfig));
    if (escrow === undefined) throw new StrongboxError('ESCROW_REQUIRED', 'no escrow exists to restore from');
    if ((await isCold(ctx.store)) === undefined) throw new StrongboxError('NOT_COLD');
    threshold = escrow.threshold;
  }
  ctx.ceremony.progress.reset();
  ctx.ceremony.kind = params.kind;
  ctx.ceremony.nonce = Buffer.from(randomBytes(16)).toString('hex');
  return { nonce: ctx.ceremony.nonce, threshold };
}

/** The share set an attempt collects: recovery shares (escrow) or escrow shares (restore-hsm). */
async function quorumOf(ctx: Pick<Ctx, 'store'>, kind: 'escrow' | 'restore-hsm'): Promise<SealConfig> {
  const config = await readSealConfig(ctx);
  if (config === undefined) throw new StrongboxError('NOT_INITIALIZED');
  if (kind === 'escrow') return config;
  const escrow = escrowConfig(await ctx.store.getSysValue(SYS.escrowConfig));
  if (escrow === undefined) throw new StrongboxError('ESCROW_REQUIRED', 'no escrow exists to restore from');
  return escrow;
}

/** Cancels the escrow or restore-hsm attempt in progress; needs its nonce or one share of the set it collects. */
export async function cancelCeremony(ctx: Pick<Ctx, 'store' | 'ceremony'>, params: CancelParameters): Promise<{ started: false }> {
  const state = ctx.ceremony;
  const set = state.kind === undefined ? { threshold: 0 } : await quorumOf(ctx, state.kind);
  if (assertMayCancel(state, params, set, 'REKEY_NOT_STARTED')) state.reset();
  return { started: false };
}

export async function updateCeremony(ctx: Ctx, params: { nonce: string; share: string }): Promise<{ kind: string; progress: number; threshold: number; complete: boolean; shares?: `0x${string}`[] }> {
  const state = ctx.ceremony;
  if (state.kind === undefined || !nonceMatches(state.nonce, params.nonce)) throw new StrongboxError('REKEY_NOT_STARTED', 'no ceremony attempt with that nonce; start one first', { field: 'nonce' });
  const config = (await readSealConfig(ctx))!;
  const kind = state.kind;
  const quorum = await quorumOf(ctx, kind);
  const shares = state.progress.accept(params.share, quorum);
  if (shares === undefined) return { kind, progress: state.progress.count, threshold: quorum.threshold, complete: false };
  const shamir = createShamirProvider();
  const fail = () => new StrongboxError('UNSEAL_FAILED', 'the shares given do not form a quorum; progress was reset', { field: 'share' });

  if (kind === 'escrow') {
    try {
      wipe(await shamir.recover((await ctx.store.getSysValue(SYS.sealedRecoveryCheck))!, { shares }, config));
    } catch {
      throw fail();
    } finally {
      wipe(...shares);
    }
    const rootKey = await ctx.provider.recover((await ctx.store.getSysValue(SYS.sealedRootKey))!, { shares: [] }, config);
    try {
      const escrowCfg: SealConfig = { type: 'shamir', ...state.target! };
      const escrow = await shamir.protect(rootKey, escrowCfg);
      const stored = { ...escrowCfg, commitments: commitShares(escrow.shares), createdAt: ctx.now().toISOString() };
      await ctx.store.putSysValues({ [SYS.sealedEscrow]: escrow.sealedRootKey, [SYS.escrowConfig]: Buffer.from(JSON.stringify(stored)) });
      state.reset();
      const out = { kind, progress: quorum.threshold, threshold: escrowCfg.threshold, complete: true, shares: escrow.shares.map(toHex) };
      wipe(...escrow.shares);
      return out;
    } finally {
      wipe(rootKey);
    }
  }

  // restore-hsm
  let rootKey: Uint8Array;
  try {
    rootKey = await shamir.recover((await ctx.store.getSysValue(SYS.sealedEscrow))!, { shares }, quorum);
  } catch {
    throw fail();
  } finally {
    wipe(...shares);
  }
  const sealedKeyring = (await ctx.store.getSysValue(SYS.sealedKeyring))!;
  const sealed = await ctx.provider.protect(rootKey.slice(), config);
  await ctx.store.putSysValues({ [SYS.sealedRootKey]: sealed.sealedRootKey });
  // Opening the stored keyring proves this is the installation's root key (the barrier checks it).
  ctx.barrier.unseal(rootKey, sealedKeyring);
  await ctx.store.putSysValues({ [SYS.coldSince]: new Uint8Array(0) });
  ctx.audit.keys = await loadAuditKeys(ctx.store, ctx.barrier);
  ctx.sealedReason.value = undefined;
  state.reset();
  return { kind, progress: quorum.threshold, threshold: quorum.threshold, complete: true };
}

/** Seal and destroy the HSM wrapping key, once an escrow exists. */
export async function goCold(ctx: Ctx): Promise<{ cold: true; since: string }> {
  requireHsm(ctx);
  if ((await ctx.store.getSysValue(SYS.escrowConfig)) === undefined || (await ctx.store.getSysValue(SYS.sealedEscrow)) === undefined) {
    throw new StrongboxError('ESCROW_REQUIRED', 'create a quorum-held escrow of the root key first (strongbox operator escrow)');
  }
  const since = ctx.now().toISOString();
  ctx.unsealProgress.reset();
  ctx.barrier.seal();
  await ctx.store.putSysValues({ [SYS.coldSince]: Buffer.from(since) });
  await ctx.provider.destroyRootOfTrust!();
  ctx.sealedReason.value = `cold storage since ${since}: the HSM wrapping key was destroyed; restore it with M escrow shares (strongbox operator restore-hsm)`;
  return { cold: true, since };
}

